"""The ClusterNetworkPolicy CRD installed and deleted at run time (control op `policy-api`), as a
cluster admin does while the agent runs: discovery, LIST with pagination and WATCH follow it."""

import pytest

from harness import rv

CNPS = "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies"
DISCOVERY = "/apis/policy.networking.k8s.io/v1alpha2"


def cnp(name, priority=10):
    return {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
            "metadata": {"name": name},
            "spec": {"tier": "Admin", "priority": priority, "subject": {"namespaces": {}}}}


def test_crd_added_at_run_time_is_discovered_listed_and_watched(server):
    assert server.get(DISCOVERY).status == 404
    assert server.get(CNPS).status == 404
    assert server.control("policy-api", version="v1alpha2", served=True)["served"] == ["v1alpha2"]
    doc = server.get(DISCOVERY)
    assert doc.status == 200 and doc.json["kind"] == "APIResourceList"
    entry = next(r for r in doc.json["resources"] if r["name"] == "clusternetworkpolicies")
    assert entry["namespaced"] is False and {"list", "watch"} <= set(entry["verbs"])
    assert "policy.networking.k8s.io" in {g["name"] for g in server.get("/apis").json["groups"]}

    for name in ("a", "b", "c"):
        server.apply(cnp(name))
    first = server.get(CNPS + "?limit=2").json
    assert [i["metadata"]["name"] for i in first["items"]] == ["a", "b"]
    rest = server.get(CNPS + "?limit=2&continue=" + first["metadata"]["continue"]).json
    assert [i["metadata"]["name"] for i in rest["items"]] == ["c"]
    with server.watch(f"{CNPS}?watch=1&resourceVersion={first['metadata']['resourceVersion']}") as w:
        changed = server.apply(cnp("a", priority=5))
        (event,) = w.events(1)
        assert event["type"] == "MODIFIED" and rv(event["object"]) == rv(changed)


def test_crd_deleted_ends_watches_and_answers_404(server):
    server.control("policy-api", version="v1alpha2", served=True)
    server.apply(cnp("deny-x"))
    listing = server.get(CNPS).json
    with server.watch(f"{CNPS}?watch=1&resourceVersion={listing['metadata']['resourceVersion']}") as w:
        assert server.control("policy-api", version="v1alpha2", served=False)["served"] == []
        events, end = w.rest(timeout=5)
        assert end.clean and [e for e in events if e["type"] != "BOOKMARK"] == []
    assert server.get(DISCOVERY).status == 404
    assert server.get(CNPS).status == 404
    assert server.get(CNPS + "?watch=1").status == 404
    assert "policy.networking.k8s.io" not in {g["name"] for g in server.get("/apis").json["groups"]}
    # Installed again: its objects went with the CRD.
    server.control("policy-api", version="v1alpha2", served=True)
    assert server.get(CNPS).json["items"] == []


def test_reset_restores_the_policy_api_of_the_flags(server):
    server.control("policy-api", version="v1alpha2", served=True)
    server.control("reset")
    assert server.get(DISCOVERY).status == 404


def test_unknown_policy_api_version_is_refused(server):
    reply = server.control("policy-api", check=False, version="v1beta9", served=True)
    assert reply["ok"] is False and "v1beta9" in reply["error"]
    with pytest.raises(AssertionError):
        server.control("policy-api", version="v1alpha2", served="yes")
