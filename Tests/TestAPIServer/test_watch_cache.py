"""The watch cache, WatchList by server version, 429 forms and cache restarts, as kube-apiserver
serves them (each behaviour cites its apiserver function in http_api.py / store.py / status.py)."""

import gzip
import http.client
import time

from harness import pod
from test_crud import assert_status

PODS = "/api/v1/namespaces/default/pods"
WATCHLIST = "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"


def names(resp):
    return sorted(i["metadata"]["name"] for i in resp.json["items"])


def served(server):
    return server.stats()["servedFrom"]


def test_rv0_list_is_served_whole_from_the_cache(server, start_server):
    for n in "abc":
        server.control("apply", object=pod(n))
    server.control("reset-stats")
    whole = server.get(f"{PODS}?resourceVersion=0&limit=1").json  # computeListLimit: limit ignored
    assert len(whole["items"]) == 3 and "continue" not in whole["metadata"]
    assert len(server.get(f"{PODS}?limit=1").json["items"]) == 1  # consistent: paginated, from etcd
    assert served(server) == {"list:pods@cache": 1, "list:pods@etcd": 1}

    no_cache = start_server("--watch-cache", "off")
    for n in "abc":
        no_cache.control("apply", object=pod(n))
    page = no_cache.get(f"{PODS}?resourceVersion=0&limit=1").json
    assert len(page["items"]) == 1 and page["metadata"]["continue"]


def test_frozen_cache_is_stale_at_rv0_and_too_large_for_newer_versions(server):
    server.control("apply", object=pod("a"))
    server.control("cache-lag", resource="pods", frozen=True)
    newer = server.control("apply", object=pod("b"))["object"]["metadata"]["resourceVersion"]
    assert names(server.get(f"{PODS}?resourceVersion=0")) == ["a"]  # any age
    started = time.monotonic()
    resp = server.get(f"{PODS}?resourceVersion={newer}")
    body = assert_status(resp, 504, "Timeout")
    assert time.monotonic() - started >= 0.5  # waitUntilFreshLocked waited first
    assert body["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"
    assert resp.headers["retry-after"] == "1" and body["details"]["retryAfterSeconds"] == 1
    assert names(server.get(f"{PODS}?limit=500")) == ["a", "b"]  # consistent: from etcd
    server.control("cache-lag", resource="pods", frozen=False)
    assert names(server.get(f"{PODS}?resourceVersion={newer}")) == ["a", "b"]


def test_watchlist_honours_its_resource_version(server):
    server.control("apply", object=pod("a"))
    server.control("cache-lag", resource="pods", frozen=True)
    at_freeze = server.control("ping")["resourceVersion"]
    server.control("apply", object=pod("b"))
    with server.watch(f"{PODS}?{WATCHLIST}&resourceVersion=0") as w:  # any cache state
        added, marker = w.next_event(), w.next_event()
        assert added["object"]["metadata"]["name"] == "a"
        assert marker["object"]["metadata"]["resourceVersion"] == at_freeze  # the cache's RV
    with server.watch(f"{PODS}?{WATCHLIST}") as w:  # unset: consistent, etcd once the cache lags
        events = [w.next_event() for _ in range(3)]
        assert [e["object"]["metadata"].get("name") for e in events[:2]] == ["a", "b"]
    future = int(server.control("ping")["resourceVersion"]) + 5
    with server.watch(f"{PODS}?{WATCHLIST}&resourceVersion={future}") as w:
        (err,), end = w.rest()
        assert err["type"] == "ERROR" and err["object"]["code"] == 504 and end.clean
    assert server.stats()["requests"]["watchlist:pods"] == 3


def test_watchlist_refusals_by_server_version(server):
    server.control("watchlist", mode="old-server")
    body = assert_status(server.get(f"{PODS}?{WATCHLIST}"), 422, "Invalid")
    assert "resourceVersionMatch is forbidden for watch" in body["message"]
    server.control("watchlist", mode="no-progress-notify")
    with server.watch(f"{PODS}?{WATCHLIST}") as w:
        (err,), end = w.rest()
        assert err["type"] == "ERROR" and err["object"]["code"] == 500
        assert "RequestWatchProgress is disabled" in err["object"]["message"]


def test_429_forms(server):
    server.control("fail", status=429, count=1, verb="list", form="apf", retryAfter=3)
    resp = server.get(PODS)
    assert resp.status == 429 and resp.headers["retry-after"] == "3"
    assert resp.headers["content-type"].startswith("text/plain") and b"Too many requests" in resp.raw
    assert resp.headers["x-kubernetes-pf-flowschema-uid"]
    server.control("fail", status=429, count=1, verb="watch", form="unready-cache", retryAfter=2)
    body = assert_status(server.get(f"{PODS}?{WATCHLIST}"), 429, "TooManyRequests")  # a WatchList is a watch
    assert body["details"]["retryAfterSeconds"] == 2
    server.control("fail", status=429, count=1, form="shutdown")
    resp = server.get(PODS)
    assert resp.status == 429 and resp.headers["retry-after"] == "5" and resp.headers["connection"] == "close"
    server.control("fail", status=429, count=1, form="none")
    resp = server.get(PODS)
    assert resp.status == 429 and "retry-after" not in resp.headers


def test_restart_cache_is_unready_then_forgets_history(server):
    old = server.control("apply", object=pod("a"))["object"]["metadata"]["resourceVersion"]
    server.control("apply", object=pod("b"))
    server.control("restart-cache", unreadySeconds=1)
    body = assert_status(server.get(f"{PODS}?resourceVersion=0"), 429, "TooManyRequests")
    assert body["details"]["retryAfterSeconds"] == 1  # clamp(e^(0.06 * downtime), 1, 30)
    deadline = time.monotonic() + 5
    while server.get(f"{PODS}?resourceVersion=0").status == 429:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    with server.watch(f"{PODS}?watch=1&resourceVersion={old}") as w:
        (err,), _ = w.rest()
        assert err["object"]["code"] == 410


def test_watchlist_compression_sends_a_gzip_member_per_flush(start_server):
    s = start_server("--watchlist-compression", "on")
    s.control("apply", object=pod("a"))
    s.control("apply", object=pod("b"))
    host, port = s.url.split("//")[1].rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    conn.request("GET", f"{PODS}?{WATCHLIST}&timeoutSeconds=1", headers={"Accept-Encoding": "gzip"})
    resp = conn.getresponse()
    body = resp.read()
    assert resp.getheader("Content-Encoding") == "gzip"
    assert body.count(b"\x1f\x8b\x08") >= 3  # ADDED, ADDED, the end bookmark: a member each
    lines = gzip.decompress(body).decode().splitlines()
    assert "k8s.io/initial-events-end" in lines[2]
    conn.request("GET", f"{PODS}?{WATCHLIST}&timeoutSeconds=1")  # no Accept-Encoding: plain
    plain = conn.getresponse()
    assert plain.getheader("Content-Encoding") is None and b"initial-events-end" in plain.read()


def test_cut_before_marker(server):
    for n in "abcd":
        server.control("apply", object=pod(n))
    server.control("watch-body", mode="cut-before-marker", resource="pods")
    with server.watch(f"{PODS}?{WATCHLIST}") as w:
        events, end = w.rest()
        assert [e["type"] for e in events] == ["ADDED", "ADDED"] and not end.clean
