import Observability

/// The agent's own flags that a deployment may pass, each with a value (Sources/Agent/AgentCommand.swift:
/// keep in sync). Metrics, health and logging flags are `ObservabilityOptions`, checked by parsing them.
enum AgentFlags {
    static let withValue: Set<String> = ["--kubeconfig", "--node", "--deny-action", "--table"]

    /// Parses `arguments` as the agent would in run mode; throws on a flag it would not accept.
    static func check(_ arguments: [String]) throws -> ObservabilityOptions {
        var rest: [String] = []
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            let name = String(argument.split(separator: "=", maxSplits: 1)[0])
            if withValue.contains(name) {
                guard argument.contains("=") || index + 1 < arguments.endIndex else { throw MissingValue(flag: name) }
                index += argument.contains("=") ? 1 : 2
            } else {
                rest.append(argument)
                index += 1
            }
        }
        do {
            return try ObservabilityOptions.parse(rest)
        } catch {
            throw Rejected(description: ObservabilityOptions.message(for: error))
        }
    }

    struct MissingValue: Error { let flag: String }

    struct Rejected: Error, CustomStringConvertible { let description: String }
}
