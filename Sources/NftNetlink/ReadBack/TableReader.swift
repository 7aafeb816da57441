import CNftables
import Glibc
import HashTreeCollections
import Ruleset

extension NftConnection {
    /// The table as the kernel holds it, decoded into the model; nil if there is no such table. Reads
    /// through netlink dumps only, all from one generation. Throws `NftError.unrecognized` if the table
    /// holds anything this agent would never write (a foreign rule, a set flag, …).
    public func readTable(_ table: TableIdentity) throws -> Ruleset? {
        try readTableWithGeneration(table).ruleset
    }

    /// The table and the generation it was read at.
    func readTableWithGeneration(_ table: TableIdentity) throws -> (ruleset: Ruleset?, generation: UInt32) {
        do {
            return try consistentRead("read table \(table)") { generation in
                try TableDump(connection: self, table: table, generation: generation).read()
            }
        } catch let error as WireDecodingError {
            throw NftError.unrecognized("table \(table): \(error)")
        }
    }
}

extension NftConnection {
    /// The table and the generation it is known at, read while notifications vouch that no one else
    /// touched it. A commit to any table interrupts a dump (the generation moves), so on a node where
    /// kube-proxy commits every 100 ms a large table never reads back whole through `consistentRead`;
    /// here only commits that touched this table (or lost notifications) start the read again.
    func readTable(_ table: TableIdentity, watchedBy listener: NftEventListener) throws -> (ruleset: Ruleset?, generation: UInt32) {
        for _ in 0..<10 {
            let before = listener.drain()
            let generation = try self.generation()
            let ruleset: Ruleset?
            do {
                ruleset = try TableDump(connection: self, table: table, generation: nil).read()
            } catch {
                guard !listener.drain().changedTable(since: before) else { continue }
                if let error = error as? WireDecodingError { throw NftError.unrecognized("table \(table): \(error)") }
                throw error
            }
            let after = listener.drain()
            guard !after.changedTable(since: before) else { continue }
            // Notifications lost before the read leave `lastSeen` behind the generation read.
            return (ruleset, after.lastSeen.map { GenerationLedger.isAfter($0, generation) ? $0 : generation } ?? generation)
        }
        throw NftError.system("read table \(table): others kept changing it", errno: EAGAIN)
    }
}

/// One consistent read of a table: table, chains, sets, each set's elements, counters, rules.
struct TableDump {
    let connection: any DumpSource
    let table: TableIdentity
    /// The generation every reply must come from; nil when the caller checks consistency otherwise.
    let generation: UInt32?

    func read() throws -> Ruleset? {
        guard let comment = try tableComment() else { return nil }
        let sets = try self.sets()
        let linearizer = RuleLinearizer { [concatenatedIntervals = Set(sets.filter { $0.isInterval && $0.keyType.count > 1 }.map(\.name))] in
            concatenatedIntervals.contains($0)
        }
        let chains = try rules(into: try self.chains(), delinearizer: RuleDelinearizer(linearizer: linearizer))
        let (counters, limits) = try objectDeclarations()
        return Ruleset(table: Table(family: table.family, name: table.name, comment: comment, sets: sets, counters: counters,
                                    limits: limits, chains: chains))
    }

    /// The current values of the table's counters, by name.
    func counterValues() throws -> [String: CounterValues] {
        var values: [String: CounterValues] = [:]
        try objects { object in
            guard CounterObject.isCounter(object) else { return }
            let (name, reading) = CounterObject.values(object)
            values[name] = reading
        }
        return values
    }

    /// nil if the table does not exist; `.some(nil)` if it has no comment.
    private func tableComment() throws -> String?? {
        var found: String??
        try dump(NFT_MSG_GETTABLE, kind: .table, shape: ReplyShape.table, filter: nil, parse: nftnl_table_nlmsg_parse) { object in
            guard object.string(NFTNL_TABLE_NAME) == table.name else { return }
            // A dormant table filters nothing (`nft add table … { flags dormant; }`); the agent never writes one.
            if let flags = object.u32(NFTNL_TABLE_FLAGS), flags & NFT_TABLE_F_DORMANT.rawValue != 0 {
                throw WireDecodingError.unexpected("table flags \(flags) (dormant)")
            }
            found = .some(TableObject.comment(object))
        }
        return found
    }

    private func chains() throws -> [Chain] {
        var chains: [Chain] = []
        let filter = ChainObject.make(nil, declaration: nil, in: table)
        try dump(NFT_MSG_GETCHAIN, kind: .chain, shape: ReplyShape.chain, filter: { nftnl_chain_nlmsg_build_payload($0, filter.pointer) },
                 parse: nftnl_chain_nlmsg_parse) { object in
            guard object.string(NFTNL_CHAIN_TABLE) == table.name else { return }
            chains.append(try ChainObject.declaration(object))
        }
        return chains
    }

    private func sets() throws -> [NamedSet] {
        var sets: [NamedSet] = []
        let filter = SetObject.reference(nil, in: table)
        try dump(NFT_MSG_GETSET, kind: .set, shape: ReplyShape.set, filter: { nftnl_set_nlmsg_build_payload($0, filter.pointer) },
                 parse: nftnl_set_nlmsg_parse) { object in
            guard object.string(NFTNL_SET_TABLE) == table.name else { return }
            sets.append(try SetObject.attributes(object).declaration())
        }
        // Elements come one dump per set; each message adds to the same holder.
        for index in sets.indices {
            let holder = SetObject.reference(sets[index].name, in: table)
            try connection.dump(NFT_MSG_GETSETELEM, family: table.nfproto, generation: generation,
                                request: { nftnl_set_elems_nlmsg_build_payload($0, holder.pointer) }) { header in
                try ReplyCheck.check(header, as: ReplyShape.setElements)
                try check(nftnl_set_elems_nlmsg_parse(header, holder.pointer), "set elements")
            }
            sets[index].elements = TreeSet(try ElementEncoding.decode(try SetObject.elements(holder), of: sets[index]))
        }
        return sets
    }

    /// Counters and limits; any other type of object is not this agent's.
    private func objectDeclarations() throws -> (counters: [NamedCounter], limits: [NamedLimit]) {
        var counters: [NamedCounter] = [], limits: [NamedLimit] = []
        try objects { object in
            if CounterObject.isCounter(object) {
                counters.append(CounterObject.declaration(object))
            } else if LimitObject.isLimit(object) {
                limits.append(try LimitObject.declaration(object))
            } else {
                let type = object.u32(NFTNL_OBJ_TYPE).map(String.init) ?? "unknown to libnftnl"
                throw WireDecodingError.unexpected("object \(StatefulObject.name(object)) of type \(type)")
            }
        }
        return (counters, limits)
    }

    /// Every stateful object of the table, whatever its type.
    private func objects(_ body: (NftnlAttributes) throws -> Void) throws {
        let filter = CounterObject.reference(nil, in: table)
        try dump(NFT_MSG_GETOBJ, kind: .object, shape: ReplyShape.object, filter: { nftnl_obj_nlmsg_build_payload($0, filter.pointer) },
                 parse: nftnl_obj_nlmsg_parse) { object in
            guard CounterObject.table(object) == table.name else { return }
            try body(object)
        }
    }

    private func rules(into chains: [Chain], delinearizer: RuleDelinearizer) throws -> [Chain] {
        var chains = chains
        let index = Dictionary(chains.indices.map { (chains[$0].name, $0) }, uniquingKeysWith: { first, _ in first })
        let filter = RuleObject.make(nil, chain: nil, in: table, linearizer: delinearizer.linearizer)
        try dump(NFT_MSG_GETRULE, kind: .rule, shape: ReplyShape.rule, filter: { nftnl_rule_nlmsg_build_payload($0, filter.pointer) },
                 parse: nftnl_rule_nlmsg_parse) { object in
            guard object.string(NFTNL_RULE_TABLE) == table.name else { return }
            let chain = RuleObject.chain(object)
            guard let position = index[chain] else { throw WireDecodingError.unexpected("rule in unknown chain \(chain)") }
            chains[position].rules.append(try RuleObject.decode(object, delinearizer: delinearizer))
        }
        return chains
    }

    /// Dumps objects of one kind, each checked against `shape`, then parsed into a fresh libnftnl object.
    private func dump(_ type: nf_tables_msg_types, kind: NftnlKind, shape: ReplyShape.Message, filter: ((UnsafeMutablePointer<nlmsghdr>) -> Void)?,
                      parse: (UnsafePointer<nlmsghdr>?, OpaquePointer?) -> Int32,
                      _ body: (NftnlAttributes) throws -> Void) throws {
        try connection.dump(type, family: table.nfproto, generation: generation, request: { filter?($0) }) { header in
            try ReplyCheck.check(header, as: shape)
            let object = NftnlObject(kind)
            try check(parse(header, object.pointer), "\(type.rawValue) message")
            try body(object.attributes)
        }
    }

    private func check(_ result: Int32, _ what: String) throws {
        guard result >= 0 else { throw NftError.system("parse \(what)", errno: errno) }
    }
}
