import KubeClient

/// A watch response body for each kind. The same bytes fed whole and in eight chunks (cut where the
/// input's length puts them) must give the same events and the same verdict: events straddle chunk
/// boundaries on the wire.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzWatchStream(_ data: UnsafeRawPointer, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    check(PodsResource.self, bytes)
    check(NamespacesResource.self, bytes)
    check(NetworkPoliciesResource.self, bytes)
    return 0
}

private func check<Resource: APIResource>(_ resource: Resource.Type, _ bytes: UnsafeRawBufferPointer) {
    let whole = decode(resource, bytes, chunk: max(bytes.count, 1))
    let chunked = decode(resource, bytes, chunk: bytes.count / 8 + 1)
    precondition(whole == chunked, "\(Resource.name): whole \(whole) but in chunks \(chunked)")
}

/// Resource versions of the events, whether the stream failed, and whether it stopped mid-event.
private struct Outcome: Equatable {
    var versions: [String?] = []
    var failed = false
    var midEvent = false
}

private func decode<Resource: APIResource>(_: Resource.Type, _ bytes: UnsafeRawBufferPointer, chunk: Int) -> Outcome {
    var decoder = WatchStreamDecoder<Resource.Object>()
    var outcome = Outcome()
    var start = 0
    while start < bytes.count {
        let end = min(start + chunk, bytes.count)
        do {
            try decoder.feed(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) { outcome.versions.append($0.resourceVersion) }
        } catch {
            outcome.failed = true
            return outcome
        }
        start = end
    }
    outcome.midEvent = decoder.isMidEvent
    return outcome
}
