import Foundation
import IPAddressing

/// A path of local pod traffic the agent's hooks do not see: pods switched by `bridge`, which
/// br_netfilter does not hand to the inet forward hook because of `setting`.
public struct UnenforcedPath: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The bridge device the pods' addresses are routed to, e.g. "cni0".
    public var bridge: String
    /// The sysctl that is 0 ("net.bridge.bridge-nf-call-iptables", "…-ip6tables"), or "br_netfilter"
    /// when the module is not loaded at all.
    public var setting: String

    public init(bridge: String, setting: String) {
        self.bridge = bridge
        self.setting = setting
    }

    public var description: String {
        setting == Self.moduleMissing
            ? "pods behind bridge \(bridge) are not enforced between each other: br_netfilter is not loaded"
            : "pods behind bridge \(bridge) are not enforced between each other: \(setting) is 0"
    }

    /// What the operator should do about it.
    public var remedy: String {
        setting == Self.moduleMissing ? "load br_netfilter and set its bridge-nf-call sysctls to 1" : "set \(setting)=1"
    }

    public static func < (lhs: UnenforcedPath, rhs: UnenforcedPath) -> Bool { (lhs.bridge, lhs.setting) < (rhs.bridge, rhs.setting) }

    static let moduleMissing = "br_netfilter"
}

/// Looks at the node the way its kernel routes: a local pod address whose route leads to a bridge is
/// switched between that bridge's ports, and its pod-to-pod packets reach the inet forward hook only
/// through br_netfilter with `bridge-nf-call-iptables` (IPv4) / `bridge-nf-call-ip6tables` (IPv6) set
/// (linux net/bridge/br_netfilter_hooks.c, `br_nf_pre_routing`). Reads procfs and sysfs of the network
/// namespace the agent runs in.
public struct NodePathCheck: Sendable {
    /// The routing tables as text (`route`, `ipv6_route`).
    public var procNet = "/proc/self/net"
    /// A directory per link; a bridge's has a `bridge` subdirectory.
    public var sysClassNet = "/sys/class/net"
    /// br_netfilter's sysctls; absent without the module.
    public var procSysBridge = "/proc/sys/net/bridge"

    public init() {}

    /// What keeps the agent from seeing traffic between the given local pod addresses, if anything.
    public func unenforced(podAddresses: [IPAddress]) -> [UnenforcedPath] {
        let routes = RouteTable(procNet: procNet)
        var found = Set<UnenforcedPath>()
        for address in podAddresses {
            guard let device = routes.device(for: address),
                  FileManager.default.fileExists(atPath: "\(sysClassNet)/\(device)/bridge") else { continue }
            let setting = "net.bridge.bridge-nf-call-\(address.family == .v4 ? "iptables" : "ip6tables")"
            let path = "\(procSysBridge)/\(setting.split(separator: ".").last!)"
            guard let value = try? String(contentsOfFile: path, encoding: .utf8) else {
                found.insert(UnenforcedPath(bridge: device, setting: UnenforcedPath.moduleMissing))
                continue
            }
            if value.trimmingCharacters(in: .whitespacesAndNewlines) == "0" {
                found.insert(UnenforcedPath(bridge: device, setting: setting))
            }
        }
        return found.sorted()
    }
}
