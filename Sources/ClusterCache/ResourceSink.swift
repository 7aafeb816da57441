import ClusterModel
import KubeClient

/// Feeds one kind's reflector into its store: validates outside the lock, logs rejects, and wakes
/// the reconciler when something changed.
struct ResourceSink<Model: CachedModel>: ReflectorSink {
    typealias Object = Model.Resource.Object

    let cache: ClusterCache
    let store: WritableKeyPath<ClusterCache.Stores, ObjectStore<Model>> & Sendable

    func beginRelist() {
        cache.stores.withLock { $0[keyPath: store].beginRelist() }
    }

    /// Specialized for pods and policies, of which a sync brings thousands: the reflector calls a sink
    /// through its protocol, which reaches only the generic code, and that checks the type and calls these.
    @_specialize(where Model == Pod)
    @_specialize(where Model == NetworkPolicy)
    func relisted(_ page: [DecodedObject<Object>]) {
        // Validated last first, then taken out one at a time in page order: the store then holds a
        // model's only copy, so sharing its parts with other objects (`ValuePool`) changes it in place
        // instead of copying it first.
        var verdicts = page.reversed().map(validate)
        change { objects in
            var changed = false
            while let verdict = verdicts.popLast() { changed = record(verdict, in: &objects) || changed }
            return changed
        }
    }

    func endRelist() {
        let vanished = cache.stores.withLock { $0[keyPath: store].endRelist() }
        if !vanished.isEmpty {
            cache.logger.info("relist dropped \(vanished.count) \(Model.Resource.name) deleted while unwatched")
        }
        cache.signal.notify()
    }

    @_specialize(where Model == Pod)
    @_specialize(where Model == NetworkPolicy)
    func upsert(_ object: DecodedObject<Object>) {
        let verdict = validate(object)
        change { record(verdict, in: &$0) }
    }

    func delete(_ object: DecodedObject<Object>) {
        guard let key = Model.key(of: object.metadata) else { return }
        change { $0.remove(key) }
    }

    /// Changes this kind's store under the lock; a change wakes the reconciler.
    private func change(_ body: (inout ObjectStore<Model>) -> Bool) {
        let changed = cache.stores.withLock { body(&$0[keyPath: store]) }
        if changed { cache.signal.notify() }
    }

    private enum Verdict {
        case valid(Model)
        /// Rejected; the key, when known, still counts as listed. `standIn` is what is enforced
        /// instead when no valid version is in force.
        case rejected(ObjectKey?, message: String, standIn: Model?)
    }

    private func validate(_ object: DecodedObject<Object>) -> Verdict {
        switch object {
        case .valid(let wire):
            do throws(ValidationError) {
                return .valid(try Model.validated(wire))
            } catch {
                return .rejected(Model.key(of: wire.metadata), message: error.description,
                                 standIn: Model.failingClosed(wire, metadata: wire.metadata, reason: "\(error.field): \(error.message)"))
            }
        case .invalid(let metadata, let reason):
            let key = Model.key(of: metadata)
            return .rejected(key, message: "\(Model.Resource.kind) \(key?.description ?? "(unnamed)"): \(reason)",
                             standIn: Model.failingClosed(nil, metadata: metadata, reason: reason))
        }
    }

    private func record(_ verdict: consuming Verdict, in objects: inout ObjectStore<Model>) -> Bool {
        switch verdict {
        case .valid(let model):
            return objects.upsert(model)
        case .rejected(let key, let message, let standIn):
            cache.onRejected(Model.Resource.kind)
            let stored = key.flatMap { objects[$0] }
            if let stored, !stored.isStandIn {
                objects.keep(stored.key)
                cache.logger.error("rejected \(message); its last valid version stays in force")
                return false
            }
            if let standIn {
                cache.logger.error("rejected \(message); until a valid version arrives, a fail-closed stand-in is enforced (\(Model.standInMeaning))")
                return objects.upsert(standIn)
            }
            if let key { objects.keep(key) }
            cache.logger.error("rejected \(message); skipped")
            return false
        }
    }
}
