"""Fidelity check: a real kubectl (pinned 1.33) against the fake over TLS with a bearer token.

kubectl exercises discovery, LIST with Table fallback, POST, GET, WATCH from the
list RV and DELETE followed by a wait for 404: if the fake drifts from the
protocol, this is where it shows. The binary is required, never skipped.
"""

import json
import os
import queue
import subprocess
import threading
import time

import pytest

KUBECTL = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33"

NAMESPACE = """\
apiVersion: v1
kind: Namespace
metadata:
  name: fidelity
  labels: {team: blue}
"""
POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: fidelity
  labels: {{app: web}}
spec:
  containers:
  - name: c
    image: busybox
"""
NETPOL = """\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: deny-ingress
  namespace: fidelity
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
"""


def require_kubectl():
    if not os.access(KUBECTL, os.X_OK):
        pytest.fail(f"kubectl fidelity check needs {KUBECTL} (from the google-cloud-cli kubectl package); "
                    "it is missing on this machine", pytrace=False)


class Kubectl:
    def __init__(self, kubeconfig, workdir):
        self.base = [KUBECTL, "--kubeconfig", kubeconfig, "--cache-dir", os.path.join(workdir, "cache"),
                     "--request-timeout", "20s"]
        home = os.path.join(workdir, "home")
        os.makedirs(home, exist_ok=True)
        # An isolated HOME: no ~/.kube/config or discovery cache from elsewhere.
        self.env = {"HOME": home, "PATH": "/usr/bin:/bin", "KUBECONFIG": kubeconfig}
        self.workdir = workdir

    def run(self, *args, ok=True, timeout=60):
        proc = subprocess.run(self.base + list(args), env=self.env, capture_output=True, text=True, timeout=timeout)
        if ok and proc.returncode != 0:
            raise AssertionError(f"kubectl {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def json(self, *args):
        return json.loads(self.run(*args, "-o", "json").stdout)

    def manifest(self, name, text):
        path = os.path.join(self.workdir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def popen(self, *args):
        return subprocess.Popen(self.base + list(args), env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)


def read_until(proc, lines, needle, timeout=20):
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        try:
            line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"kubectl printed no line with {needle!r} in {timeout}s; saw {seen}")
        if line is None:
            raise AssertionError(f"kubectl exited ({proc.poll()}) before printing {needle!r}; saw {seen}; "
                                 f"stderr: {proc.stderr.read()}")
        seen.append(line.rstrip())
        if needle in line:
            return seen


def test_kubectl_create_get_watch_delete(start_server, tls_dir, tmp_path):
    require_kubectl()
    kubeconfig = str(tmp_path / "kubeconfig")
    s = start_server("--tls-dir", tls_dir, "--token", "kubectl-token", "--kubeconfig-out", kubeconfig)
    k = Kubectl(kubeconfig, str(tmp_path))

    assert k.run("version").stdout.count("Server Version: v1.33") == 1

    out = k.run("create", "--validate=false", "-f", k.manifest("ns.yaml", NAMESPACE)).stdout
    assert out.strip() == "namespace/fidelity created"
    out = k.run("create", "--validate=false", "-f", k.manifest("pod.yaml", POD.format(name="web"))).stdout
    assert out.strip() == "pod/web created"
    out = k.run("create", "--validate=false", "-f", k.manifest("np.yaml", NETPOL)).stdout
    assert out.strip() == "networkpolicy.networking.k8s.io/deny-ingress created"

    # get: objects as stored, by full name and by short name.
    ns = k.json("get", "namespace", "fidelity")
    assert ns["metadata"]["uid"] == s.control("get", kind="Namespace", name="fidelity")["object"]["metadata"]["uid"]
    assert ns["metadata"]["labels"] == {"team": "blue"}
    web = k.json("get", "po", "web", "-n", "fidelity")
    assert web["metadata"]["labels"] == {"app": "web"} and web["status"]["phase"] == "Pending"
    np = k.json("get", "netpol", "deny-ingress", "-n", "fidelity")
    assert np["spec"]["podSelector"] == {"matchLabels": {"app": "web"}}
    table = k.run("get", "pods", "-n", "fidelity").stdout.splitlines()
    assert table[0].split() == ["NAME", "AGE"] and table[1].split()[0] == "web"
    assert k.run("get", "networkpolicies", "-A", "-o", "name").stdout.split() == \
        ["networkpolicy.networking.k8s.io/deny-ingress"]
    assert k.run("get", "pods", "-n", "fidelity", "-l", "app=web", "--field-selector",
                 "metadata.name=web", "-o", "name").stdout.split() == ["pod/web"]
    listing = k.json("get", "pods", "-A")
    assert [i["metadata"]["name"] for i in listing["items"]] == ["web"]

    # get -w: the list, then a watch from its RV prints an object created meanwhile.
    s.control("reset-stats")
    watcher = k.popen("get", "pods", "-n", "fidelity", "-w")
    lines = queue.Queue()
    threading.Thread(target=lambda: ([lines.put(line) for line in watcher.stdout], lines.put(None)),
                     daemon=True).start()
    try:
        read_until(watcher, lines, "web")
        deadline = time.monotonic() + 20
        while s.stats()["openWatches"].get("pods") != 1:
            assert time.monotonic() < deadline, "kubectl get -w never opened a watch"
            time.sleep(0.05)
        k.run("create", "--validate=false", "-f", k.manifest("pod2.yaml", POD.format(name="second")))
        read_until(watcher, lines, "second")
    finally:
        watcher.kill()
        watcher.wait()
    requests = s.control("requests")["requests"]
    lists = [r for r in requests if r["what"] == "list:pods"]
    watches = [r for r in requests if r["what"] == "watch:pods"]
    assert lists and watches
    assert watches[0]["query"]["watch"] == "true" and watches[0]["query"]["resourceVersion"]

    # delete: kubectl waits for the object to be gone (GET until 404).
    assert k.run("delete", "pod", "web", "-n", "fidelity").stdout.strip() == 'pod "web" deleted'
    gone = k.run("get", "pod", "web", "-n", "fidelity", ok=False)
    assert gone.returncode != 0 and 'pods "web" not found' in gone.stderr
    assert k.run("delete", "-f", k.manifest("np2.yaml", NETPOL)).stdout.strip() == \
        'networkpolicy.networking.k8s.io "deny-ingress" deleted'
    assert k.run("delete", "namespace", "fidelity").stdout.strip() == 'namespace "fidelity" deleted'
    assert s.get("/api/v1/namespaces/fidelity/pods/second").status == 404  # went with its namespace
    gone = k.run("get", "namespace", "fidelity", ok=False)
    assert 'namespaces "fidelity" not found' in gone.stderr


def test_kubectl_token_rotation(start_server, tls_dir, tmp_path):
    require_kubectl()
    server_token, client_token = tmp_path / "server-token", tmp_path / "client-token"
    server_token.write_text("one")
    client_token.write_text("one")
    kubeconfig = tmp_path / "kubeconfig"
    start_server("--tls-dir", tls_dir, "--token-file", str(server_token), "--kubeconfig-out", str(kubeconfig))
    config = json.loads(kubeconfig.read_text())
    assert config["users"][0]["user"] == {"tokenFile": str(server_token)}
    config["users"][0]["user"] = {"tokenFile": str(client_token)}
    kubeconfig.write_text(json.dumps(config))
    k = Kubectl(str(kubeconfig), str(tmp_path))
    assert "namespace/default" in k.run("get", "namespaces", "-o", "name").stdout

    server_token.write_text("two")  # rotated on the server: the client's token is now refused
    denied = k.run("get", "namespaces", ok=False)
    assert denied.returncode != 0
    assert "You must be logged in to the server (Unauthorized)" in denied.stderr, denied.stderr
    client_token.write_text("two")  # and kubectl picks up the rotated file
    assert "namespace/default" in k.run("get", "namespaces", "-o", "name").stdout
