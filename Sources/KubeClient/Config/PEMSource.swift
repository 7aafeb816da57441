import Foundation

/// Where PEM bytes come from: inline (a kubeconfig's *-data field) or a file, read at every use so
/// that rotated certificates and keys take effect on the next request.
public enum PEMSource: Sendable, Equatable {
    case data(Data)
    case file(String)

    func read() throws(ConfigError) -> Data {
        switch self {
        case .data(let bytes): return bytes
        case .file(let path):
            guard let bytes = FileManager.default.contents(atPath: path) else { throw ConfigError("cannot read \(path)") }
            return bytes
        }
    }
}

/// How to verify the server and prove who we are, before the bytes are read.
public struct TLSSettings: Sendable, Equatable {
    public var certificateAuthority: PEMSource?
    public var clientCertificate: PEMSource?
    public var clientKey: PEMSource?
    public var verifyServer: Bool

    public init(certificateAuthority: PEMSource? = nil, clientCertificate: PEMSource? = nil, clientKey: PEMSource? = nil,
                verifyServer: Bool = true) {
        self.certificateAuthority = certificateAuthority
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.verifyServer = verifyServer
    }

    func material() throws(ConfigError) -> TLSMaterial {
        TLSMaterial(certificateAuthority: try certificateAuthority?.read(), clientCertificate: try clientCertificate?.read(),
                    clientKey: try clientKey?.read(), verifyServer: verifyServer)
    }
}
