"""Test-side helpers: launch the fake, drive its control channel, speak HTTP and read watches.

The watch reader parses chunked framing itself (rather than via http.client) so
tests can tell a clean end (terminating chunk) from a dropped connection and see
a half-sent line.
"""

import http.client
import json
import os
import queue
import socket
import ssl
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

HERE = os.path.dirname(os.path.abspath(__file__))
APISERVER = os.path.join(HERE, "apiserver.py")
_DEFAULT = object()


class ControlError(AssertionError):
    pass


class Response:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<Response {self.status} {self.raw[:300]!r}>"


class FakeAPIServer:
    """One fake apiserver process. Arguments are apiserver.py flags."""

    def __init__(self, *args, workdir, name="apiserver", listen="127.0.0.1:0"):
        self.args = list(args)
        self.workdir = str(workdir)
        self.name = name
        self.listen = listen
        self.proc = None
        self.log_path = os.path.join(self.workdir, f"{name}.log")

    # ---- lifecycle ----

    def start(self, timeout=20):
        return self.launch().wait_ready(timeout)

    def launch(self):
        """Start the process without waiting for it (see wait_ready)."""
        log = open(self.log_path, "ab")
        cmd = [sys.executable, APISERVER, "--listen", self.listen, *self.args]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, bufsize=0)
        log.close()
        self._lines = queue.Queue()
        threading.Thread(target=self._read_stdout, args=(self.proc.stdout, self._lines), daemon=True).start()
        return self

    def wait_ready(self, timeout=20):
        """Read the startup line: the server is listening once it has been printed."""
        info = json.loads(self._next_line(timeout, "the startup line"))
        self.info = info
        self.url, self.ca, self.token = info["url"], info["ca"], info["token"]
        u = urlsplit(self.url)
        self.host, self.port, self.tls = u.hostname, u.port, u.scheme == "https"
        return self

    @staticmethod
    def _read_stdout(stream, lines):
        for line in iter(stream.readline, b""):
            lines.put(line)
        lines.put(None)

    def _next_line(self, timeout, what):
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"fake apiserver gave no {what} within {timeout}s; log:\n{self.log_tail()}")
        if line is None:
            raise AssertionError(f"fake apiserver exited before {what} (rc={self.proc.poll()}); log:\n{self.log_tail()}")
        return line

    def stop(self, timeout=10, wait=True):
        """Close stdin (the server's cue to exit) and wait; kill if it lingers. Returns the exit code."""
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        if not wait:
            return None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"fake apiserver did not exit within {timeout}s of stdin closing")

    def kill(self):
        self.proc.kill()
        self.proc.wait()

    def log_tail(self, n=40):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return ""

    # ---- control channel ----

    def control(self, op, check=True, timeout=10, **fields):
        self.proc.stdin.write((json.dumps({"op": op, **fields}) + "\n").encode())
        self.proc.stdin.flush()
        reply = json.loads(self._next_line(timeout, f"reply to {op}"))
        if check and not reply.get("ok"):
            raise ControlError(f"{op} failed: {reply}")
        return reply

    def apply(self, obj):
        return self.control("apply", object=obj)["object"]

    def stats(self):
        return self.control("stats")

    # ---- HTTP ----

    def ssl_context(self, cafile=None):
        ctx = ssl.create_default_context(cafile=cafile or self.ca)
        return ctx

    def connection(self, timeout=10, cafile=None):
        if self.tls:
            return http.client.HTTPSConnection(self.host, self.port, timeout=timeout,
                                               context=self.ssl_context(cafile))
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)

    def _auth_headers(self, token, headers):
        h = {"Accept": "application/json"}
        token = self.token if token is _DEFAULT else token
        if token:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        return h

    def request(self, method, path, body=None, token=_DEFAULT, headers=None, timeout=10, cafile=None):
        h = self._auth_headers(token, headers)
        data = None
        if body is not None:
            data = body if isinstance(body, (bytes, str)) else json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        conn = self.connection(timeout, cafile)
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def watch(self, path, token=_DEFAULT, headers=None, timeout=10):
        return WatchStream(self, path, self._auth_headers(token, headers), timeout)


class StreamEnded(Exception):
    """The watch ended: clean=True after the terminating chunk, False on a cut connection."""

    def __init__(self, clean, leftover=b""):
        super().__init__(f"watch ended ({'clean' if clean else 'cut'}); leftover {leftover!r}")
        self.clean = clean
        self.leftover = leftover


class WatchStream:
    def __init__(self, server, path, headers, timeout):
        sock = socket.create_connection((server.host, server.port), timeout=timeout)
        if server.tls:
            sock = server.ssl_context().wrap_socket(sock, server_hostname=server.host)
        self.sock = sock
        self.buf = b""
        self.lines = b""  # de-chunked bytes not yet forming a full line
        self.chunks = []  # raw chunk payloads, for framing assertions
        self.ended = None
        head = [f"GET {path} HTTP/1.1", f"Host: {server.host}:{server.port}"]
        head += [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self.buf:
            self._recv(deadline)
        header, self.buf = self.buf.split(b"\r\n\r\n", 1)
        lines = header.decode().split("\r\n")
        self.status = int(lines[0].split()[1])
        self.headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
        self.body = None
        if "content-length" in self.headers:  # an error answered before streaming
            n = int(self.headers["content-length"])
            while len(self.buf) < n:
                self._recv(deadline)
            self.body = json.loads(self.buf[:n])

    def _recv(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no data from the watch in time")
        self.sock.settimeout(left)
        try:
            data = self.sock.recv(65536)
        except ConnectionResetError:
            data = b""
        except ssl.SSLError as e:  # a TLS connection cut without close_notify
            if "EOF" not in str(e) and "UNEXPECTED" not in str(e):
                raise
            data = b""
        if not data:
            self.ended = StreamEnded(False, self.lines)
            raise self.ended
        self.buf += data

    def _next_chunk(self, deadline):
        while b"\r\n" not in self.buf:
            self._recv(deadline)
        size_line, rest = self.buf.split(b"\r\n", 1)
        size = int(size_line.split(b";")[0], 16)
        while len(rest) < size + 2:
            self._recv(deadline)
            size_line, rest = self.buf.split(b"\r\n", 1)
        self.buf = rest[size + 2:]
        return rest[:size]

    def next_event(self, timeout=5):
        """The next event as a dict; raises StreamEnded or TimeoutError."""
        if self.ended:
            raise self.ended
        if self.body is not None:
            raise AssertionError(f"not a watch stream: HTTP {self.status} {self.body}")
        deadline = time.monotonic() + timeout
        while b"\n" not in self.lines:
            chunk = self._next_chunk(deadline)
            if chunk == b"":
                self.ended = StreamEnded(True, self.lines)
                raise self.ended
            self.chunks.append(chunk)
            self.lines += chunk
        line, self.lines = self.lines.split(b"\n", 1)
        return json.loads(line)

    def events(self, n, timeout=5, skip_bookmarks=True):
        out, deadline = [], time.monotonic() + timeout
        while len(out) < n:
            ev = self.next_event(max(0.01, deadline - time.monotonic()))
            if skip_bookmarks and ev["type"] == "BOOKMARK":
                continue
            out.append(ev)
        return out

    def rest(self, timeout=5):
        """Every event until the stream ends; returns (events, StreamEnded)."""
        out = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                out.append(self.next_event(max(0.01, deadline - time.monotonic())))
            except StreamEnded as end:
                return out, end

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def pod(name, namespace="default", labels=None, node=None, ip=None, phase=None):
    obj = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": namespace, "labels": labels or {}},
           "spec": {"containers": [{"name": "c", "image": "busybox"}]}}
    if node:
        obj["spec"]["nodeName"] = node
    if ip or phase:
        obj["status"] = {"phase": phase or "Running"}
        if ip:
            obj["status"]["podIP"] = ip
            obj["status"]["podIPs"] = [{"ip": ip}]
    return obj


def namespace(name, labels=None):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels or {}}}


def netpol(name, namespace="default", pod_selector=None):
    return {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"podSelector": pod_selector or {}, "policyTypes": ["Ingress"]}}


def node(name, pod_cidrs, internal_ips):
    return {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name},
            "spec": {"podCIDR": pod_cidrs[0], "podCIDRs": pod_cidrs},
            "status": {"addresses": [{"type": "InternalIP", "address": ip} for ip in internal_ips]
                       + [{"type": "Hostname", "address": name}]}}


def rv(obj):
    return int(obj["metadata"]["resourceVersion"])
