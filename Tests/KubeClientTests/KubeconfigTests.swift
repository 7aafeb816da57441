import Foundation
import KubeClient
import Testing

struct KubeconfigTests {
    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
    /// A cluster entry's trust root: an https server must name one.
    static let ca = "certificate-authority-data: \(base64("CA PEM"))"

    @Test func inlineDataAndTokenOfTheCurrentContext() throws {
        let directory = try TemporaryDirectory()
        let file = try directory.write("config", """
            apiVersion: v1
            kind: Config
            current-context: prod
            clusters:
            - name: dev
              cluster: {server: "https://dev.example:6443"}
            - name: prod
              cluster:
                server: https://10.1.2.3:6443/proxy/
                certificate-authority-data: \(Self.base64("CA PEM"))
                certificate-authority: /ignored/because/data/wins
            users:
            - name: admin
              user:
                client-certificate-data: \(Self.base64("CERT PEM"))
                client-key-data: \(Self.base64("KEY PEM"))
                token: s3cret
            contexts:
            - name: dev
              context: {cluster: dev, user: admin}
            - name: prod
              context: {cluster: prod, user: admin, namespace: kube-system}
            """)
        let connection = try KubeconfigLoader.load(paths: [file])
        #expect(connection.server == "https://10.1.2.3:6443/proxy")
        #expect(connection.tls.certificateAuthority == .data(Data("CA PEM".utf8)))
        #expect(connection.tls.clientCertificate == .data(Data("CERT PEM".utf8)))
        #expect(connection.tls.clientKey == .data(Data("KEY PEM".utf8)))
        #expect(connection.tls.verifyServer)
        #expect(try connection.token?.token() == "s3cret")
        #expect(connection.origin.contains("context prod"))
    }

    @Test func filePathsResolveAgainstTheKubeconfigDirectory() throws {
        let directory = try TemporaryDirectory()
        try directory.write("pki/ca.crt", "CA")
        try directory.write("pki/kubelet.pem", "CERT AND KEY")
        try directory.write("token", "from-file\n")
        let file = try directory.write("sub/../config", """
            current-context: c
            clusters: [{name: k, cluster: {server: "https://h:1", certificate-authority: pki/ca.crt}}]
            users: [{name: u, user: {client-certificate: pki/kubelet.pem, client-key: /abs/key.pem, tokenFile: token, token: fallback}}]
            contexts: [{name: c, context: {cluster: k, user: u}}]
            """)
        let connection = try KubeconfigLoader.load(paths: [file])
        #expect(connection.tls.certificateAuthority == .file("\(directory.path)/pki/ca.crt"))
        #expect(connection.tls.clientCertificate == .file("\(directory.path)/pki/kubelet.pem"))
        #expect(connection.tls.clientKey == .file("/abs/key.pem"))
        #expect(connection.token?.origin == .file(path: "\(directory.path)/token", fallback: "fallback"))
        #expect(try connection.token?.token() == "from-file")
    }

    @Test func insecureSkipVerifyIsHonouredOnlyWhenSet() throws {
        let directory = try TemporaryDirectory()
        for (value, verify) in [("true", false), ("false", true)] {
            let file = try directory.write("config-\(value)", """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://h:1", \(Self.ca), insecure-skip-tls-verify: \(value)}}]
                contexts: [{name: c, context: {cluster: k}}]
                """)
            let connection = try KubeconfigLoader.load(paths: [file])
            #expect(connection.tls.verifyServer == verify)
            #expect(connection.token == nil)
        }
    }

    /// $KUBECONFIG lists several files: the first to define a name, or the current context, wins.
    @Test func severalFilesMerge() throws {
        let directory = try TemporaryDirectory()
        let first = try directory.write("a", """
            current-context: ctx
            clusters: [{name: k, cluster: {server: "https://first:1", \(Self.ca)}}]
            contexts: [{name: ctx, context: {cluster: k, user: u}}]
            """)
        let second = try directory.write("b", """
            current-context: other
            clusters: [{name: k, cluster: {server: "https://second:1"}}]
            users: [{name: u, user: {token: t2}}]
            """)
        let connection = try ConnectionResolver.resolve(kubeconfig: nil, environment: ["KUBECONFIG": "\(first):/nonexistent:\(second)"])
        #expect(connection.server == "https://first:1")
        #expect(try connection.token?.token() == "t2")
    }

    @Test func precedenceFlagThenEnvironmentThenInCluster() throws {
        let directory = try TemporaryDirectory()
        func config(_ host: String) throws -> String {
            try directory.write(host, """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://\(host):1", \(Self.ca)}}]
                contexts: [{name: c, context: {cluster: k}}]
                """)
        }
        let flag = try config("flag"), env = try config("env")
        let serviceAccount = try TemporaryDirectory()
        try serviceAccount.write("token", "sa-token")
        let inCluster = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        let all = inCluster.merging(["KUBECONFIG": env]) { $1 }
        #expect(try ConnectionResolver.resolve(kubeconfig: flag, environment: all).server == "https://flag:1")
        #expect(try ConnectionResolver.resolve(kubeconfig: nil, environment: all).server == "https://env:1")
        let pod = try ConnectionResolver.resolve(kubeconfig: nil, environment: inCluster, serviceAccountDirectory: serviceAccount.path)
        #expect(pod.server == "https://10.96.0.1:443")
        #expect(try pod.token?.token() == "sa-token")
        #expect(throws: ConfigError.self) { try ConnectionResolver.resolve(kubeconfig: nil, environment: [:]) }
    }

    @Test func refusesWhatItCannotHonour() throws {
        let directory = try TemporaryDirectory()
        let cases: [(user: String, cluster: String, expected: String)] = [
            ("{exec: {command: aws}}", "", "exec"),
            ("{auth-provider: {name: gcp}}", "", "auth-provider"),
            ("{username: a, password: b}", "", "basic"),
            ("{client-certificate-data: \(Self.base64("C"))}", "", "together"),
            ("{client-key-data: '%%%'}", "", "client-key-data is not valid base64"),
            ("{}", ", tls-server-name: x", "tls-server-name"),
            ("{}", ", proxy-url: 'http://p'", "proxy-url"),
        ]
        for (index, item) in cases.enumerated() {
            let file = try directory.write("c\(index)", """
                current-context: c
                clusters: [{name: k, cluster: {server: "https://h:1", \(Self.ca)\(item.cluster)}}]
                users: [{name: u, user: \(item.user)}]
                contexts: [{name: c, context: {cluster: k, user: u}}]
                """)
            let error = #expect(throws: ConfigError.self) { try KubeconfigLoader.load(paths: [file]) }
            #expect(error?.message.contains(item.expected) == true, "\(error?.message ?? "")")
        }
    }

    /// Failure mode closed: with no CA named, libcurl trusted its whole system store. A verified
    /// https server now needs a named CA; the system bundle is one an operator may name.
    @Test func verifiedServerWithoutACAIsAConfigurationError() throws {
        let directory = try TemporaryDirectory()
        func config(_ name: String, _ cluster: String) throws -> String {
            try directory.write(name, """
                current-context: c
                clusters: [{name: k, cluster: {\(cluster)}}]
                contexts: [{name: c, context: {cluster: k}}]
                """)
        }
        let unnamed = try config("unnamed", #"server: "https://h:1""#)
        let error = #expect(throws: ConfigError.self) { try KubeconfigLoader.load(paths: [unnamed]) }
        for part in [unnamed, "cluster \"k\"", "certificate-authority", "/etc/ssl/certs/ca-certificates.crt"] {
            #expect(error?.message.contains(part) == true, "\(part) in: \(error?.message ?? "no error")")
        }
        let system = try config("system", #"server: "https://h:1", certificate-authority: /etc/ssl/certs/ca-certificates.crt"#)
        #expect(try KubeconfigLoader.load(paths: [system]).tls.certificateAuthority == .file("/etc/ssl/certs/ca-certificates.crt"))
        // Nothing to verify: plain http, or verification explicitly off.
        #expect(throws: Never.self) { try KubeconfigLoader.load(paths: [config("http", #"server: "http://h:1""#)]) }
        #expect(throws: Never.self) {
            try KubeconfigLoader.load(paths: [config("insecure", #"server: "https://h:1", insecure-skip-tls-verify: true"#)])
        }
    }

    @Test func namesWhatIsMissing() throws {
        let directory = try TemporaryDirectory()
        let noContext = try directory.write("a", "clusters: [{name: k, cluster: {server: 'https://h:1'}}]")
        #expect((#expect(throws: ConfigError.self) { try KubeconfigLoader.load(paths: [noContext]) })?.message.contains("current-context") == true)
        let unknown = try directory.write("b", "current-context: nope\ncontexts: []")
        #expect((#expect(throws: ConfigError.self) { try KubeconfigLoader.load(paths: [unknown]) })?.message.contains("nope") == true)
        let noServer = try directory.write("c", "current-context: c\nclusters: [{name: k, cluster: {}}]\ncontexts: [{name: c, context: {cluster: k}}]")
        #expect((#expect(throws: ConfigError.self) { try KubeconfigLoader.load(paths: [noServer]) })?.message.contains("server") == true)
        #expect(throws: ConfigError.self) { try KubeconfigLoader.load(paths: ["\(directory.path)/missing"]) }
    }
}
