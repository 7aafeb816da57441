import ClusterModel
import Foundation
import KubeClient
import Synchronization
import TestSupport

/// A reflector sink that keeps objects by name and counts relists, for assertions.
final class RecordingSink<Object: KubernetesWireObject>: ReflectorSink {
    struct State {
        var objects: [String: DecodedObject<Object>] = [:]
        var listed: Set<String>?
        var relists = 0
        /// Every name that was ever removed (deleted, or missing from a relist).
        var vanished: Set<String> = []
    }

    let state = Mutex(State())

    func beginRelist() { state.withLock { $0.listed = [] } }

    func relisted(_ page: [DecodedObject<Object>]) {
        state.withLock { state in
            for object in page {
                let name = Self.name(object)
                state.objects[name] = object
                state.listed?.insert(name)
            }
        }
    }

    func endRelist() {
        state.withLock { state in
            let listed = state.listed ?? []
            state.vanished.formUnion(state.objects.keys.filter { !listed.contains($0) })
            state.objects = state.objects.filter { listed.contains($0.key) }
            state.listed = nil
            state.relists += 1
        }
    }

    func upsert(_ object: DecodedObject<Object>) { state.withLock { $0.objects[Self.name(object)] = object } }
    func delete(_ object: DecodedObject<Object>) {
        state.withLock { state in
            state.objects[Self.name(object)] = nil
            state.vanished.insert(Self.name(object))
        }
    }

    var names: Set<String> { state.withLock { Set($0.objects.keys) } }
    var relists: Int { state.withLock { $0.relists } }
    var vanished: Set<String> { state.withLock { $0.vanished } }

    private static func name(_ object: DecodedObject<Object>) -> String { object.metadata.name ?? "" }

    /// Polls until `condition` holds; returns whether it did within `timeout`.
    func wait(timeout: Duration = .seconds(10), until condition: (RecordingSink) -> Bool) -> Bool {
        eventually(within: timeout) { condition(self) }
    }
}
