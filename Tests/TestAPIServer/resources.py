"""The resource types the fake serves.

One table drives routing, discovery, field selectors and per-kind defaulting, so
adding a type (e.g. a CRD) is one more entry here.
"""

from dataclasses import dataclass


def _get(obj, *path, default=""):
    for p in path:
        if not isinstance(obj, dict):
            return default
        obj = obj.get(p)
    return default if obj is None else obj


def _pod_ip(pod):
    ips = _get(pod, "status", "podIPs", default=[])
    if ips and isinstance(ips[0], dict) and ips[0].get("ip"):
        return ips[0]["ip"]
    return _get(pod, "status", "podIP")


# Per-kind selectable fields beyond metadata.name / metadata.namespace, with how
# apiserver renders each value (strings; missing fields are "").
POD_FIELDS = {
    "spec.nodeName": lambda o: _get(o, "spec", "nodeName"),
    "spec.restartPolicy": lambda o: _get(o, "spec", "restartPolicy"),
    "spec.schedulerName": lambda o: _get(o, "spec", "schedulerName"),
    "spec.serviceAccountName": lambda o: _get(o, "spec", "serviceAccountName"),
    "spec.hostNetwork": lambda o: "true" if _get(o, "spec", "hostNetwork", default=False) is True else "false",
    "status.phase": lambda o: _get(o, "status", "phase"),
    "status.podIP": _pod_ip,
    "status.nominatedNodeName": lambda o: _get(o, "status", "nominatedNodeName"),
}
# kubernetes pkg/registry/core/node/strategy.go NodeToSelectableFields: besides metadata,
# only spec.unschedulable (fmt.Sprint of a bool).
NODE_FIELDS = {
    "spec.unschedulable": lambda o: "true" if _get(o, "spec", "unschedulable", default=False) is True else "false",
}
NAMESPACE_FIELDS = {
    "status.phase": lambda o: _get(o, "status", "phase"),
}


@dataclass(frozen=True)
class Resource:
    name: str  # plural, as in URLs
    singular: str
    kind: str
    group: str  # "" for the core group
    version: str
    namespaced: bool
    short_names: tuple = ()
    fields: tuple = ()  # (field, extractor) pairs, see POD_FIELDS
    has_status: bool = False  # served /status subresource; the main resource ignores status writes
    categories: tuple = ()
    # DELETE answers with the object (pods: graceful deletion; namespaces: Terminating)
    # or, like most kinds in kube-apiserver, with a Status "Success".
    delete_returns_object: bool = False
    name_is_label: bool = False  # namespaces: DNS-1123 label; others: DNS-1123 subdomain
    crd: bool = False  # custom resources: list items keep kind/apiVersion (unstructured)
    only_name: str = ""  # a singleton the CRD's CEL rule pins to one name (BaselineAdminNetworkPolicy)

    @property
    def group_version(self):
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def qualified(self):
        """How Status messages name the resource: `pods`, `networkpolicies.networking.k8s.io`."""
        return f"{self.name}.{self.group}" if self.group else self.name

    @property
    def list_kind(self):
        return self.kind + "List"

    def key(self, namespace, name):
        # etcd-like keys: lists are sorted by them and continue tokens point into them.
        return f"{namespace}/{name}" if self.namespaced else name

    def field_value(self, obj, field):
        meta = obj.get("metadata") or {}
        if field == "metadata.name":
            return meta.get("name", "")
        if field == "metadata.namespace":
            return meta.get("namespace", "")
        return dict(self.fields)[field](obj)

    def selectable_fields(self):
        return ["metadata.name", "metadata.namespace"] + [f for f, _ in self.fields]

    def path_prefix(self):
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def discovery_entry(self):
        verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
        entry = {"name": self.name, "singularName": self.singular, "namespaced": self.namespaced,
                 "kind": self.kind, "verbs": verbs}
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        return entry


NAMESPACES = Resource("namespaces", "namespace", "Namespace", "", "v1", False, ("ns",),
                      tuple(NAMESPACE_FIELDS.items()), has_status=True, delete_returns_object=True,
                      name_is_label=True)
PODS = Resource("pods", "pod", "Pod", "", "v1", True, ("po",), tuple(POD_FIELDS.items()),
                has_status=True, categories=("all",), delete_returns_object=True)
NETWORK_POLICIES = Resource("networkpolicies", "networkpolicy", "NetworkPolicy", "networking.k8s.io", "v1", True,
                            ("netpol",))

NODES = Resource("nodes", "node", "Node", "", "v1", False, ("no",), tuple(NODE_FIELDS.items()), has_status=True)

ALL = (NAMESPACES, PODS, NETWORK_POLICIES, NODES)

# kubernetes-sigs/network-policy-api CRDs, served only when asked for (--policy-api), so
# clients can be tested against clusters with none, the legacy v1alpha1 pair, or v1alpha2.
POLICY_GROUP = "policy.networking.k8s.io"
POLICY_API = {
    "v1alpha2": (
        Resource("clusternetworkpolicies", "clusternetworkpolicy", "ClusterNetworkPolicy", POLICY_GROUP, "v1alpha2",
                 False, ("cnp",), has_status=True, crd=True),
    ),
    "v1alpha1": (
        Resource("adminnetworkpolicies", "adminnetworkpolicy", "AdminNetworkPolicy", POLICY_GROUP, "v1alpha1",
                 False, ("anp",), has_status=True, crd=True),
        Resource("baselineadminnetworkpolicies", "baselineadminnetworkpolicy", "BaselineAdminNetworkPolicy",
                 POLICY_GROUP, "v1alpha1", False, ("banp",), has_status=True, crd=True, only_name="default"),
    ),
}


def with_policy_api(versions):
    """The built-in resources plus the policy API versions asked for, newest version first
    (so discovery's preferredVersion is the newest, as for CRDs)."""
    extra = []
    for v in sorted(set(versions or ()), reverse=True):
        extra.extend(POLICY_API[v])
    return ALL + tuple(extra)


class Registry:
    """Lookup by URL (group, version, plural) and by kind, plus the discovery documents."""

    def __init__(self, resources=ALL):
        self.resources = tuple(resources)
        self.by_path = {(r.group, r.version, r.name): r for r in self.resources}

    def find(self, group, version, plural):
        return self.by_path.get((group, version, plural))

    def by_kind_or_name(self, word):
        """Control-channel lookup: `Pod`, `pods`, `pod`, `netpol`, `networkpolicies.networking.k8s.io`."""
        w = word.lower()
        for r in self.resources:
            if w in (r.kind.lower(), r.name, r.singular, r.qualified) or w in r.short_names:
                return r
        return None

    def groups(self):
        """{group: [versions]} for the named (non-core) groups, in table order."""
        out = {}
        for r in self.resources:
            if r.group and r.version not in out.setdefault(r.group, []):
                out[r.group].append(r.version)
        return out

    def core_versions(self):
        return sorted({r.version for r in self.resources if not r.group})

    def api_versions(self, server_address):
        return {"kind": "APIVersions", "versions": self.core_versions(),
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}]}

    def api_group(self, group):
        versions = self.groups().get(group)
        if not versions:
            return None
        gvs = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"kind": "APIGroup", "apiVersion": "v1", "name": group, "versions": gvs, "preferredVersion": gvs[0]}

    def api_group_list(self):
        groups = []
        for g in self.groups():
            doc = self.api_group(g)
            doc.pop("kind")
            doc.pop("apiVersion")
            groups.append(doc)
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}

    def resource_list(self, group, version):
        entries = []
        for r in self.resources:
            if (r.group, r.version) != (group, version):
                continue
            entries.append(r.discovery_entry())
            if r.has_status:
                entries.append({"name": f"{r.name}/status", "singularName": "", "namespaced": r.namespaced,
                                "kind": r.kind, "verbs": ["get", "patch", "update"]})
        if not entries:
            return None
        gv = f"{group}/{version}" if group else version
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": entries}
