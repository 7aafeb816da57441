import NetnsLab

/// Where a case's pods are: their addresses and nodes. A lab knows them; `PlannedAddresses` gives the
/// same layout with no kernel, for checks that only compile and evaluate.
protocol CaseAddresses {
    var podNames: [String] { get }
    func address(of pod: String, family: LabFamily) -> String
    func nodeName(ofPod pod: String) -> String
}

extension Lab: CaseAddresses {
    func nodeName(ofPod pod: String) -> String { nodeName(node(of: pod)) }
}

/// The lab's layout without the lab: pods spread over two nodes as `CaseRunner.labPods` does, numbered
/// per node from 1 in `10.244.<node>.0/24` and `fd00:10:244:<node>::/64`.
struct PlannedAddresses: CaseAddresses {
    let podNames: [String]
    private var places: [String: (node: Int, ordinal: Int)] = [:]

    init(pods: [String]) {
        podNames = pods
        var ordinals: [Int: Int] = [:]
        for spec in CaseRunner.labPods(pods) {
            ordinals[spec.node, default: 0] += 1
            places[spec.name] = (spec.node, ordinals[spec.node]!)
        }
    }

    func address(of pod: String, family: LabFamily) -> String {
        let place = places[pod]!
        return family == .v4 ? "10.244.\(place.node).\(place.ordinal)" : "fd00:10:244:\(place.node)::\(place.ordinal)"
    }

    func nodeName(ofPod pod: String) -> String { "node-\(places[pod]!.node)" }
}
