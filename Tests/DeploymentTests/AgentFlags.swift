@testable import Agent
import Observability

/// Parses a deployment's arguments with the agent's own command, so a flag the agent would refuse
/// fails the test, and the options it would run with can be checked.
enum AgentFlags {
    static func check(_ arguments: [String]) throws -> ObservabilityOptions {
        do {
            return try RunCommand.parse(arguments).observability
        } catch {
            throw Rejected(description: RunCommand.message(for: error))
        }
    }

    struct Rejected: Error, CustomStringConvertible { let description: String }
}
