/// The pod's own service account, as client-go's InClusterConfig reads it.
public enum InClusterLoader {
    public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// nil when not running in a pod (KUBERNETES_SERVICE_HOST or _PORT unset).
    public static func load(environment: [String: String], directory: String = serviceAccountDirectory) -> ClusterConnection? {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
              let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else { return nil }
        let authority = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return ClusterConnection(server: "https://\(authority)",
                                 tls: TLSSettings(certificateAuthority: .file("\(directory)/ca.crt")),
                                 token: TokenSource(.file(path: "\(directory)/token", fallback: nil)),
                                 origin: "in-cluster service account (\(directory))")
    }
}
