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
        let text = "\(error)"
        if text.contains("Operation not permitted") || text.contains("EPERM") {
            return "programming nftables needs CAP_NET_ADMIN (run as root, or grant the capability): \(text)"
        }
        if text.contains("Protocol not supported") || text.contains("Address family not supported") {
            return "this kernel has no nftables (nf_tables): \(text)"
        }
        return text
    }
}
