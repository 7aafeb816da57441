import Foundation

/// metav1.APIResourceList, the discovery document of one group/version (GET /apis/GROUP/VERSION;
/// k8s.io/client-go/discovery/discovery_client.go, ServerResourcesForGroupVersionWithContext).
/// Only what the agent checks is declared.
public struct APIResourceList: Codable, Hashable, Sendable {
    public var groupVersion: String?
    public var resources: [Resource]?

    public struct Resource: Codable, Hashable, Sendable {
        public var name: String?
        public var kind: String?
        public var namespaced: Bool?
        public var verbs: [String]?
    }

    /// Whether `name` is served here with the verbs a reflector uses.
    public func serves(_ name: String) -> Bool {
        (resources ?? []).contains { resource in
            resource.name == name && ["list", "watch"].allSatisfy { (resource.verbs ?? []).contains($0) }
        }
    }
}

extension APIClient {
    /// A discovery document is a few kilobytes; more than this is not one.
    private static let discoveryLimit = 1 << 20

    /// The resources the server serves in `groupVersion`; nil when it answers 404: the group/version
    /// is not installed (a CRD absent or deleted), which client-go reports as IsNotFound.
    public func resources(in groupVersion: String, stop: StopToken? = nil) throws(APIError) -> APIResourceList? {
        var body = Data()
        let status = try get("/apis/\(groupVersion)", query: [], timeouts: TransferTimeouts(total: .seconds(30)), stop: stop) { (bytes) throws(APIError) in
            guard body.count + bytes.count <= Self.discoveryLimit else {
                throw .overLimit("\(groupVersion) discovery: more than \(Self.discoveryLimit) bytes")
            }
            body.append(contentsOf: bytes)
        }
        if status == 404 { return nil }
        guard status == 200 else { throw failure(status, body: body) }
        do {
            return try JSONDecoder().decode(APIResourceList.self, from: body)
        } catch {
            throw .malformed("\(groupVersion) discovery: \(error)")
        }
    }
}
