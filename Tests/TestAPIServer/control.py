"""The test control channel: one JSON command per stdin line, one JSON reply per line on stdout.

It works where TCP does not reach (a server inside a network namespace), and it
bypasses auth and admission: `apply` stores objects as given, status included.
"""

from http_api import WATCHLIST_MODES
from status import APIError


class Control:
    def __init__(self, ctx):
        self.ctx = ctx
        self.ops = {
            "ping": self.ping,
            "apply": self.apply,
            "get": self.get,
            "list": self.list,
            "delete": self.delete,
            "drop-watches": self.drop_watches,
            "close-watches": lambda cmd: self._signal("close"),
            "stall-watches": lambda cmd: self._signal("stall"),
            "half-line": lambda cmd: self._signal("half"),
            "compact": self.compact,
            "fail": self.fail,
            "watch-body": self.watch_body,
            "clear-faults": self.clear_faults,
            "stats": self.stats,
            "requests": self.requests,
            "reset-stats": self.reset_stats,
            "set-token": self.set_token,
            "rotate-ca": self.rotate_ca,
            "watchlist": self.watchlist,
            "cache-lag": self.cache_lag,
            "restart-cache": self.restart_cache,
            "policy-api": self.policy_api,
            "reset": self.reset,
        }

    def handle(self, cmd):
        """Run one command; never raises (a bad command gets {"ok": false, "error": ...})."""
        if not isinstance(cmd, dict):
            return {"ok": False, "error": "a command is a JSON object"}
        op = self.ops.get(cmd.get("op"))
        if op is None:
            return {"ok": False, "error": f"unknown op {cmd.get('op')!r}; known: {sorted(self.ops)}"}
        try:
            reply = op(cmd)
        except APIError as err:
            return {"ok": False, "error": err.body["message"], "status": err.body}
        except (KeyError, TypeError, ValueError) as e:
            return {"ok": False, "error": f"bad {cmd.get('op')} command: {e!r}"}
        return {"ok": True, **reply}

    # ---- objects ----

    def _resource(self, cmd, obj=None):
        word = cmd.get("kind") or cmd.get("resource") or (obj or {}).get("kind")
        res = self.ctx.registry.by_kind_or_name(word or "")
        if res is None:
            raise ValueError(f"unknown kind {word!r}")
        return res

    def _key(self, cmd, res):
        ns = cmd.get("namespace", "default") if res.namespaced else ""
        return ns, cmd["name"]

    def ping(self, cmd):
        return {"resourceVersion": str(self.ctx.store.current_rv())}

    def apply(self, cmd):
        obj = cmd["object"]
        res = self._resource(cmd, obj)
        stored, changed = self.ctx.store.apply(res, dict(obj, metadata=dict(obj.get("metadata") or {})))
        return {"object": stored, "changed": changed}

    def get(self, cmd):
        res = self._resource(cmd)
        ns, name = self._key(cmd, res)
        obj = self.ctx.store.get(res, ns, name)
        if obj is None:
            raise APIError(404, f'{res.qualified} "{name}" not found', "NotFound")
        return {"object": obj}

    def list(self, cmd):
        res = self._resource(cmd)
        items, rv = self.ctx.store.snapshot(res)
        ns = cmd.get("namespace")
        out = [o for k, o in sorted(items.items()) if ns is None or o["metadata"].get("namespace") == ns]
        return {"items": out, "resourceVersion": str(rv)}

    def delete(self, cmd):
        res = self._resource(cmd)
        ns, name = self._key(cmd, res)
        return {"object": self.ctx.store.delete(res, ns, name)}

    # ---- faults ----

    def _signal(self, action):
        return {"watches": self.ctx.store.signal_watchers(action)}

    def drop_watches(self, cmd):
        return self._signal("rst" if cmd.get("rst") else "drop")

    def compact(self, cmd):
        self.ctx.store.compact()
        return {"resourceVersion": str(self.ctx.store.current_rv())}

    def fail(self, cmd):
        self.ctx.faults.add(cmd["status"], cmd.get("count", 1), verb=cmd.get("verb"), resource=cmd.get("resource"),
                            retry_after=cmd.get("retryAfter"), reason=cmd.get("reason"), message=cmd.get("message"),
                            form=cmd.get("form"))
        return {"pending": self.ctx.faults.pending()}

    def watch_body(self, cmd):
        self.ctx.watch_bodies.set(cmd["mode"], cmd.get("resource"))
        with self.ctx.store.cond:
            self.ctx.store.cond.notify_all()  # open watches switch at once
        return {}

    def clear_faults(self, cmd):
        self.ctx.faults.clear()
        self.ctx.watch_bodies.clear()
        return {}

    def set_token(self, cmd):
        self.ctx.auth.token = cmd["token"] or None
        return {}

    def rotate_ca(self, cmd):
        if not self.ctx.tls_dir:
            raise ValueError("rotate-ca needs --tls-dir")
        files = self.ctx.reload_tls(rotate=True)
        return {"ca": files.ca_crt}

    def reset(self, cmd):
        """As if freshly started with the same flags (state file aside): one server can then
        serve many tests. Cuts open watches, empties the store (RV 0, then the seed
        namespaces), clears faults and statistics, restores the token, WatchList setting and
        policy API versions."""
        ctx = self.ctx
        ctx.set_policy_api(ctx.initial_policy_api)
        ctx.store.reset()
        ctx.seed()
        ctx.faults.clear()
        ctx.watch_bodies.clear()
        ctx.stats.reset()
        ctx.auth.token = ctx.initial_token
        ctx.watchlist = ctx.initial_watchlist
        return {"resourceVersion": str(ctx.store.current_rv())}

    def policy_api(self, cmd):
        """Install (`served: true`) or delete (`served: false`) a policy API version's CRD at run time."""
        version, served = cmd["version"], cmd["served"]
        if not isinstance(served, bool):
            raise ValueError("served must be true or false")
        self.ctx.set_policy_api(self.ctx.policy_api | {version} if served else self.ctx.policy_api - {version})
        return {"served": sorted(self.ctx.policy_api)}

    def watchlist(self, cmd):
        """{"enabled": bool} or {"mode": one of WATCHLIST_MODES}."""
        mode = cmd["mode"] if "mode" in cmd else ("on" if cmd["enabled"] else "off")
        if mode not in WATCHLIST_MODES:
            raise ValueError(f"unknown WatchList mode {mode!r}; known: {list(WATCHLIST_MODES)}")
        self.ctx.watchlist = mode
        return {"enabled": mode == "on", "mode": mode}

    def cache_lag(self, cmd):
        """{"resource": "pods", "frozen": true}: the watch cache of that resource stops where it is
        (LISTs at RV 0 get that state; LISTs and WatchLists at a newer RV wait, then 504 TooLarge);
        false lets it catch up at once."""
        res = self._resource(cmd)
        self.ctx.store.freeze_cache(res, bool(cmd["frozen"]))
        return {}

    def restart_cache(self, cmd):
        """As an apiserver restart: watches cut, history gone (older RVs get 410), and for
        `unreadySeconds` (default 0) every LIST and WATCH gets the unready-cache 429."""
        self.ctx.store.restart_cache(float(cmd.get("unreadySeconds", 0)))
        return {"resourceVersion": str(self.ctx.store.current_rv())}

    # ---- observation ----

    def stats(self, cmd):
        store = self.ctx.store
        with store.cond:
            objects = {name: len(objs) for name, objs in store.objects.items()}
            rv, floor = store.rv, store.floor
        served, sent = self.ctx.stats.served_snapshot()
        return {
            "requests": self.ctx.stats.snapshot(),
            "servedFrom": served,
            "bytesSent": sent,
            "openWatches": store.open_watches(),
            "objects": objects,
            "resourceVersion": str(rv),
            "historyFloor": str(floor),
            "pendingFailures": self.ctx.faults.pending(),
        }

    def requests(self, cmd):
        return {"requests": self.ctx.stats.requests(clear=bool(cmd.get("clear")))}

    def reset_stats(self, cmd):
        self.ctx.stats.reset()
        return {}

