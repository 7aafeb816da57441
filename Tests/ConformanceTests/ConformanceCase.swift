/// One transcribed e2e case (see Cases/FORMAT.md): pods, then steps of actions and reachability checks.
struct ConformanceCase: CaseFile, CustomStringConvertible {
    var name: String
    var context: String?
    var pods: [String]
    var protocols: [String]
    var ports: [UInt16]
    var steps: [Step]
    var unsupported: String?
    /// The file it came from, for messages.
    var file: String = ""

    private enum CodingKeys: String, CodingKey { case name, context, pods, protocols, ports, steps, unsupported }

    struct Step: Decodable {
        var actions: [Action]?
        var checks: [Check]?
    }

    struct Action: Decodable {
        var apply: String?
        var delete: ObjectKey?
        var deleteAllPolicies: [String: String]?
        var podLabels: LabelChange?
        var namespaceLabels: LabelChange?
        var mutate: ObjectMutation?
    }

    struct ObjectKey: Decodable {
        var kind: String
        var namespace: String?
        var name: String
    }

    struct LabelChange: Decodable {
        var pod: String?
        var namespace: String?
        var add: [String: String]?
        var remove: [String]?
    }

    struct Check: Decodable {
        var port: UInt16
        var `protocol`: String
        var reachability: ReachabilitySpec
    }

    var description: String { fileAndName }
}
