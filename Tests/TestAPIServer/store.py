"""Object storage with one global resourceVersion counter and a bounded event history.

Like etcd behind kube-apiserver: every write takes the next RV (an object's RV is
its last write, a list's RV is the counter), and the history of recent events
serves both watch replay ("events after N") and consistent paginated lists
("the state at N"). Once an RV has fallen out of the history it is too old: 410.

Stored objects are never mutated in place (writes store new dicts), so readers
may serialize them outside the lock.
"""

import collections
import copy
import json
import math
import os
import threading
import time
import uuid

import status

ADDED, MODIFIED, DELETED = "ADDED", "MODIFIED", "DELETED"

# One history entry. obj: the state after the write (for DELETED, the last state
# with the deletion RV); prev: the state before (None for ADDED).
Event = collections.namedtuple("Event", "rv resource type key obj prev")


def now_timestamp():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def with_rv(obj, rv):
    out = dict(obj)
    out["metadata"] = dict(obj.get("metadata") or {}, resourceVersion=str(rv))
    return out


def _comparable(obj):
    """An object minus the fields every write changes, to detect no-op updates."""
    out = dict(obj)
    meta = dict(out.get("metadata") or {})
    meta.pop("resourceVersion", None)
    meta.pop("managedFields", None)
    out["metadata"] = meta
    return out


class Store:
    def __init__(self, registry, history_limit=1000, state_file=None):
        self.registry = registry
        self.cond = threading.Condition()  # guards everything below; notified on every write
        self.rv = 0
        self.floor = 0  # every event with rv > floor is still in the history
        self.history = collections.deque()
        self.history_limit = max(1, history_limit)
        self.objects = {r.name: {} for r in registry.resources}
        self.watchers = set()
        self.state_file = state_file
        # The watch cache model (apiserver storage/cacher): it follows the store at once unless a test
        # freezes it for a resource (control op cache-lag), which pins {name: (rv, objects)}.
        self.frozen_cache = {}
        self.unready_until = 0.0  # after restart-cache: LIST/WATCH answer 429 until then (monotonic)
        self.cache_restarted = 0.0

    # ---- persistence -------------------------------------------------------

    def load(self):
        """Load a saved state. The history restarts at the saved RV, as a restarted
        watch cache does: a client synced to it re-watches without a gap, an older RV gets 410."""
        if not self.state_file or not os.path.exists(self.state_file):
            return False
        with open(self.state_file) as f:
            state = json.load(f)
        with self.cond:
            self.rv = self.floor = int(state["rv"])
            for name, objs in state["objects"].items():
                if name in self.objects:
                    self.objects[name] = objs
        return True

    def _persist(self):
        if not self.state_file:
            return
        tmp = f"{self.state_file}.tmp.{os.getpid()}"
        with open(tmp, "w") as f:
            json.dump({"rv": self.rv, "objects": self.objects}, f, separators=(",", ":"))
        os.replace(tmp, self.state_file)  # atomic: a kill never leaves half a file

    # ---- reads -------------------------------------------------------------

    def current_rv(self):
        with self.cond:
            return self.rv

    def get(self, res, namespace, name):
        with self.cond:
            return self.objects[res.name].get(res.key(namespace, name))

    def snapshot(self, res, rv=None):
        """(objects by key, rv): the current state, or the exact state at `rv` rebuilt
        from the history. Raises 410 if `rv` is older than the history."""
        with self.cond:
            items = dict(self.objects[res.name])
            if rv is None or rv >= self.rv:
                return items, self.rv
            if rv < self.floor:
                raise status.expired(f"too old resource version: {rv} ({self.floor})")
            for e in reversed(self.history):
                if e.rv <= rv:
                    break
                if e.resource != res.name:
                    continue
                if e.type == ADDED:
                    items.pop(e.key, None)
                else:
                    items[e.key] = e.prev
            return items, rv

    # ---- the watch cache --------------------------------------------------

    def cache_state(self, res):
        """(objects by key, rv) as the watch cache holds them: the store's, or a frozen older copy."""
        with self.cond:
            if res.name in self.frozen_cache:
                rv, items = self.frozen_cache[res.name]
                return dict(items), rv
            return dict(self.objects[res.name]), self.rv

    def freeze_cache(self, res, frozen):
        """cache-lag: the cache of `res` stops at the current state (frozen) or catches up at once."""
        with self.cond:
            if frozen:
                self.frozen_cache.setdefault(res.name, (self.rv, dict(self.objects[res.name])))
            else:
                self.frozen_cache.pop(res.name, None)
            self.cond.notify_all()

    def wait_for_cache(self, res, rv, timeout):
        """watch_cache.go waitUntilFreshLocked: wait until the cache reaches `rv`; False on timeout
        (the caller answers TooLarge)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.cache_rv_locked(res) < rv:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def cache_rv_locked(self, res):
        frozen = self.frozen_cache.get(res.name)
        return frozen[0] if frozen else self.rv

    def restart_cache(self, unready_seconds):
        """As after an apiserver restart: the history is gone (older RVs get 410), open watches are
        cut, and for `unready_seconds` the cache is not ready (LIST/WATCH answer 429)."""
        with self.cond:
            for w in self.watchers:
                w.action = "drop"
            self.history.clear()
            self.floor = self.rv
            self.frozen_cache.clear()
            self.cache_restarted = time.monotonic()
            self.unready_until = self.cache_restarted + unready_seconds
            self.cond.notify_all()

    def unready_retry_after(self):
        """Seconds to ask for while the cache is unready, else None. cacher/util.go
        calculateRetryAfterForUnreadyCache: clamp(e^(0.06 * downtime s), 1, 30)."""
        now = time.monotonic()
        with self.cond:
            if now >= self.unready_until:
                return None
            downtime = now - self.cache_restarted
        return int(min(30, max(1, math.exp(0.06 * downtime))))

    def wait_for_rv(self, rv, timeout):
        """Wait until the counter reaches `rv`; False on timeout (the caller answers 504)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.rv < rv:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(left)
            return True

    def events_after(self, rv):
        """History events with an RV above `rv`, oldest first; 410 if some were evicted. Call with the lock held."""
        if rv < self.floor:
            raise status.too_old_rv(rv, self.floor)
        out = []
        for e in reversed(self.history):
            if e.rv <= rv:
                break
            out.append(e)
        out.reverse()
        return out

    # ---- writes ------------------------------------------------------------

    def _commit(self, res, etype, key, obj, prev):
        self.rv += 1
        obj = with_rv(obj, self.rv)
        if etype == DELETED:
            self.objects[res.name].pop(key, None)
        else:
            self.objects[res.name][key] = obj
        self.history.append(Event(self.rv, res.name, etype, key, obj, prev))
        while len(self.history) > self.history_limit:
            self.floor = self.history.popleft().rv
        return obj

    def _done(self):
        self._persist()
        self.cond.notify_all()

    @staticmethod
    def _prepare_new(res, obj):
        """Set what apiserver sets on create (obj is the caller's own fresh dict)."""
        meta = obj.setdefault("metadata", {})
        obj["kind"], obj["apiVersion"] = res.kind, res.group_version
        meta["uid"] = str(uuid.uuid4())
        meta["creationTimestamp"] = now_timestamp()
        meta["generation"] = 1
        for k in ("resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"):
            meta.pop(k, None)
        if not res.namespaced:
            meta.pop("namespace", None)
        return obj

    @staticmethod
    def _carry_over(res, obj, old):
        """Keep the server-owned fields of `old` on an update of it."""
        meta = obj.setdefault("metadata", {})
        old_meta = old["metadata"]
        obj["kind"], obj["apiVersion"] = res.kind, res.group_version
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "namespace"):
            if k in old_meta:
                meta[k] = old_meta[k]
            else:
                meta.pop(k, None)
        meta.pop("managedFields", None)
        meta.pop("resourceVersion", None)
        gen = old_meta.get("generation", 1)
        meta["generation"] = gen + 1 if obj.get("spec") != old.get("spec") else gen
        return obj

    def create(self, res, obj, dry_run=False):
        """POST semantics: the namespace must exist (NamespaceLifecycle admission), 409 if the name is taken."""
        meta = obj.get("metadata") or {}
        key = res.key(meta.get("namespace", ""), meta["name"])
        with self.cond:
            if res.namespaced:
                ns = meta.get("namespace", "")
                if ns not in self.objects["namespaces"]:
                    raise status.not_found(self.registry.by_kind_or_name("namespaces"), ns)
            if key in self.objects[res.name]:
                raise status.already_exists(res, meta["name"])
            obj = self._prepare_new(res, obj)
            if dry_run:
                return obj
            stored = self._commit(res, ADDED, key, obj, None)
            self._done()
            return stored

    def update(self, res, obj, subresource=None, dry_run=False):
        """PUT semantics: 404 if absent, 409 on a stale metadata.resourceVersion, no new RV for a no-op."""
        meta = obj.get("metadata") or {}
        name = meta["name"]
        key = res.key(meta.get("namespace", ""), name)
        with self.cond:
            old = self.objects[res.name].get(key)
            if old is None:
                raise status.not_found(res, name)
            want_rv = meta.get("resourceVersion")
            if want_rv and want_rv != old["metadata"]["resourceVersion"]:
                raise status.conflict(res, name)
            if res.has_status:
                # Status is written through /status only, and only status is written there.
                if subresource == "status":
                    new = dict(old)
                    new["status"] = obj.get("status")
                    if new["status"] is None:
                        new.pop("status")
                    obj = new
                elif "status" in old:
                    obj["status"] = old["status"]
                else:
                    obj.pop("status", None)
            obj = self._carry_over(res, obj, old)
            if dry_run:
                return with_rv(obj, old["metadata"]["resourceVersion"])
            if _comparable(obj) == _comparable(old):
                return old  # a no-op update takes no RV and sends no event, as in kube-apiserver
            stored = self._commit(res, MODIFIED, key, obj, old)
            self._done()
            return stored

    def apply(self, res, obj):
        """Control channel: create or replace as given (status included, no admission). (object, changed)."""
        meta = obj.setdefault("metadata", {})
        if not meta.get("name"):
            raise status.bad_request("metadata.name is required")
        if res.namespaced:
            meta.setdefault("namespace", "default")
        key = res.key(meta.get("namespace", ""), meta["name"])
        with self.cond:
            old = self.objects[res.name].get(key)
            if old is None:
                obj = self._prepare_new(res, obj)
                stored = self._commit(res, ADDED, key, obj, None)
            else:
                obj = self._carry_over(res, obj, old)
                if _comparable(obj) == _comparable(old):
                    return old, False
                stored = self._commit(res, MODIFIED, key, obj, old)
            self._done()
            return stored, True

    def delete(self, res, namespace, name, preconditions=None, dry_run=False):
        """Delete now and return the last state. A namespace first turns Terminating
        (MODIFIED), then its contents and itself are deleted, as the namespace controller would."""
        key = res.key(namespace, name)
        with self.cond:
            old = self.objects[res.name].get(key)
            if old is None:
                raise status.not_found(res, name)
            pre = preconditions or {}
            if pre.get("uid") and pre["uid"] != old["metadata"].get("uid"):
                raise status.conflict(res, name, f"Precondition failed: UID in precondition: {pre['uid']}, "
                                                 f"UID in object meta: {old['metadata'].get('uid')}")
            if pre.get("resourceVersion") and pre["resourceVersion"] != old["metadata"]["resourceVersion"]:
                raise status.conflict(res, name, "Precondition failed: ResourceVersion in precondition: "
                                                 f"{pre['resourceVersion']}, ResourceVersion in object meta: "
                                                 f"{old['metadata']['resourceVersion']}")
            if dry_run:
                return old
            if res.name == "namespaces":
                terminating = copy.deepcopy(old)
                terminating["metadata"]["deletionTimestamp"] = now_timestamp()
                terminating.setdefault("status", {})["phase"] = "Terminating"
                old = self._commit(res, MODIFIED, key, terminating, old)
                for other in self.registry.resources:
                    if other.namespaced:
                        for k in sorted(k for k in self.objects[other.name] if k.startswith(name + "/")):
                            prev = self.objects[other.name][k]
                            self._commit(other, DELETED, k, prev, prev)
            self._commit(res, DELETED, key, old, old)
            self._done()
            return old

    def reset(self, timeout=2.0):
        """Back to an empty store at RV 0: open watches are cut first (their RVs would
        mean nothing any more), and this waits until they are gone."""
        deadline = time.monotonic() + timeout
        with self.cond:
            for w in self.watchers:
                w.action = "drop"
            self.cond.notify_all()
            while self.watchers and time.monotonic() < deadline:
                self.cond.wait(0.01)
            self.rv = self.floor = 0
            self.history.clear()
            self.frozen_cache.clear()
            self.unready_until = 0.0
            self.objects = {r.name: {} for r in self.registry.resources}
            self._persist()

    def compact(self):
        """Forget the history: any RV below the current one now gets 410."""
        with self.cond:
            self.history.clear()
            self.floor = self.rv
            self.cond.notify_all()

    def serve(self, registry):
        """Switch to `registry` (a CRD added or deleted at run time). Objects of resources it no
        longer has vanish, without DELETED events (the worst case for a client: as if its watch
        missed the CRD's cascade), and their open watches end cleanly, as kube-apiserver ends them
        when it stops serving a CRD."""
        with self.cond:
            kept = {r.name for r in registry.resources}
            for w in self.watchers:
                if w.resource.name not in kept:
                    w.action = "close"
            # Emptied, not removed: a request already routed to a deleted resource finds nothing.
            for name in self.objects:
                if name not in kept:
                    self.objects[name] = {}
            for r in registry.resources:
                self.objects.setdefault(r.name, {})
            self.registry = registry
            self._done()

    # ---- watchers ----------------------------------------------------------

    def signal_watchers(self, action):
        """Tell every open watch to drop/stall/half-line/close; returns how many."""
        with self.cond:
            for w in self.watchers:
                if action == "stall":
                    w.stalled = True
                else:
                    w.action = action
            self.cond.notify_all()
            return len(self.watchers)

    def open_watches(self):
        with self.cond:
            counts = collections.Counter(w.resource.name for w in self.watchers)
            return dict(counts)

