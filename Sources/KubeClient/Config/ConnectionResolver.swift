import Foundation

/// Picks the configuration: --kubeconfig, then $KUBECONFIG (a colon-separated list), then the pod's
/// service account. A node agent running as root does not fall back to ~/.kube/config: whose
/// credentials those are is anyone's guess.
public enum ConnectionResolver {
    public static func resolve(kubeconfig flag: String?, environment: [String: String],
                               serviceAccountDirectory: String = InClusterLoader.serviceAccountDirectory) throws(ConfigError) -> ClusterConnection {
        if let flag, !flag.isEmpty { return try KubeconfigLoader.load(paths: [flag]) }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            // As client-go does, files of the list that do not exist are skipped.
            let paths = list.split(separator: ":").map(String.init).filter { FileManager.default.fileExists(atPath: $0) }
            guard !paths.isEmpty else { throw ConfigError("KUBECONFIG=\(list) names no existing file") }
            return try KubeconfigLoader.load(paths: paths)
        }
        if let inCluster = InClusterLoader.load(environment: environment, directory: serviceAccountDirectory) { return inCluster }
        throw ConfigError("no API server configured: pass --kubeconfig, set KUBECONFIG, or run in a pod with a service account")
    }
}
