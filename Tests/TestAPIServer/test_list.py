"""LIST: resourceVersion semantics, pagination with continue tokens, 410/504/422."""

import time

from harness import netpol, pod, rv
from test_crud import assert_status

PODS = "/api/v1/namespaces/default/pods"


def names(resp):
    return [i["metadata"]["name"] for i in resp.json["items"]]


def test_global_resource_version(server):
    start = int(server.get("/api/v1/namespaces").json["metadata"]["resourceVersion"])
    a = server.request("POST", PODS, pod("a")).json
    n = server.request("POST", "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies", netpol("n")).json
    b = server.request("POST", PODS, pod("b")).json
    # One counter across kinds; an object's RV is its last write; a list's RV is the counter.
    assert (rv(a), rv(n), rv(b)) == (start + 1, start + 2, start + 3)
    listing = server.get(PODS)
    assert listing.json["kind"] == "PodList" and listing.json["apiVersion"] == "v1"
    assert int(listing.json["metadata"]["resourceVersion"]) == start + 3
    assert int(server.get("/api/v1/namespaces").json["metadata"]["resourceVersion"]) == start + 3
    # Typed list items carry no kind/apiVersion, as from kube-apiserver.
    assert all("kind" not in i and "apiVersion" not in i for i in listing.json["items"])
    assert names(listing) == ["a", "b"]
    assert "continue" not in listing.json["metadata"]


def test_all_namespaces_list(server):
    server.control("apply", object=pod("x", "zeta"))
    server.control("apply", object=pod("y", "alpha"))
    server.control("apply", object=netpol("p", "alpha"))
    every = server.get("/api/v1/pods").json["items"]
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in every] == [("alpha", "y"), ("zeta", "x")]
    assert names(server.get("/api/v1/namespaces/zeta/pods")) == ["x"]
    assert names(server.get("/apis/networking.k8s.io/v1/networkpolicies")) == ["p"]
    assert server.get("/api/v1/namespaces/empty/pods").json["items"] == []


def test_pagination_is_a_consistent_snapshot(server):
    for i in range(7):
        server.control("apply", object=pod(f"p{i}"))
    first = server.get(f"{PODS}?limit=3").json
    list_rv = first["metadata"]["resourceVersion"]
    assert [i["metadata"]["name"] for i in first["items"]] == ["p0", "p1", "p2"]
    assert first["metadata"]["remainingItemCount"] == 4 and first["metadata"]["continue"]

    # Writes between pages do not show: every page is the state at the first page's RV.
    server.control("delete", kind="Pod", name="p4")
    server.control("apply", object=pod("p3", labels={"changed": "yes"}))
    server.control("apply", object=pod("p35"))

    second = server.get(f"{PODS}?limit=3&continue={first['metadata']['continue']}").json
    assert second["metadata"]["resourceVersion"] == list_rv
    assert [i["metadata"]["name"] for i in second["items"]] == ["p3", "p4", "p5"]
    assert second["items"][0]["metadata"].get("labels") == {}
    assert second["metadata"]["remainingItemCount"] == 1

    third = server.get(f"{PODS}?limit=3&continue={second['metadata']['continue']}").json
    assert [i["metadata"]["name"] for i in third["items"]] == ["p6"]
    assert "continue" not in third["metadata"] and third["metadata"]["resourceVersion"] == list_rv

    # A fresh list sees the new state.
    assert names(server.get(PODS)) == ["p0", "p1", "p2", "p3", "p35", "p5", "p6"]


def test_continue_rules(server):
    for i in range(3):
        server.control("apply", object=pod(f"p{i}"))
    token = server.get(f"{PODS}?limit=1").json["metadata"]["continue"]
    body = assert_status(server.get(f"{PODS}?limit=1&continue={token}&resourceVersion=5"), 400, "BadRequest")
    assert body["message"] == "specifying resource version is not allowed when using continue"
    assert server.get(f"{PODS}?limit=1&continue={token}&resourceVersion=0").status == 200  # "0" is tolerated
    assert_status(server.get(f"{PODS}?limit=1&continue={token}&resourceVersion=5&resourceVersionMatch=Exact"),
                  422, "Invalid")
    assert_status(server.get(f"{PODS}?limit=1&continue=bm90LWEtdG9rZW4"), 400, "BadRequest")


def test_expired_continue_is_410_with_inconsistent_token(server):
    for i in range(4):
        server.control("apply", object=pod(f"p{i}"))
    first = server.get(f"{PODS}?limit=2").json
    server.control("apply", object=pod("p9"))
    server.control("compact")  # the list RV is now older than the history
    resp = server.get(f"{PODS}?limit=2&continue={first['metadata']['continue']}")
    body = assert_status(resp, 410, "Expired")
    assert body["message"].startswith("The provided continue parameter is too old")
    # The body's token continues from the current state (inconsistently), after the same position.
    rest = server.get(f"{PODS}?limit=10&continue={body['metadata']['continue']}")
    assert rest.status == 200 and names(rest) == ["p2", "p3", "p9"]


def test_resource_version_match_semantics(server):
    a = server.control("apply", object=pod("a"))["object"]
    at_a = rv(a)
    server.control("delete", kind="Pod", name="a")
    server.control("apply", object=pod("b"))
    # Exact (explicitly, or RV=N with limit) rebuilds the old state.
    assert names(server.get(f"{PODS}?resourceVersion={at_a}&resourceVersionMatch=Exact")) == ["a"]
    exact = server.get(f"{PODS}?resourceVersion={at_a}&limit=10").json
    assert [i["metadata"]["name"] for i in exact["items"]] == ["a"]
    assert exact["metadata"]["resourceVersion"] == str(at_a)
    # NotOlderThan / no limit: the current state.
    assert names(server.get(f"{PODS}?resourceVersion={at_a}")) == ["b"]
    assert names(server.get(f"{PODS}?resourceVersion={at_a}&resourceVersionMatch=NotOlderThan")) == ["b"]
    assert names(server.get(f"{PODS}?resourceVersion=0")) == ["b"]

    assert_status(server.get(f"{PODS}?resourceVersionMatch=Exact"), 422, "Invalid")
    assert_status(server.get(f"{PODS}?resourceVersion=0&resourceVersionMatch=Exact"), 422, "Invalid")
    assert_status(server.get(f"{PODS}?resourceVersion=3&resourceVersionMatch=Newest"), 422, "Invalid")
    assert_status(server.get(f"{PODS}?resourceVersion=abc"), 400, "BadRequest")
    assert_status(server.get(f"{PODS}?sendInitialEvents=true"), 422, "Invalid")

    server.control("compact")
    body = assert_status(server.get(f"{PODS}?resourceVersion={at_a}&resourceVersionMatch=Exact"), 410, "Expired")
    assert "too old resource version" in body["message"]


def test_too_large_resource_version_is_504(server):
    current = int(server.control("ping")["resourceVersion"])
    t0 = time.monotonic()
    resp = server.get(f"{PODS}?resourceVersion={current + 100}")
    body = assert_status(resp, 504, "Timeout")
    assert time.monotonic() - t0 >= 0.45  # it waits a little for the RV to arrive first
    assert body["details"]["causes"][0]["reason"] == "ResourceVersionTooLarge"
    assert "Too large resource version" in body["message"] and resp.headers["retry-after"] == "1"


def test_partial_object_metadata(server):
    server.control("apply", object=pod("a", labels={"app": "web"}))
    accept = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json"
    listing = server.get(PODS, headers={"Accept": accept}).json
    assert listing["kind"] == "PartialObjectMetadataList" and listing["apiVersion"] == "meta.k8s.io/v1"
    (item,) = listing["items"]
    assert item["kind"] == "PartialObjectMetadata" and item["metadata"]["labels"] == {"app": "web"}
    assert "spec" not in item
    # Table is not served: kubectl's Accept falls through to plain JSON; protobuf alone is 406.
    table = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
    assert server.get(PODS, headers={"Accept": table}).json["kind"] == "PodList"
    assert_status(server.get(PODS, headers={"Accept": "application/vnd.kubernetes.protobuf"}), 406, "NotAcceptable")
