#!/usr/bin/env python3
"""A protocol-faithful fake kube-apiserver for tests (Python 3 stdlib + the openssl CLI).

Prints one JSON line on stdout once listening, then reads control commands on
stdin (one JSON object per line, one JSON reply per line). Exits on SIGTERM,
SIGINT or when stdin closes, so a test that dies never leaves it running.
See README.md for flags and the command protocol.
"""

import argparse
import json
import os
import signal
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # runnable from any directory

import certs  # noqa: E402
from control import Control  # noqa: E402
from http_api import WATCHLIST_MODES, APIServer, log, pick_timeout  # noqa: E402
from resources import POLICY_API, Registry, with_policy_api  # noqa: E402
from store import Store  # noqa: E402
from switches import Auth, Faults, Stats, WatchBodies  # noqa: E402


class Context:
    """Everything the HTTP handlers and the control channel share."""

    def __init__(self, args):
        self.policy_api = self.initial_policy_api = frozenset(args.policy_api or ())
        self.registry = Registry(with_policy_api(self.policy_api))
        self.store = Store(self.registry, args.history, args.state)
        self.faults = Faults()
        self.watch_bodies = WatchBodies()
        self.stats = Stats()
        self.auth = Auth(args.token, args.token_file)
        self.verbose = args.verbose
        self.bookmark_interval = args.bookmark_interval
        self.default_watch_timeout = args.default_watch_timeout
        self.watchlist = self.initial_watchlist = args.watchlist
        self.watch_cache = args.watch_cache == "on"
        self.consistent_list_from_cache = args.consistent_list_from_cache == "on"
        self.cache_wait = args.cache_wait
        self.initial_token = args.token
        self.bare = args.bare
        self.server_version = args.server_version
        self.tls_dir = args.tls_dir
        self.sans = args.san or []
        self.tls_files = None
        self.ssl_context = None  # swapped whole on rotate-ca; each new connection reads it once
        self.url = None
        self.kubeconfig_out = args.kubeconfig_out

    def reload_tls(self, rotate=False):
        files = certs.ensure(self.tls_dir, self.sans, rotate=rotate)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(files.server_crt, files.server_key)
        context.set_alpn_protocols(["http/1.1"])  # no h2: clients settle on HTTP/1.1 at the handshake
        self.tls_files, self.ssl_context = files, context
        self.write_kubeconfig()
        return files

    def write_kubeconfig(self):
        if self.kubeconfig_out and self.url:
            certs.write_kubeconfig(self.kubeconfig_out, self.url, self.tls_files and self.tls_files.ca_crt,
                                   self.auth.token, self.auth.token_file)

    def seed(self):
        """The namespaces every cluster has (unless --bare)."""
        if self.bare:
            return
        ns = self.registry.by_kind_or_name("namespaces")
        for name in ("default", "kube-system"):
            self.store.apply(ns, {"metadata": {"name": name}, "spec": {"finalizers": ["kubernetes"]},
                                  "status": {"phase": "Active"}})

    def set_policy_api(self, versions):
        """Serve exactly these policy API versions from now on: their CRDs installed or deleted at
        run time. A deleted one answers 404 to discovery, LIST and WATCH at once; see Store.serve."""
        unknown = set(versions) - set(POLICY_API)
        if unknown:
            raise ValueError(f"unknown policy API versions {sorted(unknown)}; known: {sorted(POLICY_API)}")
        self.policy_api = frozenset(versions)
        registry = Registry(with_policy_api(self.policy_api))
        self.store.serve(registry)
        self.registry = registry  # requests from now on route by it

    def pick_watch_timeout(self):
        return pick_timeout(self.default_watch_timeout)

    def version_info(self):
        major, minor, *_ = (self.server_version.split(".") + ["0", "0"])
        return {"major": major, "minor": minor, "gitVersion": f"v{self.server_version}",
                "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
                "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.24.0", "compiler": "gc",
                "platform": "linux/amd64"}


def parse_listen(text):
    host, sep, port = text.rpartition(":")
    if not sep:
        raise argparse.ArgumentTypeError(f"--listen wants HOST:PORT, got {text!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="Fake kube-apiserver for tests (see README.md).")
    p.add_argument("--listen", type=parse_listen, default=("127.0.0.1", 0),
                   help="HOST:PORT to listen on; port 0 picks a free one; [::1]:0 for IPv6 (default 127.0.0.1:0)")
    p.add_argument("--tls-dir", help="serve HTTPS with a CA and server certificate kept in DIR (made once)")
    p.add_argument("--san", action="append", help="extra IP (or DNS name) for the server certificate; repeatable")
    p.add_argument("--token", help="require 'Authorization: Bearer TOKEN'")
    p.add_argument("--token-file", help="require the token in FILE, re-read on every request")
    p.add_argument("--history", type=int, default=1000, help="events kept for watch replay (default 1000)")
    p.add_argument("--bookmark-interval", type=float, default=1.0,
                   help="seconds between BOOKMARKs on watches that allow them (default 1)")
    p.add_argument("--default-watch-timeout", default="30-60",
                   help="watch timeout when the client sends no timeoutSeconds: N or MIN-MAX seconds (default 30-60)")
    p.add_argument("--state", help="persist objects and the RV counter in FILE on every write; load it at start")
    p.add_argument("--kubeconfig-out", help="write a kubeconfig for this server to FILE")
    p.add_argument("--server-version", default="1.33.1", help="what /version reports (default 1.33.1)")
    p.add_argument("--watchlist", choices=WATCHLIST_MODES, default="on",
                   help="WatchList (sendInitialEvents): on; off answers 422 like a gate-off server; old-server answers "
                        "422 to resourceVersionMatch on a watch like 1.19-1.26; no-progress-notify answers an ERROR 500 "
                        "event like a server whose etcd lacks RequestWatchProgress")
    p.add_argument("--watch-cache", choices=("on", "off"), default="on",
                   help="off: every LIST is read from etcd and resourceVersion=0 is paginated (default on)")
    p.add_argument("--consistent-list-from-cache", choices=("on", "off"), default="off",
                   help="serve consistent LISTs (no resourceVersion) from the watch cache, as 1.31+ (default off: etcd)")
    p.add_argument("--cache-wait", type=float, default=0.5,
                   help="seconds the watch cache waits to reach a requested RV before 504 TooLarge (apiserver: 3)")
    p.add_argument("--policy-api", action="append", choices=sorted(POLICY_API),
                   help="also serve policy.networking.k8s.io at this version (repeatable; default: not served)")
    p.add_argument("--bare", action="store_true", help="start with no objects (default: namespaces default, kube-system)")
    p.add_argument("--no-stdin", action="store_true", help="ignore stdin (run until SIGTERM), for manual use")
    p.add_argument("-v", "--verbose", action="store_true", help="log every request on stderr")
    return p.parse_args(argv)


def reply(obj):
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def control_loop(control):
    for raw in sys.stdin.buffer:
        line = raw.strip()
        if not line:
            continue
        try:
            cmd = json.loads(line)
        except ValueError as e:
            reply({"ok": False, "error": f"not JSON: {e}"})
            continue
        reply(control.handle(cmd))


def _terminate(signum, frame):
    raise SystemExit(0)


def main(argv=None):
    args = parse_args(argv)
    # A parent may hand down a mask blocking these (Swift's test runner does): undo it,
    # or SIGTERM would never reach the handler.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    ctx = Context(args)
    if not ctx.store.load():
        ctx.seed()
    if args.tls_dir:
        ctx.reload_tls()
    server = APIServer(args.listen, ctx)
    host, port = server.server_address[:2]
    scheme = "https" if args.tls_dir else "http"
    ctx.url = f"{scheme}://[{host}]:{port}" if ":" in host else f"{scheme}://{host}:{port}"
    ctx.write_kubeconfig()
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="http", daemon=True).start()

    token = args.token
    if not token and args.token_file:
        token = next(iter(ctx.auth.current_tokens()), None)
    reply({"url": ctx.url, "ca": ctx.tls_files.ca_crt if ctx.tls_files else None, "token": token,
           "tokenFile": os.path.abspath(args.token_file) if args.token_file else None,
           "kubeconfig": os.path.abspath(args.kubeconfig_out) if args.kubeconfig_out else None,
           "resourceVersion": str(ctx.store.current_rv()), "pid": os.getpid()})
    log(f"listening on {ctx.url}")
    try:
        if args.no_stdin:
            while True:
                time.sleep(3600)
        else:
            control_loop(Control(ctx))  # returns when stdin closes
    except (SystemExit, KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the cleanup short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # Close watches cleanly (terminating chunk), stop accepting, then leave.
        watches = ctx.store.signal_watchers("close")
        server.shutdown()
        server.server_close()
        deadline = time.monotonic() + 1.0
        while watches and ctx.store.open_watches() and time.monotonic() < deadline:
            time.sleep(0.01)
        log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
