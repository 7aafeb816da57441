import Foundation
import ClusterModel
import KubeClient

/// Wire objects for tests, as the API server would send them.
enum Wire {
    static func namespace(_ name: String, labels: [String: String] = [:]) -> DecodedObject<NamespaceObject> {
        .valid(NamespaceObject(metadata: ObjectMeta(name: name, labels: labels)))
    }

    static func pod(_ namespace: String, _ name: String, ip: String, node: String = "node-1",
                    labels: [String: String] = [:]) -> DecodedObject<PodObject> {
        .valid(PodObject(metadata: ObjectMeta(name: name, namespace: namespace, labels: labels),
                         spec: PodObject.Spec(nodeName: node),
                         status: PodObject.Status(phase: "Running", podIP: ip)))
    }

    /// Isolates pods labelled app=`app` for ingress, allowing only pods labelled app=`allowFrom`.
    static func policy(_ namespace: String, _ name: String, app: String, allowFrom: String? = nil,
                       policyType: String = "Ingress") -> DecodedObject<NetworkPolicyObject> {
        let ingress = allowFrom.map { #","ingress":[{"from":[{"podSelector":{"matchLabels":{"app":"\#($0)"}}}]}]"# } ?? ""
        let json = #"{"metadata":{"name":"\#(name)","namespace":"\#(namespace)"},"spec":{"podSelector":{"matchLabels":{"app":"\#(app)"}},"policyTypes":["\#(policyType)"]\#(ingress)}}"#
        return try! JSONDecoder().decode(DecodedObject<NetworkPolicyObject>.self, from: Data(json.utf8))
    }

    /// A policy the API server would never accept: an unknown policy type.
    static func invalidPolicy(_ namespace: String, _ name: String) -> DecodedObject<NetworkPolicyObject> {
        policy(namespace, name, app: "web", policyType: "Sideways")
    }
}

/// One complete relist of `objects`, in one page, as a reflector delivers it.
func relist<Object>(_ sink: some ReflectorSink<Object>, _ objects: [DecodedObject<Object>]) {
    sink.beginRelist()
    sink.relisted(objects)
    sink.endRelist()
}
