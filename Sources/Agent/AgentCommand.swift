import ArgumentParser

@main
struct AgentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Kubernetes NetworkPolicy enforcement for one node, with nftables.",
        subcommands: [RunCommand.self, CleanupCommand.self, ExplainCommand.self],
        defaultSubcommand: RunCommand.self
    )
}
