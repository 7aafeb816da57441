"""Test switches the control channel flips: injected failures, request statistics, auth."""

import collections
import threading

from status import APIError, REASONS, too_many_requests


class Faults:
    """Rules "the next N matching requests fail with this status", consumed in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rules = []

    def add(self, code, count, verb=None, resource=None, retry_after=None, reason=None, message=None, form=None):
        if retry_after is None and code in (429, 503) and form != "none":
            retry_after = 1  # what APF / an overloaded apiserver sends; clients must honour it
        if form not in (None, "none"):
            too_many_requests(form, retry_after or 1)  # rejects an unknown form now, not at the request
        rule = {"code": int(code), "count": int(count), "verb": verb, "resource": resource,
                "retryAfter": retry_after, "reason": reason, "message": message, "form": form}
        with self.lock:
            if rule["count"] > 0:
                self.rules.append(rule)

    def clear(self):
        with self.lock:
            self.rules.clear()

    def pending(self):
        with self.lock:
            return sum(r["count"] for r in self.rules)

    def take(self, verbs, resource):
        """The error for this request if a rule matches one of its `verbs` (and uses it up), else None.
        A WatchList is both "watchlist" and "watch"."""
        with self.lock:
            for rule in self.rules:
                if (rule["verb"] is not None and rule["verb"] not in verbs) or rule["resource"] not in (None, resource):
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    self.rules.remove(rule)
                code = rule["code"]
                if rule["form"] not in (None, "none"):
                    return too_many_requests(rule["form"], rule["retryAfter"])
                headers, details = {}, {}
                if rule["retryAfter"] is not None:
                    headers["Retry-After"] = str(rule["retryAfter"])
                    details["retryAfterSeconds"] = int(rule["retryAfter"])
                message = rule["message"] or f"injected failure: {REASONS.get(code, code)}"
                return APIError(code, message, rule["reason"], details or None, headers)
        return None


class WatchBodies:
    """Hostile watch bodies: while a mode is set, every watch of a matching resource (open or new)
    streams it instead of (endless, trickle) or before (garbage) its events, until cleared.

    - endless-line: the start of an event, then bytes without a newline, forever (paced at about
      12 MiB/s, so a client without a limit grows by that much a second and no faster);
    - trickle-line: a valid event line sent one byte a second, again and again;
    - garbage-line: one line that is not a watch event, then the normal stream;
    - cut-before-marker: a WatchList is cut after half its initial events, before the end bookmark."""

    MODES = ("endless-line", "trickle-line", "garbage-line", "cut-before-marker")

    def __init__(self):
        self.lock = threading.Lock()
        self.modes = {}  # resource (None: any) -> mode

    def set(self, mode, resource=None):
        if mode not in self.MODES:
            raise ValueError(f"unknown watch-body mode {mode!r}; known: {list(self.MODES)}")
        with self.lock:
            self.modes[resource] = mode

    def clear(self):
        with self.lock:
            self.modes.clear()

    def mode(self, resource):
        with self.lock:
            return self.modes.get(resource) or self.modes.get(None)


class Stats:
    """Request counts by "verb:resource" (e.g. "list:pods", "watch:pods", "discovery")
    and a bounded log, so tests can assert what a client sent, e.g. WATCH not LIST."""

    def __init__(self, log_size=2000):
        self.lock = threading.Lock()
        self.counts = collections.Counter()
        self.served = collections.Counter()  # "list:pods@cache", "list:pods@etcd"
        self.bytes = collections.Counter()  # body bytes sent, by "verb:resource"
        self.log = collections.deque(maxlen=log_size)

    def record(self, entry):
        with self.lock:
            self.counts[entry["what"]] += 1
            self.log.append(entry)

    def served_from(self, entry, source):
        """Where a LIST or WatchList was served from: "cache" (the watch cache) or "etcd"."""
        with self.lock:
            entry["servedFrom"] = source
            self.served[f"{entry['what']}@{source}"] += 1

    def sent(self, entry, count):
        with self.lock:
            self.bytes[entry["what"]] += count

    def snapshot(self):
        with self.lock:
            return dict(self.counts)

    def served_snapshot(self):
        with self.lock:
            return dict(self.served), dict(self.bytes)

    def requests(self, clear=False):
        with self.lock:
            out = list(self.log)
            if clear:
                self.log.clear()
            return out

    def reset(self):
        with self.lock:
            self.counts.clear()
            self.served.clear()
            self.bytes.clear()
            self.log.clear()


class Auth:
    """Bearer tokens: a static one (--token, replaceable via control) and/or a file
    re-read on every request (--token-file) so tests can rotate it mid-run."""

    def __init__(self, token=None, token_file=None):
        self.token = token
        self.token_file = token_file

    @property
    def enabled(self):
        return bool(self.token or self.token_file)

    def current_tokens(self):
        tokens = set()
        if self.token:
            tokens.add(self.token)
        if self.token_file:
            try:
                with open(self.token_file) as f:
                    t = f.read().strip()
                if t:
                    tokens.add(t)
            except OSError:
                pass  # a missing file during rotation just means nothing is accepted
        return tokens

    def check(self, header):
        if not self.enabled:
            return True
        if not header or not header.startswith("Bearer "):
            return False
        return header[len("Bearer "):].strip() in self.current_tokens()
