"""The HTTP/1.1 side: routing, auth, discovery, LIST/WATCH/GET/POST/PUT/PATCH/DELETE.

Threads: one per connection (ThreadingHTTPServer). A watch holds its thread and
writes chunked events; the control channel steers it through flags on the Watch
object (never by touching its socket from another thread).
"""

import base64
import binascii
import copy
import gzip
import json
import random
import re
import select
import socket
import ssl
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import status
from selectorparse import FieldSelector, LabelSelector
from status import APIError
from store import ADDED, DELETED, MODIFIED

INITIAL_EVENTS_END = "k8s.io/initial-events-end"
WATCH_POLL = 0.2  # how often an idle watch checks for a closed client / due bookmark
GARBAGE_LINE = b"<html><body>502 Bad Gateway</body></html>\n"  # what a broken proxy might send
ENDLESS_PIECE, ENDLESS_PAUSE = b"a" * 65536, 0.005  # about 12 MiB/s
TOO_LARGE_RV_WAIT = 0.5  # apiserver waits ~3 s for a future RV before 504; shorter keeps tests fast
WATCHLIST_MODES = ("on", "off", "old-server", "no-progress-notify")
PROGRESS_DISABLED = ("a watch stream was requested by the client but the required storage feature "
                     "RequestWatchProgress is disabled")  # cacher.go Cacher.Watch

_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def log(msg):
    sys.stderr.write(f"fake-apiserver: {msg}\n")
    sys.stderr.flush()


def dumps(obj):
    # Compact like Go's encoding/json.
    return json.dumps(obj, separators=(",", ":"))


# ---- request parsing ------------------------------------------------------


class RequestInfo:
    """What a request addresses, like apiserver's RequestInfo."""

    def __init__(self, kind, verb="", resource=None, namespace=None, name=None, subresource=None, group=None,
                 version=None):
        self.kind = kind  # resource | discovery | version | health | root | unknown
        self.verb = verb
        self.resource = resource
        self.namespace = namespace
        self.name = name
        self.subresource = subresource
        self.group = group
        self.version = version

    @property
    def what(self):
        """The statistics key: "list:pods", "watch:networkpolicies", "discovery", ..."""
        if self.kind == "resource":
            sub = f"/{self.subresource}" if self.subresource else ""
            return f"{self.verb}:{self.resource.name}{sub}"
        return self.kind


def parse_bool(value, name):
    """Go's strconv.ParseBool, as apiserver decodes boolean query parameters."""
    if value in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if value in ("0", "f", "F", "FALSE", "false", "False", ""):
        return False
    raise status.bad_request(f'invalid value for {name}: "{value}"')


def parse_int(value, name):
    if value in (None, ""):
        return None
    try:
        return int(value)
    except ValueError:
        raise status.bad_request(f'invalid value for {name}: "{value}"')


def parse_request(method, path, query, registry):
    parts = [p for p in path.split("/") if p]
    if not parts:
        return RequestInfo("root")
    head = parts[0]
    if head == "version" and len(parts) == 1:
        return RequestInfo("version")
    if head in ("healthz", "livez", "readyz"):
        return RequestInfo("health")
    if head == "api":
        if len(parts) == 1:
            return RequestInfo("discovery", group="")
        group, version, rest = "", parts[1], parts[2:]
    elif head == "apis":
        if len(parts) <= 2:
            return RequestInfo("discovery", group=parts[1] if len(parts) == 2 else None)
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return RequestInfo("unknown")
    if not rest:
        return RequestInfo("discovery", group=group, version=version)
    watch = rest[0] == "watch"  # the deprecated /watch/ prefix
    if watch:
        rest = rest[1:]
    namespace = None
    # /namespaces/{ns}/{resource}... unless it is /namespaces/{name}/status or /finalize.
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return RequestInfo("unknown")
    res = registry.find(group, version, rest[0])
    if res is None or (namespace is not None and not res.namespaced):
        return RequestInfo("unknown")
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if res.namespaced and name is not None and namespace is None:
        return RequestInfo("unknown")  # /api/v1/pods/x has no meaning
    if sub is not None and not (sub == "status" and res.has_status):
        return RequestInfo("unknown")
    watch = watch or parse_bool(query.get("watch", "false"), "watch")
    if method == "GET":
        verb = "watch" if watch else ("get" if name else "list")
    else:
        verb = {("POST", False): "create", ("PUT", True): "update", ("PATCH", True): "patch",
                ("DELETE", True): "delete", ("DELETE", False): "deletecollection"}.get((method, name is not None),
                                                                                      "unsupported")
    return RequestInfo("resource", verb, res, namespace, name, sub, group, version)


def negotiate(accept, want):
    """Pick the response form from Accept: "json" or "partial" (PartialObjectMetadata[List]).
    Table and protobuf are not served; an Accept offering nothing else is 406."""
    if not accept:
        return "json"
    for entry in accept.split(","):
        fields = [f.strip() for f in entry.split(";")]
        media, params = fields[0].lower(), dict(f.split("=", 1) for f in fields[1:] if "=" in f)
        if media not in ("application/json", "application/*", "*/*"):
            continue
        as_ = params.get("as")
        if as_ is None:
            return "json"
        if params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            if as_ == "PartialObjectMetadataList" and want == "list":
                return "partial"
            if as_ == "PartialObjectMetadata" and want in ("object", "watch"):
                return "partial"
    raise APIError(406, f"only the following media types are accepted: application/json", "NotAcceptable")


def partial(obj):
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def list_item(obj, res):
    # Typed lists from kube-apiserver omit kind/apiVersion on items; clients must not need them.
    if res.crd:
        return obj
    out = dict(obj)
    out.pop("kind", None)
    out.pop("apiVersion", None)
    return out


def encode_continue(rv, start):
    token = dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start})
    return base64.urlsafe_b64encode(token.encode()).decode().rstrip("=")


def decode_continue(token):
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        data = json.loads(raw)
        if data.get("v") != "meta.k8s.io/v1" or not isinstance(data.get("rv"), int):
            raise ValueError("unsupported version")
        return data["rv"], str(data["start"])
    except (ValueError, binascii.Error, TypeError, AttributeError) as e:
        raise status.bad_request(f"continue key is not valid: {e}")


# ---- patches --------------------------------------------------------------


def merge_patch(target, patch):
    """RFC 7386. Also used for strategic merge patch, whose list-merge keys are not modelled."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def _pointer(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json_patch(doc, ops):
    """RFC 6902 on a deep copy of `doc`."""
    doc = copy.deepcopy(doc)

    def parent(path):
        parts = _pointer(path)
        if not parts:
            raise ValueError("cannot address the document root")
        cur = doc
        for p in parts[:-1]:
            cur = cur[int(p)] if isinstance(cur, list) else cur[p]
        return cur, parts[-1]

    def get(path):
        cur = doc
        for p in _pointer(path):
            cur = cur[int(p)] if isinstance(cur, list) else cur[p]
        return cur

    def remove(path):
        cont, last = parent(path)
        return cont.pop(int(last)) if isinstance(cont, list) else cont.pop(last)

    def add(path, value):
        cont, last = parent(path)
        if isinstance(cont, list):
            cont.insert(len(cont) if last == "-" else int(last), value)
        else:
            cont[last] = value

    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            add(path, copy.deepcopy(op["value"]))
        elif kind == "remove":
            remove(path)
        elif kind == "replace":
            remove(path)
            add(path, copy.deepcopy(op["value"]))
        elif kind == "move":
            add(path, remove(op["from"]))
        elif kind == "copy":
            add(path, copy.deepcopy(get(op["from"])))
        elif kind == "test":
            if get(path) != op.get("value"):
                raise ValueError(f"test failed at {path}")
        else:
            raise ValueError(f"unknown op {kind!r}")
    return doc


# ---- watches --------------------------------------------------------------


class Watch:
    """One open watch: its filter, how far it has read the history, and the control flags."""

    def __init__(self, resource, namespace, labels, fields):
        self.resource = resource
        self.namespace = namespace
        self.labels = labels
        self.fields = fields
        self.last_rv = 0
        self.action = None  # set by the control channel: "drop", "rst", "half", "close"
        self.stalled = False
        self.garbage_sent = False

    def matches(self, obj):
        meta = obj.get("metadata") or {}
        if self.namespace is not None and meta.get("namespace") != self.namespace:
            return False
        return self.labels.matches(meta.get("labels")) and self.fields.matches(obj)

    def translate(self, e):
        """The event this watcher sees for history event `e`, or None. Selector transitions
        become ADDED/DELETED; a DELETED for leaving carries the previous state with the new RV."""
        if e.resource != self.resource.name:
            return None
        now = e.type != DELETED and self.matches(e.obj)
        before = e.prev is not None and self.matches(e.prev)
        if e.type == ADDED:
            return (ADDED, e.obj) if now else None
        if e.type == DELETED:
            return (DELETED, e.obj) if before else None
        if now and before:
            return MODIFIED, e.obj
        if now:
            return ADDED, e.obj
        if before:
            gone = dict(e.prev)
            gone["metadata"] = dict(e.prev["metadata"], resourceVersion=e.obj["metadata"]["resourceVersion"])
            return DELETED, gone
        return None


# ---- the server -----------------------------------------------------------


class APIServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, ctx):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.ctx = ctx
        super().__init__(address, Handler)

    def finish_request(self, request, client_address):
        # TLS is set up here, in the connection's own thread, so a slow or failing
        # handshake never blocks the accept loop.
        tls = self.ctx.ssl_context
        if tls is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        try:
            request.settimeout(10)
            request = tls.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as e:
            if self.ctx.verbose:
                log(f"TLS handshake from {client_address[0]} failed: {e}")
            return
        try:
            self.RequestHandlerClass(request, client_address, self)
        finally:
            try:
                request.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, OSError)):
            return  # clients going away mid-request are normal in fault tests
        log(f"error serving {client_address}: {exc!r}")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-kube-apiserver"
    timeout = 120  # idle keep-alive connections are reaped; also bounds blocked writes

    # BaseHTTPRequestHandler entry points
    def do_GET(self):
        self.dispatch("GET")

    def do_POST(self):
        self.dispatch("POST")

    def do_PUT(self):
        self.dispatch("PUT")

    def do_PATCH(self):
        self.dispatch("PATCH")

    def do_DELETE(self):
        self.dispatch("DELETE")

    def version_string(self):
        return self.server_version

    def log_message(self, fmt, *args):
        if self.server.ctx.verbose:
            log(f"{self.address_string()} {fmt % args}")

    def send_error(self, code, message=None, explain=None):
        """http.server's own errors (malformed request, unknown method) as Status bodies too."""
        self.close_connection = True
        if code == 501:
            code = 405  # an unknown method: apiserver says MethodNotAllowed
        reason = status.REASONS.get(code, "Unknown")
        self.send_json(code, status.status_body(code, reason, message or explain or reason))

    def send_response(self, code, message=None):
        if getattr(self, "_entry", None) is not None:
            self._entry["status"] = code
        super().send_response(code, message)

    # ---- plumbing ----

    def read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass  # trailers
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, code, body, headers=None):
        data = dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        if getattr(self, "_entry", None) is not None:
            self.server.ctx.stats.sent(self._entry, len(data))

    def send_error_status(self, err):
        if err.headers.get("Connection") == "close":
            self.close_connection = True
        if err.plain is not None:
            return self.send_plain(err.code, err.plain, err.headers)
        self.send_json(err.code, err.body, err.headers)

    def dispatch(self, method):
        ctx = self.server.ctx
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        # Recorded when the request starts (so open watches count); the status is filled in on reply.
        self._entry = {"method": method, "path": url.path, "query": query, "what": "unknown", "status": None,
                       "at": time.monotonic()}
        self._gzip_members = False
        try:
            body = self.read_body()  # always, so a rejected request leaves the connection usable
            try:
                info = parse_request(method, url.path, query, ctx.registry)
                self._entry["what"] = info.what
                if info.verb == "watch" and query.get("sendInitialEvents") in ("1", "t", "T", "TRUE", "true", "True"):
                    info.verb = "watchlist"
                    self._entry["what"] = info.what
            finally:
                ctx.stats.record(self._entry)
            if info.kind == "health":
                return self.send_plain(200, b"ok")
            if not ctx.auth.check(self.headers.get("Authorization")):
                raise status.unauthorized()
            verbs = ("watchlist", "watch") if info.verb == "watchlist" else (info.verb or info.kind,)
            fault = ctx.faults.take(verbs, info.resource.name if info.resource else None)
            if fault is not None:
                raise fault
            unready = ctx.store.unready_retry_after() if info.verb in ("list", "watch", "watchlist") else None
            if unready is not None:
                raise status.too_many_requests("unready-cache", unready)
            self.route(method, info, query, body)
        except APIError as err:
            self.send_error_status(err)
        except (ConnectionError, ssl.SSLError, TimeoutError):
            self.close_connection = True
        except Exception as e:  # a bug in the fake: answer like apiserver would, and say so on stderr
            log(f"internal error on {method} {self.path}: {e!r}")
            self.send_error_status(APIError(500, f"fake apiserver internal error: {e!r}"))

    def send_plain(self, code, data, headers=None):
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def route(self, method, info, query, body):
        ctx = self.server.ctx
        if info.kind == "unknown":
            raise status.path_not_found()
        if method != "GET" and info.kind != "resource":
            raise status.method_not_allowed(method)
        if info.kind == "root":
            paths = ["/api", "/api/v1", "/apis", "/version"] + [f"/apis/{g}" for g in ctx.registry.groups()]
            return self.send_json(200, {"paths": sorted(paths)})
        if info.kind == "version":
            return self.send_json(200, ctx.version_info())
        if info.kind == "discovery":
            return self.discovery(info)
        handler = {
            "list": self.do_list, "watch": self.do_watch, "watchlist": self.do_watch, "get": self.do_get, "create": self.do_create,
            "update": self.do_update, "patch": self.do_patch, "delete": self.do_delete,
        }.get(info.verb)
        if handler is None:
            raise status.method_not_allowed(method)
        if info.verb == "create" and info.resource.namespaced and info.namespace is None:
            raise status.method_not_allowed(method)  # POST /api/v1/pods: no namespace to create in
        handler(info, query, body)

    def discovery(self, info):
        reg = self.server.ctx.registry
        if info.group == "" and info.version is None:
            host, port = self.server.server_address[:2]
            doc = reg.api_versions(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        elif info.group is None:
            doc = reg.api_group_list()
        elif info.version is None:
            doc = reg.api_group(info.group)
        else:
            doc = reg.resource_list(info.group, info.version)
        if doc is None:
            raise status.path_not_found()
        # Aggregated discovery (apidiscovery.k8s.io/v2) is not served: plain JSON makes
        # kubectl and client-go fall back to the legacy per-group documents.
        self.send_json(200, doc)

    # ---- verbs ----

    def _object_body(self, body, res):
        try:
            obj = json.loads(body or b"null")
        except ValueError as e:
            raise status.bad_request(f"the object provided is unrecognized: {e}")
        if not isinstance(obj, dict) or not isinstance(obj.get("metadata", {}), dict):
            raise status.bad_request("the object provided is unrecognized (must be a JSON object)")
        if obj.get("apiVersion") not in (None, res.group_version):
            raise status.bad_request(f"the API version in the data ({obj['apiVersion']}) does not match the "
                                     f"expected API version ({res.group_version})")
        if obj.get("kind") not in (None, res.kind):
            raise status.bad_request(f"the kind in the data ({obj['kind']}) does not match the expected kind "
                                     f"({res.kind})")
        obj.setdefault("metadata", {})
        return obj

    @staticmethod
    def _dry_run(query, options=None):
        value = query.get("dryRun") or ",".join((options or {}).get("dryRun") or [])
        if value not in ("", "All"):
            raise status.bad_request(f'unsupported dry run option "{value}"')
        return value == "All"

    @staticmethod
    def _set_namespace(info, obj):
        if not info.resource.namespaced:
            return
        meta = obj["metadata"]
        if meta.get("namespace") and meta["namespace"] != info.namespace:
            raise status.bad_request("the namespace of the provided object does not match the namespace sent "
                                     "on the request")
        meta["namespace"] = info.namespace

    @staticmethod
    def _validate_name(res, name):
        if res.only_name and name != res.only_name:
            raise status.invalid(res.kind, name, "metadata.name",
                                 f'Invalid value: "{name}": Only one {res.kind} is allowed, with the name '
                                 f'"{res.only_name}"', res.group)
        ok = len(name) <= 63 and _LABEL_RE.match(name) if res.name_is_label else \
            len(name) <= 253 and _SUBDOMAIN_RE.match(name)
        if not ok:
            rule = "RFC 1123 label" if res.name_is_label else "RFC 1123 subdomain"
            raise status.invalid(res.kind, name, "metadata.name",
                                 f'Invalid value: "{name}": a lowercase {rule} must consist of lower case '
                                 "alphanumeric characters, '-' or '.', and must start and end with an "
                                 "alphanumeric character", res.group)

    def _send_object(self, code, obj, form):
        self.send_json(code, partial(obj) if form == "partial" else obj)

    def do_get(self, info, query, body):
        form = negotiate(self.headers.get("Accept"), "object")
        obj = self.server.ctx.store.get(info.resource, info.namespace or "", info.name)
        if obj is None:
            raise status.not_found(info.resource, info.name)
        self._send_object(200, obj, form)

    def do_create(self, info, query, body):
        res = info.resource
        obj = self._object_body(body, res)
        dry = self._dry_run(query)
        self._set_namespace(info, obj)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(random.choice("bcdfghjklmnpqrstvwxz2456789")
                                                          for _ in range(5))
        if not meta.get("name"):
            raise status.invalid(res.kind, "", "metadata.name", "Required value: name or generateName is required",
                                 res.group)
        self._validate_name(res, meta["name"])
        # What the kinds' create strategies set: status is not the client's to write on create.
        if res.name == "pods":
            obj["status"] = {"phase": "Pending"}
        elif res.name == "namespaces":
            obj["status"] = {"phase": "Active"}
            obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        elif res.has_status:
            obj.pop("status", None)  # a status subresource: status is written there only
        stored = self.server.ctx.store.create(res, obj, dry_run=dry)
        self.send_json(201, stored)

    def do_update(self, info, query, body):
        res = info.resource
        obj = self._object_body(body, res)
        dry = self._dry_run(query)
        meta = obj["metadata"]
        if meta.get("name") and meta["name"] != info.name:
            raise status.bad_request(f"the name of the object ({meta['name']}) does not match the name on the URL "
                                     f"({info.name})")
        meta["name"] = info.name
        self._set_namespace(info, obj)
        stored = self.server.ctx.store.update(res, obj, subresource=info.subresource, dry_run=dry)
        self.send_json(200, stored)

    def do_patch(self, info, query, body):
        res, store = info.resource, self.server.ctx.store
        ctype = self.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if ctype not in ("application/merge-patch+json", "application/strategic-merge-patch+json",
                         "application/json-patch+json"):
            raise APIError(415, f"the body of the request was in an unknown format - accepted media types include: "
                                "application/json-patch+json, application/merge-patch+json, "
                                "application/strategic-merge-patch+json", "UnsupportedMediaType")
        dry = self._dry_run(query)
        try:
            patch = json.loads(body or b"null")
        except ValueError as e:
            raise status.bad_request(f"error decoding patch: {e}")
        # Like apiserver, retry on a concurrent write unless the patch pins a resourceVersion.
        for _ in range(10):
            old = store.get(res, info.namespace or "", info.name)
            if old is None:
                raise status.not_found(res, info.name)
            try:
                new = json_patch(old, patch) if ctype == "application/json-patch+json" else merge_patch(old, patch)
            except (ValueError, KeyError, IndexError, TypeError, AttributeError) as e:
                raise APIError(422, f"the patch could not be applied: {e}", "Invalid")
            if not isinstance(new, dict):
                raise APIError(422, "the patch must produce an object", "Invalid")
            meta = new.setdefault("metadata", {})
            meta["name"], pinned = info.name, meta.get("resourceVersion") != old["metadata"]["resourceVersion"]
            if res.namespaced:
                meta["namespace"] = info.namespace
            try:
                stored = store.update(res, new, subresource=info.subresource, dry_run=dry)
            except APIError as err:
                if err.code == 409 and not pinned:
                    continue
                raise
            return self.send_json(200, stored)
        raise status.conflict(res, info.name)

    def do_delete(self, info, query, body):
        res = info.resource
        options = {}
        if body.strip():
            try:
                options = json.loads(body)
            except ValueError as e:
                raise status.bad_request(f"error decoding DeleteOptions: {e}")
        dry = self._dry_run(query, options)
        old = self.server.ctx.store.delete(res, info.namespace or "", info.name,
                                           preconditions=options.get("preconditions"), dry_run=dry)
        if res.delete_returns_object:
            return self.send_json(200, old)
        details = {"name": info.name, "kind": res.name, "uid": old["metadata"].get("uid")}
        if res.group:
            details["group"] = res.group
        self.send_json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                             "details": details})

    # ---- LIST ----

    def _selectors(self, info, query):
        labels = LabelSelector(query.get("labelSelector", ""))
        fields = FieldSelector(query.get("fieldSelector", ""), info.resource)
        if info.name is not None:  # watch on an object path = watch that name
            fields.add("metadata.name", info.name)
        return labels, fields

    @staticmethod
    def _parse_rv(rv):
        try:
            n = int(rv)
            if n < 0:
                raise ValueError
            return n
        except ValueError:
            raise status.bad_request(f'invalid resource version: "{rv}"') from None

    def do_list(self, info, query, body):
        ctx, res = self.server.ctx, info.resource
        store = ctx.store
        form = negotiate(self.headers.get("Accept"), "list")
        labels, fields = self._selectors(info, query)
        limit = parse_int(query.get("limit"), "limit") or 0
        if limit < 0:
            raise status.bad_request("limit must be non-negative")
        cont, rv, rvm = query.get("continue", ""), query.get("resourceVersion", ""), query.get("resourceVersionMatch", "")
        # ListOptions validation, in apimachinery's order.
        if rvm:
            if not rv:
                raise status.forbidden_list_option("resourceVersionMatch",
                                                   "resourceVersionMatch is forbidden unless resourceVersion is provided")
            if cont:
                raise status.forbidden_list_option("resourceVersionMatch",
                                                   "resourceVersionMatch is forbidden when continue is provided")
            if rvm not in ("Exact", "NotOlderThan"):
                raise APIError(422, f'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: '
                                    f'"{rvm}": supported values: "Exact", "NotOlderThan"', "Invalid")
            if rvm == "Exact" and rv == "0":
                raise status.forbidden_list_option("resourceVersionMatch",
                                                   'resourceVersionMatch "exact" is forbidden for resourceVersion "0"')
        if "sendInitialEvents" in query:
            raise status.forbidden_list_option("sendInitialEvents", "sendInitialEvents is forbidden for list")

        if cont:
            if rv not in ("", "0"):
                raise status.bad_request("specifying resource version is not allowed when using continue")
            list_rv, start = decode_continue(cont)
            try:
                items, list_rv = store.snapshot(res, None if list_rv < 0 else list_rv)
            except APIError:
                # The body's token continues inconsistently from the current state.
                raise status.expired(
                    "The provided continue parameter is too old to display a consistent list result. You can start "
                    "a new list without the continue parameter, or use the continue token in this response to "
                    "retrieve the remainder of the results. Continuing with the provided token results in an "
                    "inconsistent list - objects that were created, modified, or deleted between the time the first "
                    "chunk was returned and now may show up in the list.",
                    metadata={"continue": encode_continue(-1, start)})
        else:
            start = ""
            items, list_rv, source = self._list_state(res, rv, rvm, limit)
            if rv == "0" and source == "cache":
                limit = 0  # cacher.go computeListLimit: the watch cache ignores the limit for RV "0"
        ctx.stats.served_from(self._entry, "etcd" if cont else source)

        prefix = f"{info.namespace}/" if info.namespace is not None else ""
        matched = [(k, items[k]) for k in sorted(items)
                   if k >= start and k.startswith(prefix) and self._match(items[k], labels, fields)]
        meta = {"resourceVersion": str(list_rv)}
        if limit and len(matched) > limit:
            meta["continue"] = encode_continue(list_rv, matched[limit - 1][0] + "\x00")
            if not labels and not fields:
                meta["remainingItemCount"] = len(matched) - limit  # absent with selectors, as in apiserver
            matched = matched[:limit]
        if form == "partial":
            doc = {"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": meta,
                   "items": [partial(o) for _, o in matched]}
        else:
            doc = {"kind": res.list_kind, "apiVersion": res.group_version, "metadata": meta,
                   "items": [list_item(o, res) for _, o in matched]}
        self.send_json(200, doc)

    def _list_state(self, res, rv, rvm, limit):
        """(objects, rv, "cache"|"etcd") for a first LIST page, as cacher/delegator.go
        ShouldDelegateList and CacheDelegator.GetList decide (1.31–1.33 rules):
        - RV "0": the watch cache, whatever its age (stale under cache-lag);
        - RV N with a limit, or Exact: an exact read from etcd (410 if compacted);
        - RV N otherwise (NotOlderThan): the watch cache once it reaches N (watch_cache.go
          waitUntilFreshLocked), else 504 TooLarge with Retry-After 1 (storage/errors.go
          NewTooLargeResourceVersionError);
        - RV unset: consistent; from the cache with --consistent-list-from-cache on (it waits for the
          cache to reach etcd's RV, and falls back to etcd when it cannot), else etcd.
        With --watch-cache off everything is read from etcd, and RV "0" is paginated."""
        ctx, store = self.server.ctx, self.server.ctx.store
        cache = ctx.watch_cache
        n = self._parse_rv(rv) if rv not in ("", "0") else None
        if rv == "0" and cache:
            items, list_rv = store.cache_state(res)
            return items, list_rv, "cache"
        if n is not None and (rvm == "Exact" or (limit > 0 and not rvm)) or n is not None and not cache:
            if n > store.current_rv() and not store.wait_for_rv(n, ctx.cache_wait):
                raise status.too_large_rv(n, store.current_rv())
            exact = rvm == "Exact" or (limit > 0 and not rvm)
            items, list_rv = store.snapshot(res, n if exact else None)
            return items, list_rv, "etcd"
        if n is not None:
            if not store.wait_for_cache(res, n, ctx.cache_wait):
                with store.cond:
                    cache_rv = store.cache_rv_locked(res)
                raise status.too_large_rv(n, cache_rv)
            items, list_rv = store.cache_state(res)
            return items, list_rv, "cache"
        items, list_rv = store.snapshot(res)
        with store.cond:
            fresh = store.cache_rv_locked(res) >= store.rv
        return items, list_rv, "cache" if cache and ctx.consistent_list_from_cache and fresh else "etcd"

    @staticmethod
    def _match(obj, labels, fields):
        return labels.matches((obj.get("metadata") or {}).get("labels")) and fields.matches(obj)

    # ---- WATCH ----

    def do_watch(self, info, query, body):
        ctx, res = self.server.ctx, info.resource
        store = ctx.store
        form = negotiate(self.headers.get("Accept"), "watch")
        labels, fields = self._selectors(info, query)
        rv, rvm = query.get("resourceVersion", ""), query.get("resourceVersionMatch", "")
        send_initial = parse_bool(query["sendInitialEvents"], "sendInitialEvents") \
            if "sendInitialEvents" in query else None
        bookmarks = parse_bool(query.get("allowWatchBookmarks", "false"), "allowWatchBookmarks")
        if rvm and ctx.watchlist == "old-server":
            # 1.19–1.26 apimachinery ValidateListOptions
            raise status.forbidden_list_option("resourceVersionMatch", "resourceVersionMatch is forbidden for watch")
        if send_initial is not None:
            if rvm != "NotOlderThan":
                raise status.forbidden_list_option("resourceVersionMatch",
                                                   "sendInitialEvents requires setting resourceVersionMatch to "
                                                   "NotOlderThan")
            if ctx.watchlist == "off":
                raise status.forbidden_list_option("sendInitialEvents",
                                                   "sendInitialEvents is forbidden for watch unless the WatchList "
                                                   "feature gate is enabled")
        elif rvm:
            raise status.forbidden_list_option("resourceVersionMatch",
                                               "resourceVersionMatch is forbidden for watch unless sendInitialEvents "
                                               "is provided")
        if query.get("continue"):
            raise status.bad_request("continue is not supported for watch")
        timeout = parse_int(query.get("timeoutSeconds"), "timeoutSeconds") or ctx.pick_watch_timeout()
        start_rv = self._parse_rv(rv) if rv not in ("", "0") else None
        initial = send_initial if send_initial is not None else start_rv is None

        w = Watch(res, info.namespace, labels, fields)
        if send_initial:
            first, refusal = self._initial_events(w, start_rv, rv)
            if refusal is not None:
                return self._refuse_in_stream(refusal, form)
        else:
            with store.cond:
                if initial:
                    # Synthetic ADDEDs for the current state, then changes after it: atomically, so nothing falls between.
                    first = [(ADDED, o) for _, o in sorted(store.objects[res.name].items()) if w.matches(o)]
                    w.last_rv = store.rv
                else:
                    first = []
                    w.last_rv = store.rv if start_rv is None else start_rv
                store.watchers.add(w)
        try:
            self._stream(w, first, form, bookmarks, send_initial is True, timeout)
        finally:
            with store.cond:
                store.watchers.discard(w)
                store.cond.notify_all()  # reset() waits for watchers to leave

    def _initial_events(self, w, start_rv, rv):
        """A WatchList's initial state, as cacher.go Cacher.Watch serves it: R unset is consistent
        (the cache waits for etcd's RV), R "0" any cache state, R N waits for the cache to reach N
        (waitUntilWatchCacheFreshAndForceAllEvents), else an in-stream 504 TooLarge. The end bookmark
        carries the cache RV of the snapshot (getBookmarkAfterResourceVersionLockedFunc). Returns
        (events, None), or (None, the APIError to send in-stream). The watcher is registered."""
        ctx, store, res = self.server.ctx, self.server.ctx.store, w.resource
        if ctx.watchlist == "no-progress-notify":
            return None, APIError(500, PROGRESS_DISABLED, "InternalError")
        ctx.stats.served_from(self._entry, "cache" if ctx.watch_cache else "etcd")
        want = store.current_rv() if rv == "" else start_rv
        behind = want is not None and not store.wait_for_cache(res, want, ctx.cache_wait)
        if behind and rv != "":
            with store.cond:
                cache_rv = store.cache_rv_locked(res)
            return None, status.too_large_rv(want, cache_rv)
        with store.cond:
            frozen = None if behind else store.frozen_cache.get(res.name)  # consistent: etcd's state
            snapshot_rv, objects = frozen if frozen else (store.rv, store.objects[res.name])
            first = [(ADDED, o) for _, o in sorted(objects.items()) if w.matches(o)]
            w.last_rv = snapshot_rv
            store.watchers.add(w)
        return first, None

    def _refuse_in_stream(self, err, form):
        """HTTP 200, one ERROR event, a clean end: how errors after admission reach a watch
        (cacher.go newErrWatcher)."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._write_chunk(self._event("ERROR", err.body, form))
        self.wfile.write(b"0\r\n\r\n")

    def _write_chunk(self, data):
        if self._gzip_members:
            data = gzip.compress(data)
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.server.ctx.stats.sent(self._entry, len(data))

    def _event(self, etype, obj, form):
        if form == "partial" and etype != "ERROR":
            obj = partial(obj)
        return (dumps({"type": etype, "object": obj}) + "\n").encode()

    def _bookmark(self, res, rv, form, initial_end=False):
        meta = {"resourceVersion": str(rv)}
        if initial_end:
            meta["annotations"] = {INITIAL_EVENTS_END: "true"}
        if form == "partial":
            obj = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": meta}
        else:
            obj = {"kind": res.kind, "apiVersion": res.group_version, "metadata": meta}
        return (dumps({"type": "BOOKMARK", "object": obj}) + "\n").encode()

    def _client_gone(self):
        """True once the client has closed its side (FIN seen), checked without reading."""
        try:
            poller = select.poll()
            poller.register(self.connection.fileno(), select.POLLRDHUP | select.POLLHUP | select.POLLERR)
            return bool(poller.poll(0))
        except (OSError, ValueError):
            return True

    def _abort(self, rst):
        """End the connection without the terminating chunk: a truncated transfer for the client."""
        self.close_connection = True
        try:
            if rst:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.wfile.close()
                self.rfile.close()
                self.connection.close()
            else:
                self.connection.shutdown(socket.SHUT_RDWR)  # on TLS: no close_notify either
        except OSError:
            pass

    def _stream(self, w, first, form, bookmarks, initial_end_marker, timeout):
        ctx, store, res = self.server.ctx, self.server.ctx.store, w.resource
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Transfer-Encoding", "chunked")
        # WatchListCompression (endpoints/handlers/watch.go, perFlushGzipWriter): a WatchList to a client
        # that accepts gzip gets one gzip member per flush (here: per event).
        if initial_end_marker and ctx.watchlist_compression and "gzip" in (self.headers.get("Accept-Encoding") or ""):
            self.send_header("Content-Encoding", "gzip")
            self._gzip_members = True
        self.end_headers()
        deadline = time.monotonic() + timeout
        interval = ctx.bookmark_interval
        next_bookmark = time.monotonic() + interval
        try:
            if initial_end_marker and ctx.watch_bodies.mode(res.name) == "cut-before-marker":
                for etype, obj in first[: len(first) // 2]:
                    self._write_chunk(self._event(etype, obj, form))
                return self._abort(rst=False)
            for etype, obj in first:
                self._write_chunk(self._event(etype, obj, form))
            if initial_end_marker and bookmarks:
                self._write_chunk(self._bookmark(res, w.last_rv, form, initial_end=True))
            while True:
                expired, events = None, []
                with store.cond:
                    if w.action is None and (w.stalled or store.rv <= w.last_rv):
                        due = min(deadline, next_bookmark) if bookmarks else deadline
                        store.cond.wait(max(0.0, min(WATCH_POLL, due - time.monotonic())))
                    action = w.action
                    if action is None and not w.stalled:
                        try:
                            events = store.events_after(w.last_rv)
                            w.last_rv = max(w.last_rv, store.rv)  # a watch from a future RV stays there
                        except APIError as err:
                            expired = err
                    rv_now = w.last_rv
                    # No bookmark may promise an RV the server has not reached (watch from a future RV).
                    can_bookmark = bookmarks and store.rv >= w.last_rv
                if action in ("drop", "rst"):
                    return self._abort(rst=action == "rst")
                if action == "half":
                    line = self._bookmark(res, rv_now, "json")
                    self._write_chunk(line[: len(line) // 2])
                    return self._abort(rst=False)
                if action == "close":
                    break
                if self._client_gone():
                    self.close_connection = True
                    return
                hostile = ctx.watch_bodies.mode(res.name)
                if hostile in ("endless-line", "trickle-line"):
                    return self._hostile_line(w, hostile)
                if hostile == "garbage-line" and not w.garbage_sent:
                    w.garbage_sent = True
                    self._write_chunk(GARBAGE_LINE)
                if w.stalled:
                    continue  # hold the connection open, silent, until dropped or the client leaves
                if expired is not None:
                    self._write_chunk(self._event("ERROR", expired.body, form))
                    break
                for e in events:
                    out = w.translate(e)
                    if out is not None:
                        self._write_chunk(self._event(out[0], out[1], form))
                now = time.monotonic()
                if now >= deadline:
                    if can_bookmark:  # a last bookmark just before the timeout, as the watch cache does
                        self._write_chunk(self._bookmark(res, rv_now, form))
                    break
                if can_bookmark and now >= next_bookmark:
                    self._write_chunk(self._bookmark(res, rv_now, form))
                    next_bookmark = now + interval
            self.wfile.write(b"0\r\n\r\n")  # a clean end: the client may re-watch from its last RV
        except (ConnectionError, ssl.SSLError, TimeoutError, OSError):
            self.close_connection = True


    def _hostile_line(self, w, mode):
        """A line that never ends (endless-line), or valid lines sent one byte a second
        (trickle-line), until the client leaves, the mode is cleared or the watch is signalled;
        then the connection is cut."""
        bodies = self.server.ctx.watch_bodies
        if mode == "endless-line":
            self._write_chunk(b'{"type":"ADDED","object":{"metadata":{"name":"')
        line = self._bookmark(w.resource, w.last_rv, "json")
        sent = 0
        while bodies.mode(w.resource.name) == mode and w.action is None and not self._client_gone():
            if mode == "endless-line":
                self._write_chunk(ENDLESS_PIECE)
                time.sleep(ENDLESS_PAUSE)
            else:
                self._write_chunk(line[sent % len(line):][:1])
                sent += 1
                time.sleep(1)
        self._abort(rst=False)


def pick_timeout(spec):
    """--default-watch-timeout: "N" or "MIN-MAX" seconds (random, like apiserver's default)."""
    lo, _, hi = str(spec).partition("-")
    lo = float(lo)
    hi = float(hi) if hi else lo
    return lo if hi <= lo else random.uniform(lo, hi)

