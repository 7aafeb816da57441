"""Fault switches and statistics: injected statuses, dropped/stalled/half-line watches."""

import time

import pytest

from harness import ControlError, pod
from test_crud import assert_status

PODS = "/api/v1/namespaces/default/pods"


def wait_open_watches(server, n, resource="pods", timeout=5):
    deadline = time.monotonic() + timeout
    while server.stats()["openWatches"].get(resource, 0) != n:
        assert time.monotonic() < deadline, server.stats()
        time.sleep(0.02)


def test_injected_failures(server):
    server.control("fail", status=500, count=2)
    body = assert_status(server.get(PODS), 500, "InternalError")
    assert "injected" in body["message"]
    assert_status(server.get("/api/v1"), 500, "InternalError")  # any request, discovery included
    assert server.get(PODS).status == 200

    server.control("fail", status=429, count=1, retryAfter=2)
    resp = server.get(PODS)
    body = assert_status(resp, 429, "TooManyRequests")
    assert resp.headers["retry-after"] == "2" and body["details"]["retryAfterSeconds"] == 2

    # Targeted: only watches of pods fail; a LIST passes untouched.
    server.control("fail", status=500, count=1, verb="watch", resource="pods")
    assert server.get(PODS).status == 200
    assert_status(server.get(f"{PODS}?watch=1"), 500, "InternalError")

    server.control("fail", status=504, count=1, reason="Timeout", message="Too large resource version")
    assert server.stats()["pendingFailures"] == 1
    assert_status(server.get(PODS), 504, "Timeout")
    server.control("fail", status=503, count=5)
    server.control("clear-faults")
    assert server.get(PODS).status == 200


def test_drop_watches_then_client_rewatches(server):
    start = server.control("ping")["resourceVersion"]
    w = server.watch(f"{PODS}?watch=1&resourceVersion={start}")
    a = server.control("apply", object=pod("a"))["object"]
    assert w.events(1)[0]["type"] == "ADDED"
    wait_open_watches(server, 1)
    server.control("reset-stats")

    assert server.control("drop-watches")["watches"] == 1
    _, end = w.rest()
    assert not end.clean  # cut mid-stream: no terminating chunk
    wait_open_watches(server, 0)

    # What a good client does next: WATCH from its last RV, no LIST. The stats prove which.
    with server.watch(f"{PODS}?watch=1&resourceVersion={a['metadata']['resourceVersion']}") as again:
        server.control("apply", object=pod("b"))
        assert again.events(1)[0]["object"]["metadata"]["name"] == "b"
        counts = server.stats()["requests"]
        assert counts.get("watch:pods") == 1 and "list:pods" not in counts
        log = server.control("requests")["requests"]
        assert log[-1]["query"] == {"watch": "1", "resourceVersion": a["metadata"]["resourceVersion"]}
        assert log[-1]["status"] == 200


def test_drop_watches_with_reset(server):
    w = server.watch(f"{PODS}?watch=1")
    wait_open_watches(server, 1)
    server.control("drop-watches", rst=True)
    _, end = w.rest()
    assert not end.clean


def test_stall_watches(server):
    w = server.watch(f"{PODS}?watch=1&allowWatchBookmarks=true&timeoutSeconds=1")
    wait_open_watches(server, 1)
    server.control("stall-watches")
    server.control("apply", object=pod("ignored"))
    # Nothing arrives: no event, no bookmark, and no clean close at the timeout either.
    with pytest.raises(TimeoutError):
        w.next_event(timeout=1.2)
    assert server.stats()["openWatches"] == {"pods": 1}
    # New watches are not stalled.
    with server.watch(f"{PODS}?watch=1") as fresh:
        assert fresh.events(1)[0]["object"]["metadata"]["name"] == "ignored"
    server.control("drop-watches")
    _, end = w.rest()
    assert not end.clean
    w.close()


def test_half_line(server):
    w = server.watch(f"{PODS}?watch=1")
    wait_open_watches(server, 1)
    server.control("half-line")
    _, end = w.rest()
    assert not end.clean
    assert end.leftover.startswith(b'{"type":') and not end.leftover.endswith(b"\n")


def test_close_watches_is_clean(server):
    w = server.watch(f"{PODS}?watch=1")
    wait_open_watches(server, 1)
    server.control("close-watches")
    _, end = w.rest()
    assert end.clean


def test_stats_by_kind(server):
    server.control("reset-stats")
    server.get("/api")
    server.get("/apis/networking.k8s.io/v1")
    server.get(PODS)
    server.get("/api/v1/pods")
    server.get("/apis/networking.k8s.io/v1/networkpolicies")
    server.request("POST", PODS, pod("a"))
    server.get(f"{PODS}/a")
    with server.watch("/api/v1/namespaces?watch=1"):
        wait_open_watches(server, 1, "namespaces")
        stats = server.stats()
    assert stats["requests"] == {"discovery": 2, "list:pods": 2, "list:networkpolicies": 1, "create:pods": 1,
                                 "get:pods": 1, "watch:namespaces": 1}
    assert stats["openWatches"] == {"namespaces": 1}
    assert stats["objects"]["pods"] == 1


def test_watch_body_endless_line(server):
    w = server.watch(f"{PODS}?watch=1")
    wait_open_watches(server, 1)
    server.control("watch-body", mode="endless-line", resource="pods")
    received, deadline = 0, time.monotonic() + 5
    while received < 4 << 20:  # megabytes and still no newline
        assert time.monotonic() < deadline, received
        chunk = w._next_chunk(deadline)
        assert b"\n" not in chunk
        received += len(chunk)
    w.close()
    server.control("clear-faults")
    wait_open_watches(server, 0)


def test_watch_body_trickle_line_one_byte_a_second(server):
    server.control("watch-body", mode="trickle-line")  # any resource, new watches too
    with server.watch(f"{PODS}?watch=1") as w:
        started = time.monotonic()
        first, second, third = (w._next_chunk(started + 5) for _ in range(3))
        assert (first, second, third) == (b'{', b'"', b't')  # the start of a valid event line
        assert 1.5 < time.monotonic() - started < 4
    server.control("clear-faults")
    wait_open_watches(server, 0)


def test_watch_body_garbage_line_then_events(server):
    server.control("watch-body", mode="garbage-line", resource="pods")
    with server.watch(f"{PODS}?watch=1") as w:
        wait_open_watches(server, 1)
        deadline = time.monotonic() + 5
        while b"\n" not in w.lines:
            w.lines += w._next_chunk(deadline)
        assert w.lines == b"<html><body>502 Bad Gateway</body></html>\n"
        w.lines = b""
        server.control("apply", object=pod("after-garbage"))
        assert w.events(1)[0]["object"]["metadata"]["name"] == "after-garbage"
    # Other resources stream normally.
    with server.watch("/api/v1/namespaces?watch=1") as ns:
        assert ns.events(1)[0]["type"] == "ADDED"
    server.control("clear-faults")


def test_watch_body_rejects_unknown_modes(server):
    with pytest.raises(ControlError, match="unknown watch-body mode"):
        server.control("watch-body", mode="silly")
