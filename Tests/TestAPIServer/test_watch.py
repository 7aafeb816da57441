"""WATCH: replay from an RV, synthetic ADDEDs, selectors, bookmarks, timeouts, 410, WatchList."""

import time

import pytest

from harness import pod, rv
from test_crud import assert_status

PODS = "/api/v1/namespaces/default/pods"


def brief(events):
    return [(e["type"], e["object"]["metadata"].get("name")) for e in events]


def test_list_then_watch_from_list_rv(server):
    server.control("apply", object=pod("old"))
    listing = server.get(PODS).json
    list_rv = listing["metadata"]["resourceVersion"]
    with server.watch(f"{PODS}?watch=1&resourceVersion={list_rv}") as w:
        assert w.status == 200 and w.headers["transfer-encoding"] == "chunked"
        assert w.headers["content-type"] == "application/json"
        a = server.control("apply", object=pod("a"))["object"]
        m = server.control("apply", object=pod("a", labels={"v": "2"}))["object"]
        d = server.control("delete", kind="Pod", name="a")["object"]
        added, modified, deleted = w.events(3)
        assert brief([added, modified, deleted]) == [("ADDED", "a"), ("MODIFIED", "a"), ("DELETED", "a")]
        assert added["object"] == a and modified["object"] == m
        assert added["object"]["kind"] == "Pod" and added["object"]["apiVersion"] == "v1"
        # DELETED: the last state, with the deletion's own (new) RV.
        assert deleted["object"]["metadata"]["labels"] == {"v": "2"}
        assert rv(deleted["object"]) == rv(m) + 1 and rv(d) == rv(m)
        # Framing: one newline-terminated JSON event per chunk.
        assert all(c.endswith(b"\n") and c.count(b"\n") == 1 for c in w.chunks)


@pytest.mark.parametrize("start", ["", "0"])
def test_watch_without_rv_sends_current_state_first(server, start):
    server.control("apply", object=pod("a"))
    server.control("apply", object=pod("b"))
    server.control("apply", object=pod("other", "elsewhere"))
    with server.watch(f"{PODS}?watch=true&resourceVersion={start}") as w:
        assert brief(w.events(2)) == [("ADDED", "a"), ("ADDED", "b")]
        server.control("apply", object=pod("c"))
        assert brief(w.events(1)) == [("ADDED", "c")]


def test_watch_from_older_rv_replays(server):
    a = server.control("apply", object=pod("a"))["object"]
    server.control("apply", object=pod("b"))
    server.control("apply", object=pod("a", labels={"x": "1"}))
    with server.watch(f"/api/v1/pods?watch=1&resourceVersion={rv(a)}") as w:
        assert brief(w.events(2)) == [("ADDED", "b"), ("MODIFIED", "a")]


def test_watch_from_future_rv_waits_for_it(server):
    now = int(server.control("ping")["resourceVersion"])
    with server.watch(f"{PODS}?watch=1&resourceVersion={now + 1}&allowWatchBookmarks=true") as w:
        server.control("apply", object=pod("a"))  # takes RV now+1: not after now+1, so not sent
        server.control("apply", object=pod("b"))
        assert brief(w.events(1)) == [("ADDED", "b")]


def test_selector_transitions(server):
    p = server.control("apply", object=pod("p", labels={"app": "web"}))["object"]
    start = p["metadata"]["resourceVersion"]
    with server.watch(f"{PODS}?watch=1&resourceVersion={start}&labelSelector=app%3Dweb") as by_label, \
            server.watch(f"/api/v1/pods?watch=1&resourceVersion={start}&fieldSelector=spec.nodeName%3Dnode-a") \
            as by_node:
        server.control("apply", object=pod("p", labels={"app": "db"}))  # leaves the label selector
        server.control("apply", object=pod("p", labels={"app": "web"}))  # comes back
        server.control("apply", object=pod("p", labels={"app": "web"}, node="node-a"))  # scheduled
        left, back, mod = by_label.events(3)
        assert brief([left, back, mod]) == [("DELETED", "p"), ("ADDED", "p"), ("MODIFIED", "p")]
        # Leaving: the previous state (still matching) with the new RV.
        assert left["object"]["metadata"]["labels"] == {"app": "web"} and rv(left["object"]) == rv(p) + 1
        (scheduled,) = by_node.events(1)
        assert scheduled["type"] == "ADDED" and scheduled["object"]["spec"]["nodeName"] == "node-a"


def test_namespaced_watch_and_object_path_watch(server):
    start = server.control("ping")["resourceVersion"]
    with server.watch(f"/api/v1/namespaces/one/pods?watch=1&resourceVersion={start}") as ns_w, \
            server.watch(f"/api/v1/watch/namespaces/one/pods/target?resourceVersion={start}") as obj_w:
        server.control("apply", object=pod("x", "two"))
        server.control("apply", object=pod("other", "one"))
        server.control("apply", object=pod("target", "one"))
        assert brief(ns_w.events(2)) == [("ADDED", "other"), ("ADDED", "target")]
        assert brief(obj_w.events(1)) == [("ADDED", "target")]


def test_bookmarks_and_clean_timeout(server):
    start = server.control("ping")["resourceVersion"]
    t0 = time.monotonic()
    with server.watch(f"{PODS}?watch=1&resourceVersion={start}&allowWatchBookmarks=true&timeoutSeconds=1") as w:
        server.control("apply", object=pod("a"))
        events, end = w.rest(timeout=5)
    elapsed = time.monotonic() - t0
    assert end.clean and 0.9 <= elapsed < 5, (end, elapsed)
    assert events[0]["type"] == "ADDED"
    bookmarks = [e for e in events if e["type"] == "BOOKMARK"]
    assert len(bookmarks) >= 2 and events[-1]["type"] == "BOOKMARK"  # periodic, then one just before the end
    current = server.control("ping")["resourceVersion"]
    for b in bookmarks:
        assert set(b["object"]) == {"kind", "apiVersion", "metadata"}
        assert b["object"]["kind"] == "Pod" and set(b["object"]["metadata"]) == {"resourceVersion"}
    assert bookmarks[-1]["object"]["metadata"]["resourceVersion"] == current


def test_no_bookmarks_unless_asked_and_default_timeout(start_server):
    s = start_server("--bookmark-interval", "0.1", "--default-watch-timeout", "0.5")
    with s.watch(f"{PODS}?watch=1") as w:
        events, end = w.rest(timeout=5)
    assert end.clean and [e["type"] for e in events] == []


def test_watch_from_evicted_rv_gets_410_in_stream(start_server):
    s = start_server("--history", "5")
    first = s.control("apply", object=pod("p0"))["object"]
    for i in range(1, 10):
        s.control("apply", object=pod(f"p{i}"))
    with s.watch(f"{PODS}?watch=1&resourceVersion={rv(first)}") as w:
        assert w.status == 200  # the error comes in-stream, after the 200
        events, end = w.rest()
    (err,) = events
    assert err["type"] == "ERROR" and end.clean
    status = err["object"]
    assert status["kind"] == "Status" and status["code"] == 410 and status["reason"] == "Expired"
    floor = s.stats()["historyFloor"]
    assert status["message"] == f"too old resource version: {rv(first)} ({floor})"
    # The last 5 events are still there.
    with s.watch(f"{PODS}?watch=1&resourceVersion={floor}") as w:
        assert len(w.events(5)) == 5


def test_compact_then_watch(server):
    a = server.control("apply", object=pod("a"))["object"]
    server.control("apply", object=pod("b"))
    now = server.control("compact")["resourceVersion"]
    with server.watch(f"{PODS}?watch=1&resourceVersion={rv(a)}") as w:
        (err,), end = w.rest()
        assert err["type"] == "ERROR" and err["object"]["code"] == 410
    with server.watch(f"{PODS}?watch=1&resourceVersion={now}") as w:  # current RV: fine
        server.control("apply", object=pod("c"))
        assert brief(w.events(1)) == [("ADDED", "c")]


def test_watchlist(server):
    server.control("apply", object=pod("a"))
    q = "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true"
    with server.watch(f"{PODS}?{q}") as w:
        added = w.next_event()
        end_marker = w.next_event()
        assert added["type"] == "ADDED"
        assert end_marker["type"] == "BOOKMARK"
        assert end_marker["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
        assert end_marker["object"]["metadata"]["resourceVersion"] == server.control("ping")["resourceVersion"]
        server.control("apply", object=pod("b"))
        assert brief(w.events(1)) == [("ADDED", "b")]

    body = assert_status(server.get(f"{PODS}?watch=1&sendInitialEvents=true"), 422, "Invalid")
    assert "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan" in body["message"]
    assert_status(server.get(f"{PODS}?watch=1&resourceVersionMatch=NotOlderThan"), 422, "Invalid")
    server.control("watchlist", enabled=False)  # a gate-off server, to exercise the client's fallback
    body = assert_status(server.get(f"{PODS}?{q}"), 422, "Invalid")
    assert "unless the WatchList feature gate is enabled" in body["message"]


def test_partial_metadata_watch(server):
    accept = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json"
    with server.watch("/api/v1/namespaces?watch=1&allowWatchBookmarks=true", headers={"Accept": accept}) as w:
        first = w.next_event()
        assert first["type"] == "ADDED" and first["object"]["kind"] == "PartialObjectMetadata"
        assert "spec" not in first["object"]


def test_client_disconnect_is_noticed(server):
    w = server.watch(f"{PODS}?watch=1")
    deadline = time.monotonic() + 5
    while server.stats()["openWatches"].get("pods") != 1:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    w.close()
    while server.stats()["openWatches"].get("pods"):
        assert time.monotonic() < deadline, "closed watch still counted as open"
        time.sleep(0.05)


def test_watch_errors_before_streaming_are_plain_statuses(server):
    assert_status(server.get(f"{PODS}?watch=1&labelSelector=a%20in%20("), 400, "BadRequest")
    assert_status(server.get(f"{PODS}?watch=1&resourceVersion=xyz"), 400, "BadRequest")
    assert_status(server.get(f"{PODS}?watch=1&resourceVersionMatch=Exact"), 422, "Invalid")
