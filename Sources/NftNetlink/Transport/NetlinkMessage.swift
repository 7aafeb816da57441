import CNftables
import Glibc

/// A view of one netlink message inside a receive buffer; valid only while that buffer is.
struct NetlinkMessage {
    let header: UnsafePointer<nlmsghdr>

    var type: UInt16 { header.pointee.nlmsg_type }
    var flags: UInt16 { header.pointee.nlmsg_flags }
    var sequence: UInt32 { header.pointee.nlmsg_seq }
    var isDone: Bool { type == UInt16(NLMSG_DONE) }

    /// NLMSG_ERROR: 0 for an acknowledgement, else the errno, and the request it answers.
    var error: (code: Int32, request: nlmsghdr, attributeOffset: Int?)? {
        guard type == UInt16(NLMSG_ERROR) else { return nil }
        // Too short to hold its nlmsgerr: malformed, and an error all the same.
        guard Int(header.pointee.nlmsg_len) >= MemoryLayout<nlmsghdr>.size + MemoryLayout<nlmsgerr>.size else {
            return (EBADMSG, nlmsghdr(), nil)
        }
        let error = UnsafeRawPointer(header + 1).loadUnaligned(as: nlmsgerr.self)
        return (-error.error, error.msg, extendedAckOffset(request: error.msg))
    }

    /// NLMSGERR_ATTR_OFFS: where in our request the kernel found the fault. It follows the request,
    /// which the kernel copies whole unless NLM_F_CAPPED says it sent only its header.
    private func extendedAckOffset(request: nlmsghdr) -> Int? {
        guard flags & UInt16(NLM_F_ACK_TLVS) != 0 else { return nil }
        let echoed = flags & UInt16(NLM_F_CAPPED) != 0 ? MemoryLayout<nlmsghdr>.size : Int(request.nlmsg_len)
        let base = UnsafeRawPointer(header)
        var offset = Netlink.align(MemoryLayout<nlmsghdr>.size + MemoryLayout<Int32>.size + echoed)
        while offset + 4 <= Int(header.pointee.nlmsg_len) {
            let length = Int(base.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
            let type = base.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self)
            guard length >= 4, offset + length <= Int(header.pointee.nlmsg_len) else { return nil }
            if type == UInt16(NLMSGERR_ATTR_OFFS.rawValue), length >= 8 {
                return Int(base.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self))
            }
            offset += Netlink.align(length)
        }
        return nil
    }

    /// nfgenmsg.res_id of an nftables reply: the low 16 bits of the generation it was read at.
    var generationLow16: UInt16 {
        UInt16(bigEndian: UnsafeRawPointer(header + 1).loadUnaligned(fromByteOffset: 2, as: UInt16.self))
    }

    /// Walks the messages of one received datagram.
    static func forEach(in buffer: UnsafeRawBufferPointer, _ body: (NetlinkMessage) throws -> Void) rethrows {
        guard let base = buffer.baseAddress else { return }
        var offset = 0
        while offset + MemoryLayout<nlmsghdr>.size <= buffer.count {
            let header = (base + offset).assumingMemoryBound(to: nlmsghdr.self)
            let length = Int(header.pointee.nlmsg_len)
            guard length >= MemoryLayout<nlmsghdr>.size, offset + length <= buffer.count else { return }
            try body(NetlinkMessage(header: header))
            offset += Netlink.align(length)
        }
    }
}

/// Netlink constants and helpers that are C macros.
enum Netlink {
    static func align(_ length: Int) -> Int { (length + 3) & ~3 }

    /// NFNL_MSG_TYPE: nftables messages carry their subsystem in the high byte.
    static func messageType(_ message: UInt32) -> UInt16 { UInt16(NFNL_SUBSYS_NFTABLES) << 8 | UInt16(message) }

    /// The name of a request this agent sends outside batches, for errors.
    static func name(_ type: nf_tables_msg_types) -> String {
        switch type {
        case NFT_MSG_GETGEN: return "GETGEN"
        case NFT_MSG_GETTABLE: return "GETTABLE"
        case NFT_MSG_GETCHAIN: return "GETCHAIN"
        case NFT_MSG_GETSET: return "GETSET"
        case NFT_MSG_GETSETELEM: return "GETSETELEM"
        case NFT_MSG_GETOBJ: return "GETOBJ"
        case NFT_MSG_GETRULE: return "GETRULE"
        default: return "NFT_MSG \(type.rawValue)"
        }
    }
}
