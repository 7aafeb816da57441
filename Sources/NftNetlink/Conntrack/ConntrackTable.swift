import CNftables
import Glibc
import IPAddressing
import Ruleset

/// The conntrack table of one network namespace, over ctnetlink (the kernel's
/// net/netfilter/nf_conntrack_netlink.c): dumps filtered in the kernel by address, and label updates.
/// Use it from one thread at a time.
final class ConntrackTable {
    private let socket: NetlinkSocket
    private var nextSequence = UInt32(truncatingIfNeeded: time(nil))

    /// Which tuple address a dump filters on.
    enum Side {
        /// The connection's initiator: CTA_TUPLE_ORIG source.
        case initiator
        /// The side that answers, after DNAT: CTA_TUPLE_REPLY source.
        case responder
    }

    init(netns: String?) throws {
        socket = try NetlinkSocket(namespace: netns)
        // Dumps of busy tables come in many datagrams; give the kernel room to queue them.
        try socket.reserve(send: 64 * 1024, receive: 4 << 20)
    }

    private func takeSequence() -> UInt32 {
        defer { nextSequence &+= 1 }
        return nextSequence
    }

    /// The entries whose `side` address is `address`. The kernel filters (CTA_FILTER with
    /// CTA_FILTER_FLAG_CTA_IP_SRC, kernels ≥ 5.8): only matching entries cross the socket.
    func flows(_ side: Side, address: IPAddress) throws -> [ConntrackFlow] {
        try dump(family: address.family.addressFamily, what: "\(address)") { request in
            request.nested(side == .initiator ? CTA_TUPLE_ORIG : CTA_TUPLE_REPLY) { tuple in
                tuple.nested(CTA_TUPLE_IP) { ip in
                    ip.attribute(address.family == .v4 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, address.bytes)
                }
            }
            request.nested(CTA_FILTER) { filter in
                filter.attribute(side == .initiator ? CTA_FILTER_ORIG_FLAGS : CTA_FILTER_REPLY_FLAGS, u32: Self.filterIPSource)
            }
        }
    }

    /// How many entries the namespace's table holds, from the kernel's counter: no walk of the hash.
    /// net/netfilter/nf_conntrack_netlink.c, ctnetlink_stat_ct: one IPCTNL_MSG_CT_GET_STATS reply whose
    /// CTA_STATS_GLOBAL_ENTRIES is the namespace's nf_conntrack_count.
    func entryCount() throws -> Int {
        let sequence = try send(NetfilterRequest(subsystem: NFNL_SUBSYS_CTNETLINK, message: IPCTNL_MSG_CT_GET_STATS.rawValue, flags: 0,
                                                 family: UInt8(AF_UNSPEC), sequence: takeSequence()))
        var count: Int?
        try socket.receive(awaiting: "conntrack entry count (sequence \(sequence))") { message in
            guard message.sequence == sequence else { return false }
            if let error = message.error {
                guard error.code == 0 else { throw NftError.system("conntrack entry count", errno: error.code) }
                return true
            }
            let entries = NetlinkAttributes(message: message).payload(CTA_STATS_GLOBAL_ENTRIES)
            count = entries.map { $0.reduce(0) { $0 << 8 | Int($1) } }
            return true
        }
        guard let count else { throw NftError.system("conntrack entry count: no CTA_STATS_GLOBAL_ENTRIES in the reply", errno: EPROTO) }
        return count
    }

    /// Every entry of both families: one walk of the hash, every entry of the namespace sent.
    func allFlows() throws -> [ConntrackFlow] {
        try dump(family: UInt8(AF_UNSPEC), what: "the whole table") { _ in }
    }

    /// The entries of both families whose initiator or answering side is one of `addresses`, from one
    /// dump of the whole table: entries of other addresses are skipped before they are parsed.
    func flows(involving addresses: Set<IPAddress>) throws -> [ConntrackFlow] {
        try dump(family: UInt8(AF_UNSPEC), what: "the whole table", { _ in }) { message in
            ConntrackSources(message).map { addresses.contains($0.original) || addresses.contains($0.reply) } ?? true
        }
    }

    private func dump(family: UInt8, what: String, _ filter: (inout NetfilterRequest) -> Void,
                      selecting: (NetlinkMessage) -> Bool = { _ in true }) throws -> [ConntrackFlow] {
        let sequence = takeSequence()
        var request = NetfilterRequest(subsystem: NFNL_SUBSYS_CTNETLINK, message: IPCTNL_MSG_CT_GET.rawValue,
                                       flags: NLM_F_DUMP, family: family, sequence: sequence)
        filter(&request)
        try send(request)
        var flows: [ConntrackFlow] = []
        try socket.receive(awaiting: "conntrack dump of \(what) (sequence \(sequence))") { message in
            guard message.sequence == sequence else { return false }
            if message.isDone { return true }
            if let error = message.error {
                guard error.code == 0 else { throw NftError.system("conntrack dump of \(what)", errno: error.code) }
                return true
            }
            if selecting(message), let flow = ConntrackFlow(message) { flows.append(flow) }
            return false
        }
        return flows
    }

    /// Sets label `bit` on the entry, leaving its other bits (CTA_LABELS_MASK). Fails with ENOSPC on an
    /// entry created before any rule used labels: the kernel adds the label area only at creation.
    func setLabel(_ bit: UInt8, on flow: ConntrackFlow) throws {
        var request = update(IPCTNL_MSG_CT_NEW, flow)
        let bitmap = ConntrackLabel.bitmap(bit)
        request.attribute(CTA_LABELS, bitmap)
        request.attribute(CTA_LABELS_MASK, bitmap)
        try acknowledged(request, "label conntrack entry \(flow.originalSource) → \(flow.originalDestination)")
    }

    /// Replaces an entry that has no room for labels by a new one with the same tuples, state and
    /// timeout that carries label `bit`: created now, it gets the label area. False when the entry
    /// cannot be created again (it has NAT to restore): then it is only deleted.
    func replaceLabelled(_ flow: ConntrackFlow, bit: UInt8) throws -> Bool {
        try delete(flow)
        guard let recreation = flow.recreation else { return false }
        try createLabelled(flow, from: recreation, bit: bit)
        return true
    }

    /// Creates `flow`'s entry again from its `recreation`, labelled. Between the delete and this create, a packet of the
    /// connection may have started a new entry of the same tuples (either direction; the kernel then
    /// answers EEXIST): created under the agent's table, that entry has room for labels, and it is
    /// the one labelled, so the connection stays revoked. Should that entry end before it is labelled
    /// (ENOENT), the create is tried again.
    func createLabelled(_ flow: ConntrackFlow, from recreation: [UInt8], bit: UInt8) throws {
        let what = "create labelled conntrack entry \(flow.originalSource) → \(flow.originalDestination)"
        let bitmap = ConntrackLabel.bitmap(bit)
        for attempt in 1...3 {
            var request = NetfilterRequest(subsystem: NFNL_SUBSYS_CTNETLINK, message: IPCTNL_MSG_CT_NEW.rawValue,
                                           flags: NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, family: flow.originalSource.family.addressFamily,
                                           sequence: takeSequence())
            request.raw(recreation)
            request.attribute(CTA_LABELS, bitmap)
            request.attribute(CTA_LABELS_MASK, bitmap)
            do {
                try acknowledged(request, what)
                return
            } catch NftError.system(_, let code) where code == EEXIST {
                do {
                    try setLabel(bit, on: flow)
                    return
                } catch NftError.system(_, let code) where code == ENOENT && attempt < 3 {
                    continue
                }
            }
        }
    }

    func delete(_ flow: ConntrackFlow) throws {
        try acknowledged(update(IPCTNL_MSG_CT_DELETE, flow), "delete conntrack entry \(flow.originalSource) → \(flow.originalDestination)")
    }

    private func update(_ type: cntl_msg_types, _ flow: ConntrackFlow) -> NetfilterRequest {
        var request = NetfilterRequest(subsystem: NFNL_SUBSYS_CTNETLINK, message: UInt32(type.rawValue), flags: NLM_F_ACK,
                                       family: flow.originalSource.family.addressFamily, sequence: takeSequence())
        request.raw(flow.identity)
        return request
    }

    private func acknowledged(_ request: NetfilterRequest, _ what: String) throws {
        let sequence = try send(request)
        try socket.receive(awaiting: "\(what) (sequence \(sequence))") { message in
            guard message.sequence == sequence, let error = message.error else { return false }
            guard error.code == 0 else { throw NftError.system(what, errno: error.code) }
            return true
        }
    }

    @discardableResult
    private func send(_ request: NetfilterRequest) throws -> UInt32 {
        let message = request.message
        try message.withUnsafeBytes { try socket.send($0) }
        return message.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: 8, as: UInt32.self) }
    }

    /// CTA_FILTER_FLAG(CTA_IP_SRC): bit 0 of the kernel's filter flags (nf_conntrack_netlink.c), which
    /// the uapi headers do not export.
    private static let filterIPSource: UInt32 = 1 << 0
}

extension IPFamily {
    var addressFamily: UInt8 { UInt8(self == .v4 ? AF_INET : AF_INET6) }
}
