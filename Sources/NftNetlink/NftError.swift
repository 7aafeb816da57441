import Glibc

/// Why talking to nftables failed. Whenever the kernel answered, a failed transaction changed nothing.
public enum NftError: Error, CustomStringConvertible, Sendable {
    /// A system call failed (socket, setns, sendmsg, recv, …).
    case system(String, errno: Int32)
    /// The kernel rejected the transaction and applied none of it: one entry per failing message, in
    /// order, so the first is the root cause and the rest are often its consequences.
    case rejected([Rejection])
    /// Someone else committed after our generation was read (ERESTART); nothing was applied.
    case generationChanged
    /// Replies were lost (ENOBUFS): whether the transaction was applied is unknown. Read the state back.
    case outcomeUnknown(String)
    /// The table holds something this agent would never write.
    case unrecognized(String)
    /// The kernel did not answer the request named within the reply deadline; it was abandoned.
    case noReply(String, after: Duration)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call): \(Self.message(code))"
        case .rejected(let rejections):
            let more = rejections.count > 1 ? " (and \(rejections.count - 1) more: " + rejections.dropFirst().prefix(3)
                .map(\.description).joined(separator: "; ") + (rejections.count > 4 ? "; …" : "") + ")" : ""
            return "nftables rejected the transaction, nothing was applied: \(rejections.first?.description ?? "?")\(more)"
        case .generationChanged: return "nftables changed while the transaction was prepared; nothing was applied"
        case .outcomeUnknown(let why): return "unknown whether nftables applied the transaction: \(why)"
        case .unrecognized(let what): return "unrecognized nftables state: \(what)"
        case .noReply(let what, let timeout): return "no reply from nftables within \(timeout), awaiting \(what)"
        }
    }

    static func message(_ code: Int32) -> String { String(cString: strerror(code)) }
}

/// One message of a transaction the kernel refused.
public struct Rejection: Sendable, CustomStringConvertible {
    /// Index of the operation in the transaction; nil when the whole transaction failed to commit.
    public var operation: Int?
    /// The object concerned, e.g. `set pods_ab12_v4: element 10.0.0.1`.
    public var object: String
    public var errno: Int32

    public var description: String { "\(object): \(NftError.message(errno))" }
}
