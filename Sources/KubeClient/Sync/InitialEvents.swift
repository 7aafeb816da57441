/// The initial state of a WatchList, fed to the sink in batches until its end bookmark.
struct InitialEvents<Object: KubernetesWireObject> {
    let batchSize: Int
    var batch: [DecodedObject<Object>] = []

    /// Takes one event; returns the synced resource version at the end bookmark, else nil.
    /// apiserver cacher.go: ADDED for every object, then one bookmark at the cache's version with
    /// the annotation (cache_watcher.go convertToWatchEvent); client-go keeps its store's version
    /// from that bookmark only.
    mutating func take(_ event: WatchEvent<Object>, into sink: any ReflectorSink<Object>, endStatus: inout APIStatus?) -> String? {
        switch event {
        case .added(let object), .modified(let object):
            batch.append(object)
            if batch.count >= batchSize { flush(into: sink) }
        case .deleted(let object):
            flush(into: sink)
            sink.delete(object)
        case .bookmark(let version, let end):
            guard end else { return nil }
            flush(into: sink)
            return version
        case .error(let status):
            endStatus = status
        }
        return nil
    }

    private mutating func flush(into sink: any ReflectorSink<Object>) {
        guard !batch.isEmpty else { return }
        sink.relisted(batch)
        batch.removeAll(keepingCapacity: true)
    }
}
