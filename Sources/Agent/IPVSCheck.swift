import Foundation
import Glibc
import Logging
import Observability

/// Looks for kube-proxy's IPVS mode on the node, which the agent does not support: IPVS takes Service
/// traffic in at the input hook (the ClusterIPs sit on the `kube-ipvs0` dummy link) and sends it on
/// from the output path, so the agent's forward hook never sees a local pod's connection to a Service;
/// the pod's egress policy is not enforced for it. IPVS mode is deprecated upstream too.
struct IPVSCheck: Sendable {
    /// The kernel's table of IPVS virtual services (net/netfilter/ipvs/ip_vs_ctl.c, ip_vs_info_seq_show).
    var procFile = "/proc/net/ip_vs"
    /// The dummy link kube-proxy's IPVS mode puts every ClusterIP on (kubernetes pkg/proxy/ipvs/proxier.go,
    /// defaultDummyDevice).
    var linkName = "kube-ipvs0"

    func inspect() -> IPVSFindings {
        let table = try? String(contentsOfFile: procFile, encoding: .utf8)
        return IPVSFindings(virtualServices: table.map(Self.virtualServices) ?? 0,
                            link: if_nametoindex(linkName) != 0 ? linkName : nil)
    }

    /// ip_vs_info_seq_show prints two header lines ("IP Virtual Server version …", "Prot LocalAddress:Port …")
    /// and a "  -> RemoteAddress…" legend, then one unindented line per virtual service (its protocol, or
    /// "FWM", then address and scheduler), each followed by indented "  -> " lines for its real servers.
    static func virtualServices(in table: String) -> Int {
        table.split(separator: "\n").filter { line in
            !line.hasPrefix(" ") && !line.hasPrefix("IP Virtual Server") && !line.hasPrefix("Prot ")
                && !line.allSatisfy(\.isWhitespace)
        }.count
    }
}

/// What `IPVSCheck` found: IPVS virtual services in the kernel, kube-proxy's dummy link, or neither.
struct IPVSFindings: Equatable, Sendable {
    var virtualServices: Int
    /// The name of kube-proxy's dummy link, when it exists.
    var link: String?

    var detected: Bool { virtualServices > 0 || link != nil }

    /// The warning to log, or nil when there is no IPVS state.
    var warning: String? {
        guard detected else { return nil }
        let evidence = [virtualServices > 0 ? "\(virtualServices) IPVS virtual services in /proc/net/ip_vs" : nil,
                        link.map { "link \($0)" }].compactMap { $0 }.joined(separator: " and ")
        return "kube-proxy's IPVS mode is unsupported (found \(evidence)): IPVS forwards Service traffic from the "
            + "input hook, so the agent's forward hook does not judge local pods' connections to Services; "
            + "run kube-proxy in nftables or iptables mode"
    }
}

extension IPVSCheck {
    /// Inspects the node, sets the IPVS metrics and logs the warning when there is IPVS state.
    @discardableResult
    func report(to logger: Logger, metrics: AgentMetrics) -> IPVSFindings {
        let findings = inspect()
        metrics.setIPVSState(detected: findings.detected, virtualServices: findings.virtualServices)
        if let warning = findings.warning { logger.warning("\(warning)") }
        return findings
    }
}
