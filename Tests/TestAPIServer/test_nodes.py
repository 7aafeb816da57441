"""Nodes: cluster-scoped, LIST and WATCH of one node by `metadata.name` field selector, as a node
agent reads its own Node (spec.podCIDRs, status.addresses)."""

from harness import node, rv
from selectorparse import FieldSelector


def test_node_field_selectors():
    from resources import NODES
    n = node("node-a", ["10.244.1.0/24"], ["192.168.0.10"])
    assert FieldSelector("metadata.name=node-a", NODES).matches(n)
    assert FieldSelector("spec.unschedulable=false", NODES).matches(n)
    assert not FieldSelector("metadata.name=node-b", NODES).matches(n)


def test_list_and_watch_one_node_by_name(server):
    server.control("apply", object=node("node-a", ["10.244.1.0/24", "fd00:1::/64"], ["192.168.0.10"]))
    server.control("apply", object=node("node-b", ["10.244.2.0/24"], ["192.168.0.11"]))
    listing = server.get("/api/v1/nodes?fieldSelector=metadata.name%3Dnode-a&limit=500")
    assert listing.status == 200, listing
    assert [i["metadata"]["name"] for i in listing.json["items"]] == ["node-a"]
    assert listing.json["items"][0]["spec"]["podCIDRs"] == ["10.244.1.0/24", "fd00:1::/64"]
    assert "namespace" not in listing.json["items"][0]["metadata"]
    list_rv = listing.json["metadata"]["resourceVersion"]
    with server.watch(f"/api/v1/nodes?watch=1&resourceVersion={list_rv}&fieldSelector=metadata.name%3Dnode-a") as w:
        server.control("apply", object=node("node-b", ["10.244.3.0/24"], []))
        changed = server.control("apply", object=node("node-a", ["10.244.9.0/24"], ["192.168.0.10"]))["object"]
        (event,) = w.events(1)
        assert event["type"] == "MODIFIED" and event["object"]["metadata"]["name"] == "node-a"
        assert rv(event["object"]) == rv(changed)
