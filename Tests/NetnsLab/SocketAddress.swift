import Glibc

/// An IPv4 or IPv6 socket address, convertible to and from text.
struct SocketAddress: Sendable {
    private(set) var storage = sockaddr_storage()
    let family: LabFamily

    /// Parses a numeric address; nil if `text` is not one of `family`.
    init?(_ text: String, port: UInt16, family: LabFamily) {
        self.family = family
        let ok: Bool = withUnsafeMutableBytes(of: &storage) { raw in
            switch family {
            case .v4:
                let sin = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in.self)
                sin.pointee.sin_family = sa_family_t(AF_INET)
                sin.pointee.sin_port = port.bigEndian
                return inet_pton(AF_INET, text, &sin.pointee.sin_addr) == 1
            case .v6:
                let sin6 = raw.baseAddress!.assumingMemoryBound(to: sockaddr_in6.self)
                sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                sin6.pointee.sin6_port = port.bigEndian
                return inet_pton(AF_INET6, text, &sin6.pointee.sin6_addr) == 1
            }
        }
        guard ok else { return nil }
    }

    /// Wraps what recvfrom filled in.
    init?(storage: sockaddr_storage) {
        switch Int32(storage.ss_family) {
        case AF_INET: family = .v4
        case AF_INET6: family = .v6
        default: return nil
        }
        self.storage = storage
    }

    static func any(_ family: LabFamily, port: UInt16) -> SocketAddress {
        SocketAddress(family == .v4 ? "0.0.0.0" : "::", port: port, family: family)!
    }

    var length: socklen_t {
        socklen_t(family == .v4 ? MemoryLayout<sockaddr_in>.size : MemoryLayout<sockaddr_in6>.size)
    }

    /// The raw address bytes (4 or 16), used to compare addresses independent of spelling.
    var addressBytes: [UInt8] {
        withUnsafeBytes(of: storage) { raw in
            switch family {
            case .v4: return Array(raw[4..<8])      // sin_addr follows family and port
            case .v6: return Array(raw[8..<24])     // sin6_addr follows family, port and flowinfo
            }
        }
    }

    func withSockaddr<R>(_ body: (UnsafePointer<sockaddr>, socklen_t) throws -> R) rethrows -> R {
        try withUnsafeBytes(of: storage) { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}

extension LabFamily {
    var addressFamily: Int32 { self == .v4 ? AF_INET : AF_INET6 }
}
