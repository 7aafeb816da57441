import CNftables
import Ruleset

enum ChainObject {
    /// A chain's declaration; with `declaration` nil, only its name (to flush or delete it); with `name`
    /// nil too, every chain of the table (a dump filter).
    static func make(_ name: String?, declaration: Chain?, in table: TableIdentity) -> NftnlObject {
        let object = NftnlObject(.chain)
        let attributes = object.attributes
        attributes.set(NFTNL_CHAIN_TABLE, string: table.name)
        if let name { attributes.set(NFTNL_CHAIN_NAME, string: name) }
        attributes.set(NFTNL_CHAIN_FAMILY, u32: UInt32(table.nfproto))
        if let hook = declaration?.hook {
            attributes.set(NFTNL_CHAIN_TYPE, string: "filter")
            attributes.set(NFTNL_CHAIN_HOOKNUM, u32: hook.hook.number)
            attributes.set(NFTNL_CHAIN_PRIO, i32: hook.priority)
            attributes.set(NFTNL_CHAIN_POLICY, u32: hook.policy == .accept ? UInt32(NF_ACCEPT) : UInt32(NF_DROP))
        }
        if let comment = declaration?.comment {
            var data = UserData()
            data.append(UserDataType.comment, string: comment)
            attributes.set(NFTNL_CHAIN_USERDATA, data.bytes)
        }
        return object
    }

    static func declaration(_ chain: NftnlAttributes) throws(WireDecodingError) -> Chain {
        let name = chain.string(NFTNL_CHAIN_NAME) ?? ""
        let comment = chain.bytes(NFTNL_CHAIN_USERDATA).flatMap { UserData(bytes: $0).string(UserDataType.comment) }
        guard let number = chain.u32(NFTNL_CHAIN_HOOKNUM) else { return Chain(name: name, comment: comment) }
        guard chain.string(NFTNL_CHAIN_TYPE) == "filter",
              let hook = BaseChainHook.Hook.allHooks.first(where: { $0.number == number }),
              let priority = chain.i32(NFTNL_CHAIN_PRIO), let policy = chain.u32(NFTNL_CHAIN_POLICY),
              policy == UInt32(NF_ACCEPT) || policy == UInt32(NF_DROP)
        else {
            throw .unexpected("chain \(name): type \(chain.string(NFTNL_CHAIN_TYPE) ?? "-"), hook \(number), "
                + "priority \(chain.i32(NFTNL_CHAIN_PRIO).map(String.init) ?? "-"), policy \(chain.u32(NFTNL_CHAIN_POLICY).map(String.init) ?? "-")")
        }
        let hooked = BaseChainHook(hook: hook, priority: priority, policy: policy == UInt32(NF_ACCEPT) ? .accept : .drop)
        return Chain(name: name, hook: hooked, comment: comment)
    }
}

extension BaseChainHook.Hook {
    static let allHooks: [Self] = [.prerouting, .input, .forward, .output, .postrouting]

    /// NF_INET_* hook number.
    var number: UInt32 {
        switch self {
        case .prerouting: return NF_INET_PRE_ROUTING.rawValue
        case .input: return NF_INET_LOCAL_IN.rawValue
        case .forward: return NF_INET_FORWARD.rawValue
        case .output: return NF_INET_LOCAL_OUT.rawValue
        case .postrouting: return NF_INET_POST_ROUTING.rawValue
        }
    }
}
