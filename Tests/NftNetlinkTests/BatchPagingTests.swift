import CNftables
import IPAddressing
@testable import NftNetlink
import Ruleset
import Testing

/// A batch larger than one libnftnl page. When a page fills, `nftnl_batch_update` copies the message
/// that overflowed it to a new page (libnftnl src/batch.c), so where a message lies is known only once
/// the batch is built.
@Suite struct BatchPagingTests {
    /// Failure mode: a header pointer kept across `nftnl_batch_update` pointed at the copy left behind
    /// in the old page's overrun area, outside the bytes sent, for every message that changed pages.
    @Test func everyMessageIsReadFromThePagesSent() throws {
        let batch = try Batch(firstSequence: 100, generation: nil)
        let filler = [UInt8](repeating: 0xab, count: 3000)
        let count = 300
        for index in 0..<count {
            try batch.append(NFT_MSG_NEWTABLE.rawValue, family: UInt16(NFPROTO_INET), flags: 0, operation: index) { header in
                mnl_attr_put(header, UInt16(NFTA_TABLE_USERDATA.rawValue), filler.count, filler)
            }
        }
        try batch.finish()
        let pages = batch.iovecs().parts.map { UnsafeRawBufferPointer(start: $0.iov_base, count: $0.iov_len) }
        #expect(pages.count > 3, "the batch spans pages")
        var outside: [Int] = []
        for index in 0..<count {
            let sequence = UInt32(101 + index)
            let message = try #require(batch.message(sequence: sequence))
            #expect(message.operation == index)
            let start = UnsafeRawPointer(message.header)
            if !pages.contains(where: { $0.baseAddress! <= start && start < $0.baseAddress! + $0.count }) { outside.append(index) }
            #expect(message.header.load(as: nlmsghdr.self).nlmsg_seq == sequence)
        }
        #expect(outside.isEmpty, "messages read from outside the pages sent: \(outside)")
    }

    /// A refused element far into a batch of many pages is still named exactly, from the kernel's
    /// extended-ACK offset into the message as sent.
    @Test func refusedElementOnALaterPageIsNamed() throws {
        let ruleset = try ExampleCluster.ruleset()
        let table = TableIdentity(name: ruleset.table.name)
        let pods = try #require(ruleset.table.sets.first { $0.name.hasPrefix("pods_") && $0.keyType == [.ipv4Address] })
        // About 500 KB of elements: several pages, then the bad element in a message of its own.
        let good = NamedSet(name: pods.name, keyType: [.ipv4Address],
                            elements: (0..<40_000).map { SetElement(key: [.address(.v4(0x0b00_0000 + UInt32($0)))]) })
        // A key of the wrong length, as in FaultTests.
        let bad = NamedSet(name: pods.name, keyType: [.ipv6Address], elements: [SetElement(key: [.address(IPAddress("fd00::1")!)])])
        try ScratchNamespace.with { namespaces in
            let connection = try NftConnection(netns: namespaces[0].name)
            try connection.commit(RulesetDiff.replacement(ruleset), table: table)
            let error = try #require(throws: NftError.self) { try connection.commit([.addElements(good), .addElements(bad)], table: table) }
            #expect("\(error)" == "nftables rejected the transaction, nothing was applied: set \(pods.name): element fd00::1: Invalid argument",
                    "\(error)")
            #expect(try connection.readTable(table)?.normalized == ruleset.normalized)
        }
    }
}
