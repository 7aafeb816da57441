"""Label and field selectors: the parser on its own, then through LIST."""

import pytest

from harness import pod
from resources import NAMESPACES, PODS
from selectorparse import FieldSelector, LabelSelector
from status import APIError
from test_crud import assert_status

WEB = {"app": "web", "tier": "front"}
DB = {"app": "db", "tier": "back", "version": "3"}
NONE = {}


@pytest.mark.parametrize("selector, matches", [
    ("", [WEB, DB, NONE]),
    ("app=web", [WEB]),
    ("app==web", [WEB]),
    ("app!=web", [DB, NONE]),  # != also matches objects without the key
    ("app in (web, db)", [WEB, DB]),
    ("app notin (web)", [DB, NONE]),
    ("app", [WEB, DB]),
    ("!app", [NONE]),
    ("app=db,tier=back", [DB]),
    ("app in (web,db),tier!=front", [DB]),
    ("version>2", [DB]),
    ("version<3", []),
    ("example.com/owner", []),
])
def test_label_selector_semantics(selector, matches):
    sel = LabelSelector(selector)
    assert [labels for labels in (WEB, DB, NONE) if sel.matches(labels)] == matches


@pytest.mark.parametrize("bad", ["app=", "=web", "app in ()", "app in (a", "a b", "app=web,", "app>x", "Bad Key=1"])
def test_label_selector_errors(bad):
    if bad == "app=":
        assert LabelSelector(bad).matches({"app": ""})  # an empty value is valid
        return
    with pytest.raises(APIError) as err:
        LabelSelector(bad)
    assert err.value.code == 400


def test_field_selector_semantics():
    p = pod("a", "ns1", node="node-a")
    p["status"] = {"phase": "Running", "podIPs": [{"ip": "10.0.0.1"}]}
    assert FieldSelector("spec.nodeName=node-a", PODS).matches(p)
    assert FieldSelector("spec.nodeName==node-a,metadata.namespace=ns1", PODS).matches(p)
    assert not FieldSelector("spec.nodeName!=node-a", PODS).matches(p)
    assert FieldSelector("status.podIP=10.0.0.1,status.phase=Running,spec.hostNetwork=false", PODS).matches(p)
    assert FieldSelector("metadata.name=a", PODS).matches(p)
    assert FieldSelector("spec.nodeName=", PODS).matches(pod("unscheduled"))  # missing field = ""
    with pytest.raises(APIError) as err:
        FieldSelector("spec.nodeName=x", NAMESPACES)
    assert err.value.code == 400 and "is not a known field selector" in err.value.body["message"]
    with pytest.raises(APIError):
        FieldSelector("nonsense", PODS)


def test_selectors_through_list(server):
    server.control("apply", object=pod("web-1", "a", labels=WEB, node="node-a"))
    server.control("apply", object=pod("web-2", "b", labels=WEB, node="node-b"))
    server.control("apply", object=pod("db-1", "a", labels=DB, node="node-a"))
    server.control("apply", object=pod("bare", "b"))

    def names(query):
        resp = server.get(f"/api/v1/pods?{query}")
        assert resp.status == 200, resp
        return sorted(i["metadata"]["name"] for i in resp.json["items"])

    assert names("labelSelector=app%3Dweb") == ["web-1", "web-2"]
    assert names("labelSelector=app%20in%20(web%2Cdb)%2Ctier%21%3Dfront") == ["db-1"]
    assert names("labelSelector=%21app") == ["bare"]
    assert names("fieldSelector=spec.nodeName%3Dnode-a") == ["db-1", "web-1"]
    assert names("fieldSelector=spec.nodeName%21%3Dnode-a") == ["bare", "web-2"]
    assert names("fieldSelector=metadata.namespace%3Db") == ["bare", "web-2"]
    assert names("fieldSelector=metadata.name%3Dweb-2") == ["web-2"]
    assert names("fieldSelector=spec.nodeName%3Dnode-a&labelSelector=app%3Dweb") == ["web-1"]

    # With a selector, pages carry a continue token but no remainingItemCount.
    page = server.get("/api/v1/pods?labelSelector=app&limit=1").json
    assert page["metadata"]["continue"] and "remainingItemCount" not in page["metadata"]

    assert_status(server.get("/api/v1/pods?fieldSelector=spec.bogus%3D1"), 400, "BadRequest")
    assert_status(server.get("/api/v1/pods?labelSelector=app%20in%20("), 400, "BadRequest")
