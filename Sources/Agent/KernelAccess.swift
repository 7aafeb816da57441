import Glibc
import NftNetlink

/// Turns the kernel's refusals that an operator can fix into messages that say how.
enum KernelAccess {
    static func attempt<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as NftError {
            throw AgentError(explain(error))
        }
    }

    private static func explain(_ error: NftError) -> String {
        let codes: [Int32]
        switch error {
        case .system(_, let code): codes = [code]
        case .rejected(let rejections): codes = rejections.map(\.errno)
        default: codes = []
        }
        if codes.contains(EPERM) {
            return "programming nftables needs CAP_NET_ADMIN (run as root, or grant the capability): \(error)"
        }
        if codes.contains(where: [EPROTONOSUPPORT, EAFNOSUPPORT].contains) {
            return "this kernel has no nftables (nf_tables): \(error)"
        }
        return "\(error)"
    }
}
