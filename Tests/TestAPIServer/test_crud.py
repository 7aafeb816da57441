"""Discovery, create/get/update/patch/delete and their Status errors."""

from harness import namespace, netpol, pod, rv

PODS = "/api/v1/namespaces/default/pods"
NETPOLS = "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies"


def assert_status(resp, code, reason):
    assert resp.status == code, resp
    body = resp.json
    assert body["kind"] == "Status" and body["apiVersion"] == "v1", body
    assert body["status"] == "Failure" and body["code"] == code and body["reason"] == reason, body
    return body


def test_discovery(server):
    api = server.get("/api").json
    assert api["kind"] == "APIVersions" and api["versions"] == ["v1"]

    core = server.get("/api/v1").json
    assert core["kind"] == "APIResourceList" and core["groupVersion"] == "v1"
    by_name = {r["name"]: r for r in core["resources"]}
    assert by_name["pods"]["shortNames"] == ["po"] and by_name["pods"]["namespaced"] is True
    assert by_name["pods"]["kind"] == "Pod" and by_name["pods"]["singularName"] == "pod"
    assert {"get", "list", "watch", "create", "update", "delete"} <= set(by_name["pods"]["verbs"])
    assert by_name["namespaces"]["shortNames"] == ["ns"] and by_name["namespaces"]["namespaced"] is False
    assert "pods/status" in by_name

    groups = server.get("/apis").json
    assert groups["kind"] == "APIGroupList"
    assert [g["name"] for g in groups["groups"]] == ["networking.k8s.io"]  # only groups actually served
    group = server.get("/apis/networking.k8s.io").json
    assert group["kind"] == "APIGroup" and group["preferredVersion"]["groupVersion"] == "networking.k8s.io/v1"

    net = server.get("/apis/networking.k8s.io/v1").json
    (np,) = net["resources"]
    assert np == {"name": "networkpolicies", "singularName": "networkpolicy", "namespaced": True,
                  "kind": "NetworkPolicy", "verbs": np["verbs"], "shortNames": ["netpol"]}

    version = server.get("/version").json
    assert version["major"] == "1" and version["gitVersion"].startswith("v1.")

    assert_status(server.get("/apis/policy.networking.k8s.io"), 404, "NotFound")
    assert_status(server.get("/apis/networking.k8s.io/v2/networkpolicies"), 404, "NotFound")
    assert_status(server.get("/api/v1/widgets"), 404, "NotFound")
    assert_status(server.request("OPTIONS", "/api"), 405, "MethodNotAllowed")  # even http.server's own errors


def test_create_get_and_errors(server):
    before = int(server.control("ping")["resourceVersion"])
    created = server.request("POST", PODS, pod("a", labels={"app": "web"}))
    assert created.status == 201, created
    obj = created.json
    meta = obj["metadata"]
    assert obj["kind"] == "Pod" and obj["apiVersion"] == "v1"
    assert meta["uid"] and meta["creationTimestamp"].endswith("Z") and rv(obj) == before + 1
    assert obj["status"] == {"phase": "Pending"}  # status is the server's on create

    got = server.get(f"{PODS}/a")
    assert got.status == 200 and got.json == obj

    body = assert_status(server.request("POST", PODS, pod("a")), 409, "AlreadyExists")
    assert body["details"] == {"name": "a", "kind": "pods"} and body["message"] == 'pods "a" already exists'

    body = assert_status(server.get(f"{PODS}/nope"), 404, "NotFound")
    assert body["message"] == 'pods "nope" not found'

    body = assert_status(server.get(f"{NETPOLS}/nope"), 404, "NotFound")
    assert body["details"]["group"] == "networking.k8s.io"
    assert body["message"] == 'networkpolicies.networking.k8s.io "nope" not found'

    # Namespace must exist (NamespaceLifecycle admission).
    body = assert_status(server.request("POST", "/api/v1/namespaces/ghost/pods", pod("x", "ghost")), 404, "NotFound")
    assert body["message"] == 'namespaces "ghost" not found'
    assert_status(server.request("POST", PODS, pod("x", "other")), 400, "BadRequest")
    assert_status(server.request("POST", PODS, pod("Bad_Name")), 422, "Invalid")
    assert_status(server.request("POST", PODS, b"{not json"), 400, "BadRequest")
    assert_status(server.request("POST", PODS, netpol("wrong-kind")), 400, "BadRequest")
    assert_status(server.request("POST", "/api/v1/pods", pod("y")), 405, "MethodNotAllowed")

    # generateName, and dry run stores nothing.
    gen = server.request("POST", PODS, {"metadata": {"generateName": "gen-"}, "spec": {}}).json
    assert gen["metadata"]["name"].startswith("gen-") and len(gen["metadata"]["name"]) == 9
    dry = server.request("POST", f"{PODS}?dryRun=All", pod("dry"))
    assert dry.status == 201
    assert server.get(f"{PODS}/dry").status == 404


def test_update_conflict_and_noop(server):
    obj = server.request("POST", PODS, pod("a")).json
    first_rv = obj["metadata"]["resourceVersion"]

    obj["metadata"]["labels"] = {"v": "2"}
    updated = server.request("PUT", f"{PODS}/a", obj)
    assert updated.status == 200 and rv(updated.json) == int(first_rv) + 1
    assert updated.json["metadata"]["uid"] == obj["metadata"]["uid"]

    # Writing with the old RV again is a conflict.
    obj["metadata"]["labels"] = {"v": "3"}
    body = assert_status(server.request("PUT", f"{PODS}/a", obj), 409, "Conflict")
    assert "the object has been modified" in body["message"]

    # An identical update takes no new RV.
    same = server.request("PUT", f"{PODS}/a", updated.json)
    assert same.status == 200 and same.json["metadata"]["resourceVersion"] == updated.json["metadata"]["resourceVersion"]

    # Without an RV the update is unconditional.
    obj["metadata"].pop("resourceVersion")
    assert server.request("PUT", f"{PODS}/a", obj).status == 200

    assert_status(server.request("PUT", f"{PODS}/missing", pod("missing")), 404, "NotFound")
    assert_status(server.request("PUT", f"{PODS}/a", pod("b")), 400, "BadRequest")


def test_status_subresource(server):
    obj = server.request("POST", PODS, pod("a")).json
    # The main resource ignores status...
    obj["status"] = {"phase": "Running", "podIP": "10.0.0.9"}
    after = server.request("PUT", f"{PODS}/a", obj).json
    assert after["status"] == {"phase": "Pending"}
    # ...and /status writes only status.
    after["status"] = {"phase": "Running", "podIP": "10.0.0.9"}
    after["metadata"]["labels"] = {"ignored": "yes"}
    st = server.request("PUT", f"{PODS}/a/status", after).json
    assert st["status"]["podIP"] == "10.0.0.9" and "ignored" not in (st["metadata"].get("labels") or {})
    assert server.get(f"{PODS}/a/status").json["status"]["phase"] == "Running"


def test_patch(server):
    server.request("POST", PODS, pod("a", labels={"app": "web"}))
    merged = server.request("PATCH", f"{PODS}/a", {"metadata": {"labels": {"tier": "front", "app": None}}},
                            headers={"Content-Type": "application/merge-patch+json"})
    assert merged.status == 200 and merged.json["metadata"]["labels"] == {"tier": "front"}
    smp = server.request("PATCH", f"{PODS}/a", {"metadata": {"labels": {"x": "1"}}},
                         headers={"Content-Type": "application/strategic-merge-patch+json"})
    assert smp.json["metadata"]["labels"] == {"tier": "front", "x": "1"}
    jp = server.request("PATCH", f"{PODS}/a", [{"op": "remove", "path": "/metadata/labels/x"}],
                        headers={"Content-Type": "application/json-patch+json"})
    assert jp.json["metadata"]["labels"] == {"tier": "front"}
    stale = server.request("PATCH", f"{PODS}/a", {"metadata": {"resourceVersion": "1", "labels": {"y": "1"}}},
                           headers={"Content-Type": "application/merge-patch+json"})
    assert_status(stale, 409, "Conflict")
    apply = server.request("PATCH", f"{PODS}/a", "{}", headers={"Content-Type": "application/apply-patch+yaml"})
    assert_status(apply, 415, "UnsupportedMediaType")


def test_delete(server):
    p = server.request("POST", PODS, pod("a")).json
    deleted = server.request("DELETE", f"{PODS}/a")
    assert deleted.status == 200 and deleted.json["kind"] == "Pod" and deleted.json["metadata"]["uid"] == p["metadata"]["uid"]
    assert_status(server.get(f"{PODS}/a"), 404, "NotFound")
    assert_status(server.request("DELETE", f"{PODS}/a"), 404, "NotFound")

    # Most kinds answer a Status "Success".
    n = server.request("POST", NETPOLS, netpol("deny")).json
    gone = server.request("DELETE", f"{NETPOLS}/deny").json
    assert gone["kind"] == "Status" and gone["status"] == "Success"
    assert gone["details"] == {"name": "deny", "kind": "networkpolicies", "group": "networking.k8s.io",
                               "uid": n["metadata"]["uid"]}

    # Preconditions.
    server.request("POST", PODS, pod("b"))
    pre = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "not-it"}}
    assert_status(server.request("DELETE", f"{PODS}/b", pre), 409, "Conflict")
    assert server.get(f"{PODS}/b").status == 200


def test_namespace_delete_cascades(server):
    server.request("POST", "/api/v1/namespaces", namespace("team", {"x": "y"}))
    ns = server.get("/api/v1/namespaces/team").json
    assert ns["status"] == {"phase": "Active"}
    server.request("POST", "/api/v1/namespaces/team/pods", pod("p", "team"))
    server.request("POST", "/apis/networking.k8s.io/v1/namespaces/team/networkpolicies", netpol("n", "team"))
    list_rv = server.get("/api/v1/namespaces").json["metadata"]["resourceVersion"]
    with server.watch(f"/api/v1/namespaces?watch=1&resourceVersion={list_rv}") as ns_watch, \
            server.watch(f"/api/v1/pods?watch=1&resourceVersion={list_rv}") as pod_watch:
        out = server.request("DELETE", "/api/v1/namespaces/team").json
        assert out["status"]["phase"] == "Terminating" and out["metadata"]["deletionTimestamp"]
        mod, dele = ns_watch.events(2)
        assert (mod["type"], dele["type"]) == ("MODIFIED", "DELETED")
        assert dele["object"]["status"]["phase"] == "Terminating"
        (pod_gone,) = pod_watch.events(1)
        assert pod_gone["type"] == "DELETED" and pod_gone["object"]["metadata"]["name"] == "p"
    assert server.get("/api/v1/namespaces/team").status == 404
    assert server.get("/api/v1/namespaces/team/pods/p").status == 404
    assert server.get("/apis/networking.k8s.io/v1/namespaces/team/networkpolicies/n").status == 404


def test_control_channel_objects(server):
    applied = server.control("apply", object=pod("c", ip="10.1.2.3", node="node-a"))
    assert applied["changed"] is True and applied["object"]["status"]["podIP"] == "10.1.2.3"
    again = server.control("apply", object=pod("c", ip="10.1.2.3", node="node-a"))
    assert again["changed"] is False and again["object"] == applied["object"]
    # apply bypasses admission: the namespace need not exist.
    server.control("apply", object=pod("d", "nowhere"))
    assert server.control("get", kind="Pod", namespace="nowhere", name="d")["object"]["metadata"]["uid"]
    listed = server.control("list", kind="pods")
    assert [o["metadata"]["name"] for o in listed["items"]] == ["c", "d"]
    server.control("delete", kind="Pod", namespace="nowhere", name="d")
    missing = server.control("get", check=False, kind="Pod", namespace="nowhere", name="d")
    assert missing["ok"] is False and "not found" in missing["error"]
    bad = server.control("frobnicate", check=False)
    assert bad["ok"] is False and "unknown op" in bad["error"]


def test_policy_api_is_served_only_on_request(start_server):
    s = start_server("--policy-api", "v1alpha1", "--policy-api", "v1alpha2")
    groups = {g["name"]: g for g in s.get("/apis").json["groups"]}
    policy = groups["policy.networking.k8s.io"]
    assert [v["version"] for v in policy["versions"]] == ["v1alpha2", "v1alpha1"]
    assert policy["preferredVersion"]["version"] == "v1alpha2"
    v2 = s.get("/apis/policy.networking.k8s.io/v1alpha2").json
    assert [(r["name"], r.get("shortNames")) for r in v2["resources"]] == [
        ("clusternetworkpolicies", ["cnp"]), ("clusternetworkpolicies/status", None)]
    v1 = {r["name"] for r in s.get("/apis/policy.networking.k8s.io/v1alpha1").json["resources"]}
    assert {"adminnetworkpolicies", "baselineadminnetworkpolicies"} <= v1

    cnp = {"apiVersion": "policy.networking.k8s.io/v1alpha2", "kind": "ClusterNetworkPolicy",
           "metadata": {"name": "deny-all"}, "spec": {"tier": "Admin", "priority": 10, "subject": {"namespaces": {}}},
           "status": {"conditions": []}}
    created = s.request("POST", "/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies", cnp)
    assert created.status == 201 and "status" not in created.json
    items = s.get("/apis/policy.networking.k8s.io/v1alpha2/clusternetworkpolicies").json["items"]
    assert items[0]["kind"] == "ClusterNetworkPolicy"  # custom resources keep kind on list items
    banp = {"metadata": {"name": "not-default"}, "spec": {"subject": {"namespaces": {}}}}
    assert_status(s.request("POST", "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies", banp),
                  422, "Invalid")
