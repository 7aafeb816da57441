"""Persistence across restarts, exit on SIGTERM / stdin close, the startup line."""

import json
import os
import signal
import time

from harness import FakeAPIServer, namespace, pod, rv


def test_state_survives_a_crash_with_continuous_rvs(start_server, tmp_path):
    state = str(tmp_path / "state.json")
    first = start_server("--state", state, name="before")
    ns = first.request("POST", "/api/v1/namespaces", namespace("team")).json
    p = first.request("POST", "/api/v1/namespaces/team/pods", pod("p", "team")).json
    last = first.control("apply", object=pod("q", "team", ip="10.0.0.7"))["object"]
    first.kill()  # no chance to save anything more: every write was already on disk
    first.killed = True

    second = start_server("--state", state, name="after")
    assert second.info["resourceVersion"] == last["metadata"]["resourceVersion"]
    got = second.get("/api/v1/namespaces/team/pods/p").json
    assert got == p
    assert second.get("/api/v1/namespaces/team").json["metadata"]["uid"] == ns["metadata"]["uid"]
    assert second.get("/api/v1/namespaces/team/pods/q").json["status"]["podIP"] == "10.0.0.7"
    listing = second.get("/api/v1/pods").json
    assert listing["metadata"]["resourceVersion"] == last["metadata"]["resourceVersion"]

    # A client synced to the last RV re-watches without a gap; an older RV is 410 (history restarted).
    with second.watch(f"/api/v1/pods?watch=1&resourceVersion={rv(last)}") as w:
        nxt = second.control("apply", object=pod("r", "team"))["object"]
        (ev,) = w.events(1)
        assert ev["type"] == "ADDED" and rv(nxt) == rv(last) + 1
    with second.watch(f"/api/v1/pods?watch=1&resourceVersion={rv(p)}") as w:
        (err,), _ = w.rest()
        assert err["type"] == "ERROR" and err["object"]["code"] == 410

    # The seed namespaces are not re-created on a restart with state.
    names = [n["metadata"]["name"] for n in second.get("/api/v1/namespaces").json["items"]]
    assert names == ["default", "kube-system", "team"]
    with open(state) as f:
        assert json.load(f)["rv"] == rv(nxt)


def test_bare_start_and_startup_line(start_server, tmp_path):
    kubeconfig = tmp_path / "kc"
    s = start_server("--bare", "--token", "t0k", "--kubeconfig-out", str(kubeconfig))
    info = s.info
    assert info["url"].startswith("http://127.0.0.1:") and info["ca"] is None and info["token"] == "t0k"
    assert info["kubeconfig"] == str(kubeconfig) and info["resourceVersion"] == "0"
    assert s.get("/api/v1/namespaces").json["items"] == []
    config = json.loads(kubeconfig.read_text())
    assert config["clusters"][0]["cluster"] == {"server": info["url"]}
    assert config["users"][0]["user"] == {"token": "t0k"}


def test_exits_cleanly_on_stdin_close_and_sigterm(tmp_path):
    for how in ("stdin", "sigterm"):
        s = FakeAPIServer(workdir=tmp_path, name=f"exit-{how}").start()
        w = s.watch("/api/v1/pods?watch=1")
        deadline = time.monotonic() + 5
        while not s.stats()["openWatches"]:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        t0 = time.monotonic()
        if how == "stdin":
            s.proc.stdin.close()
        else:
            os.kill(s.proc.pid, signal.SIGTERM)
        assert s.proc.wait(5) == 0
        assert time.monotonic() - t0 < 3
        _, end = w.rest()
        assert end.clean  # open watches get their terminating chunk
        w.close()


def test_ipv6_listen(start_server):
    s = start_server(listen="[::1]:0")
    assert s.url.startswith("http://[::1]:")
    assert s.get("/api").json["kind"] == "APIVersions"


def test_reset_is_a_fresh_start(start_server):
    s = start_server("--token", "orig")
    fresh = s.control("ping")["resourceVersion"]
    s.control("apply", object=pod("a"))
    s.control("set-token", token="changed")
    s.control("watchlist", enabled=False)
    w = s.watch("/api/v1/pods?watch=1", token="changed")
    assert w.status == 200
    s.control("fail", status=500, count=5)
    assert s.control("reset")["resourceVersion"] == fresh
    _, end = w.rest()
    assert not end.clean  # open watches are cut: their RVs mean nothing after a reset
    stats = s.stats()
    assert stats["openWatches"] == {} and stats["requests"] == {} and stats["pendingFailures"] == 0
    assert stats["objects"] == {"namespaces": 2, "pods": 0, "networkpolicies": 0, "nodes": 0}
    assert s.get("/api/v1/pods", token="orig").json["metadata"]["resourceVersion"] == fresh
    assert s.get("/api/v1/pods", token="changed").status == 401
    q = "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&timeoutSeconds=1"
    with s.watch(f"/api/v1/pods?{q}", token="orig") as w2:
        assert w2.status == 200
