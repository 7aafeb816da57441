import Foundation
import Yams

/// Builds a connection from kubeconfig files, as client-go's loader does: several files (from
/// $KUBECONFIG) merge with the first definition of each name winning, the current context picks
/// cluster and user, relative paths resolve against the file that holds them, and inline *-data wins
/// over a path.
public enum KubeconfigLoader {
    public static func load(paths: [String]) throws(ConfigError) -> ClusterConnection {
        var merged = MergedKubeconfig()
        for path in paths { merged.add(try read(path), from: path) }
        guard let contextName = merged.currentContext, !contextName.isEmpty else {
            throw ConfigError("\(paths.joined(separator: ":")): current-context is not set")
        }
        guard let context = merged.contexts[contextName] else {
            throw ConfigError("\(paths.joined(separator: ":")): current-context \"\(contextName)\" is not among contexts")
        }
        guard let clusterName = context.entry.cluster, let cluster = merged.clusters[clusterName] else {
            throw ConfigError("\(context.file): context \"\(contextName)\" names no known cluster")
        }
        let user = try context.entry.user.map { name throws(ConfigError) in
            guard let user = merged.users[name] else { throw ConfigError("\(context.file): context \"\(contextName)\" names unknown user \"\(name)\"") }
            return user
        }
        let origin = "kubeconfig \(paths.joined(separator: ":")) (context \(contextName))"
        return try connection(cluster: cluster, user: user, origin: origin)
    }

    private static func read(_ path: String) throws(ConfigError) -> KubeconfigFile {
        guard let bytes = FileManager.default.contents(atPath: path), let text = String(data: bytes, encoding: .utf8) else {
            throw ConfigError("cannot read kubeconfig \(path)")
        }
        do {
            return try YAMLDecoder().decode(KubeconfigFile.self, from: text)
        } catch {
            throw ConfigError("\(path): not a kubeconfig: \(error)")
        }
    }

    private static func connection(cluster: Located<KubeconfigFile.Cluster>, user: Located<KubeconfigFile.User>?,
                                   origin: String) throws(ConfigError) -> ClusterConnection {
        let where_ = "\(cluster.file): cluster \"\(cluster.name)\""
        guard let server = cluster.entry.server, !server.isEmpty else { throw ConfigError("\(where_): server is not set") }
        guard server.hasPrefix("https://") || server.hasPrefix("http://") else {
            throw ConfigError("\(where_): server \"\(server)\" is not an http(s) URL")
        }
        if cluster.entry.tlsServerName != nil { throw ConfigError("\(where_): tls-server-name is not supported") }
        if cluster.entry.proxyURL != nil { throw ConfigError("\(where_): proxy-url is not supported") }
        var tls = TLSSettings(verifyServer: !(cluster.entry.insecureSkipTLSVerify ?? false))
        tls.certificateAuthority = try pem(data: cluster.entry.certificateAuthorityData, path: cluster.entry.certificateAuthority,
                                           field: "certificate-authority", of: cluster)
        var token: TokenSource?
        if let user {
            let entry = user.entry
            let userWhere = "\(user.file): user \"\(user.name)\""
            if entry.exec != nil { throw ConfigError("\(userWhere): exec credential plugins are not supported") }
            if entry.authProvider != nil { throw ConfigError("\(userWhere): auth-provider is not supported") }
            if entry.username != nil { throw ConfigError("\(userWhere): basic authentication is not supported") }
            tls.clientCertificate = try pem(data: entry.clientCertificateData, path: entry.clientCertificate,
                                            field: "client-certificate", of: user)
            tls.clientKey = try pem(data: entry.clientKeyData, path: entry.clientKey, field: "client-key", of: user)
            guard (tls.clientCertificate == nil) == (tls.clientKey == nil) else {
                throw ConfigError("\(userWhere): client-certificate and client-key must be given together")
            }
            if let file = entry.tokenFile, !file.isEmpty {
                token = TokenSource(.file(path: user.resolve(file), fallback: entry.token))
            } else if let fixed = entry.token, !fixed.isEmpty {
                token = TokenSource(.fixed(fixed))
            }
        }
        if server.hasPrefix("https://"), tls.verifyServer, tls.certificateAuthority == nil {
            // Only the named CA is trusted (never libcurl's default store), so a verified server needs one.
            throw ConfigError("\(where_): names no certificate-authority to verify \(server) with; name the CA that signed it "
                              + "(for the system's trust store, its bundle: certificate-authority: /etc/ssl/certs/ca-certificates.crt)")
        }
        return ClusterConnection(server: server, tls: tls, token: token, origin: origin)
    }

    private static func pem<Entry>(data: String?, path: String?, field: String, of entry: Located<Entry>) throws(ConfigError) -> PEMSource? {
        if let data, !data.isEmpty {
            guard let bytes = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
                throw ConfigError("\(entry.file): \"\(entry.name)\": \(field)-data is not valid base64")
            }
            return .data(bytes)
        }
        if let path, !path.isEmpty { return .file(entry.resolve(path)) }
        return nil
    }
}

/// A named kubeconfig entry and the file that defined it.
struct Located<Entry> {
    var name: String
    var entry: Entry
    var file: String

    /// Relative paths in a kubeconfig are relative to the file's directory.
    func resolve(_ path: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).standardized.path
    }
}

/// Several kubeconfig files seen as one: the first file to define a name or the current context wins.
struct MergedKubeconfig {
    var currentContext: String?
    var clusters: [String: Located<KubeconfigFile.Cluster>] = [:]
    var users: [String: Located<KubeconfigFile.User>] = [:]
    var contexts: [String: Located<KubeconfigFile.Context>] = [:]

    mutating func add(_ config: KubeconfigFile, from file: String) {
        if currentContext?.isEmpty ?? true { currentContext = config.currentContext }
        merge(config.clusters, into: &clusters, file: file)
        merge(config.users, into: &users, file: file)
        merge(config.contexts, into: &contexts, file: file)
    }

    private func merge<Entry>(_ entries: [KubeconfigFile.Named<Entry>]?, into table: inout [String: Located<Entry>], file: String) {
        for named in entries ?? [] where table[named.name] == nil {
            guard let entry = named.entry else { continue }
            table[named.name] = Located(name: named.name, entry: entry, file: file)
        }
    }
}
