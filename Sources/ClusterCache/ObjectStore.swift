/// The valid objects of one kind, plus which of them changed since the reconciler last looked.
/// Objects live in one dense array (removal moves the last one into the gap), which keeps the
/// per-object overhead to the model itself and one index entry.
struct ObjectStore<Model: CachedModel> {
    private var items: [Model] = []
    private var positions: [ObjectKey: Int] = [:]
    /// Keys changed since the last `drain`.
    private var dirty: Set<ObjectKey> = []
    /// Every stored object is a change (the reconciler holds none of this kind): a relist into an
    /// empty store with nothing pending, the initial sync above all, keeps only removed keys in `dirty`.
    private var everythingDirty = false
    /// When the oldest change not yet drained arrived: where event-to-kernel latency starts.
    private var dirtySince: ContinuousClock.Instant?
    /// Keys listed so far while a relist is under way; nil otherwise.
    private var listed: Set<ObjectKey>?
    /// The relist under way started on an empty store: whatever is stored at its end was listed.
    private var relistFromEmpty = false
    private(set) var hasSynced = false
    /// Parts shared between the stored objects; rebuilt from them when it has grown to twice what
    /// they held at the last rebuild, so values no object holds any more are let go.
    private var pool = ValuePool()
    private var poolRebuildAt = 1024

    var isRelisting: Bool { listed != nil }
    var pooledValues: Int { pool.count }
    var count: Int { items.count }

    subscript(key: ObjectKey) -> Model? { positions[key].map { items[$0] } }

    /// Stores `model`; returns whether anything changed.
    mutating func upsert(_ model: consuming Model) -> Bool {
        var model = model
        model.share(&pool)
        let key = model.key
        if !relistFromEmpty { listed?.insert(key) }
        // One look-up either way: a new key takes the next position as it is looked up.
        let next = items.count
        let position = Self.value(&positions[key, default: next])
        if position == next {
            items.append(model)
        } else {
            guard items[position] != model else { return false }
            items[position] = model
        }
        markDirty(key)
        if pool.count >= poolRebuildAt { rebuildPool() }
        return true
    }

    /// Reads a value through a mutable access: `dictionary[key, default: value]` inserts what it
    /// did not find.
    private static func value(_ value: inout Int) -> Int { value }

    private mutating func rebuildPool() {
        pool = ValuePool()
        for index in items.indices { items[index].share(&pool) }
        poolRebuildAt = max(1024, 2 * pool.count)
    }

    /// Notes that a relist still has the object (it may be invalid now; its last valid version stays).
    mutating func keep(_ key: ObjectKey) {
        if !relistFromEmpty { listed?.insert(key) }
    }

    mutating func remove(_ key: ObjectKey) -> Bool {
        guard let position = positions.removeValue(forKey: key) else { return false }
        let last = items.removeLast()
        if position < items.count {
            items[position] = last
            positions[last.key] = position
        }
        markDirty(key, removed: true)
        return true
    }

    /// Removes every object (its kind is no longer served) and forgets any relist and sync; returns how many.
    mutating func removeAll() -> Int {
        let keys = Array(positions.keys)
        for key in keys { _ = remove(key) }
        listed = nil
        hasSynced = false
        return keys.count
    }

    mutating func beginRelist() {
        listed = []
        relistFromEmpty = positions.isEmpty
        if relistFromEmpty && dirty.isEmpty { everythingDirty = true }
    }

    /// Ends a relist: objects it did not list were deleted while no watch was running. Returns them.
    mutating func endRelist() -> [ObjectKey] {
        guard let seen = listed else { return [] }
        listed = nil
        hasSynced = true
        let vanished = relistFromEmpty ? [] : positions.keys.filter { !seen.contains($0) }
        for key in vanished { _ = remove(key) }
        return vanished
    }

    /// The changed keys with their current objects (nil: deleted), and forgets them; nothing while a
    /// relist is under way (what it has listed so far is not a complete state). `since` becomes the
    /// earlier of itself and the oldest change drained.
    mutating func drainUnlessRelisting(since: inout ContinuousClock.Instant?) -> [(key: ObjectKey, model: Model?)] {
        guard !isRelisting, everythingDirty || !dirty.isEmpty else { return [] }
        if let dirtySince { since = min(since ?? dirtySince, dirtySince) }
        defer { dirty = []; dirtySince = nil; everythingDirty = false }
        if everythingDirty {
            return items.map { ($0.key, $0) } + dirty.filter { positions[$0] == nil }.map { ($0, nil) }
        }
        return dirty.map { ($0, self[$0]) }
    }

    private mutating func markDirty(_ key: ObjectKey, removed: Bool = false) {
        if !everythingDirty || removed { dirty.insert(key) }
        if dirtySince == nil { dirtySince = .now }
    }

    var all: [Model] { items }
}
