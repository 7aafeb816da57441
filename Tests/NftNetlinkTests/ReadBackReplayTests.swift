import CNftables
import Foundation
@testable import NftNetlink
import Ruleset
import Testing

/// The read-back decoder fed recorded and hostile dump replies (see `DumpReplay`); the hostile ones are
/// crashers the fuzzer found (Fuzz/Corpus/FuzzNetlinkDump/crash-*), each of which crashed or ended the
/// agent before `ReplyCheck` (`scripts/fuzz FuzzNetlinkDump`).
@Suite struct ReadBackReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus/FuzzNetlinkDump")
    static let table = TableIdentity(name: "netpol-agent")

    static func replay(_ name: String) throws -> Ruleset? {
        let bytes = try [UInt8](Data(contentsOf: corpus.appendingPathComponent(name)))
        return try DumpReplay.readTable(table, from: bytes)
    }

    /// The replay decodes the replies it recorded exactly as the kernel read did. With NETPOL_FUZZ_SEED set,
    /// the recording is written there: that is how the seed example-table.bin was made.
    @Test func replayOfAKernelDumpDecodesLikeTheKernelRead() throws {
        let ruleset = try ExampleCluster.ruleset()
        try ScratchNamespace.with { namespaces in
            let programmer = try KernelProgrammer(tableName: ruleset.table.name, netns: namespaces[0].name)
            try programmer.apply(ruleset)
            let connection = try NftConnection(netns: namespaces[0].name)
            let recorder = DumpRecorder(connection)
            let live = try TableDump(connection: recorder, table: Self.table, generation: try connection.generation()).read()
            #expect(live?.normalized == ruleset.normalized)
            #expect(try DumpReplay.readTable(Self.table, from: recorder.bytes)?.normalized == ruleset.normalized)
            if let path = ProcessInfo.processInfo.environment["NETPOL_FUZZ_SEED"] {
                try Data(recorder.bytes).write(to: URL(fileURLWithPath: path))
            }
        }
    }

    /// An NLMSG_ERROR too short to hold its nlmsgerr (crash-short-error-message.bin: ASan heap-buffer-overflow,
    /// read past the message). Here zeros follow it, which the old read took for an acknowledgement: the dump
    /// ended as complete and empty, so the table read as absent, and the agent would have recreated it.
    @Test func shortErrorMessageIsAnErrorNotAnEmptyDump() throws {
        var header = nlmsghdr(nlmsg_len: UInt32(MemoryLayout<nlmsghdr>.size), nlmsg_type: UInt16(NLMSG_ERROR), nlmsg_flags: 0,
                              nlmsg_seq: 0, nlmsg_pid: 0)
        let bytes = withUnsafeBytes(of: &header) { Array($0) } + [UInt8](repeating: 0, count: MemoryLayout<nlmsgerr>.size)
        let error = try #require(throws: NftError.self) { try DumpReplay.readTable(Self.table, from: bytes) }
        #expect("\(error)".contains("Bad message"), "\(error)")
    }

    /// Each crasher is refused with a decoding error, and reading goes on working.
    @Test(arguments: [
        // A rule expression without NFTA_EXPR_NAME: libnftnl strcmp()s NULL+4 (SEGV in nftnl_expr_alloc).
        ("crash-expression-without-name.bin", "expression without a name"),
        // A table flags attribute of 9 bytes: libnftnl's abi_breakage() exits the process (table.c:270).
        ("crash-attribute-of-wrong-size.bin", "netlink attribute 2 of 9 bytes instead of 4"),
        // A jump verdict without its chain: libnftnl strdup()s an uninitialised pointer (SEGV in
        // nftnl_set_elems_nlmsg_parse).
        ("crash-jump-without-chain.bin", "jump or goto without a chain"),
        // A set element attribute numbered 16: libnftnl writes past a stack array, and returns with a
        // clobbered register (SEGV in swift_release after the read).
        ("crash-element-attribute-past-its-table.bin", "unexpected attribute 16"),
    ])
    func crasherIsRefused(file: String, message: String) throws {
        let error = try #require(throws: (any Error).self) { try Self.replay(file) }
        #expect("\(error)".contains(message), "\(error)")
        #expect(try Self.replay("example-table.bin")?.table.name == Self.table.name)
    }
}
