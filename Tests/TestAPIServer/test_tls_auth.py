"""TLS (generated CA and server certificate) and bearer-token authentication."""

import base64
import http.client
import json
import ssl
import subprocess

import pytest

from test_crud import assert_status


def test_tls_with_token(start_server, tls_dir, tmp_path):
    kubeconfig = tmp_path / "kubeconfig"
    s = start_server("--tls-dir", tls_dir, "--token", "s3cret", "--san", "10.96.0.1",
                     "--kubeconfig-out", str(kubeconfig))
    assert s.url.startswith("https://127.0.0.1:") and s.ca == f"{tls_dir}/ca.crt"
    assert s.get("/api/v1/namespaces").status == 200

    # Wrong or missing token: 401 with a Status body, for discovery too.
    body = assert_status(s.get("/api/v1/namespaces", token="wrong"), 401, "Unauthorized")
    assert body["message"] == "Unauthorized"
    assert_status(s.get("/api", token=None), 401, "Unauthorized")
    assert_status(s.get("/api/v1/pods?watch=1", token="wrong"), 401, "Unauthorized")
    assert s.get("/healthz", token=None).raw == b"ok"  # health checks need no token

    # The certificate names 127.0.0.1, ::1, localhost and the extra SAN.
    text = subprocess.run(["openssl", "x509", "-in", f"{tls_dir}/server.crt", "-noout", "-ext", "subjectAltName"],
                          capture_output=True, text=True, check=True).stdout
    for san in ("IP Address:127.0.0.1", "IP Address:0:0:0:0:0:0:0:1", "DNS:localhost", "IP Address:10.96.0.1"):
        assert san in text

    # Without the CA (system trust only) the handshake fails.
    with pytest.raises(ssl.SSLCertVerificationError):
        _get_with_system_trust(s)

    config = json.loads(kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    assert cluster["server"] == s.url
    with open(s.ca, "rb") as f:
        assert base64.b64decode(cluster["certificate-authority-data"]) == f.read()
    assert config["users"][0]["user"] == {"token": "s3cret"}


def _get_with_system_trust(s):
    conn = http.client.HTTPSConnection(s.host, s.port, timeout=5, context=ssl.create_default_context())
    try:
        conn.request("GET", "/api")
        conn.getresponse()
    finally:
        conn.close()


def test_certificates_are_made_once(start_server, tls_dir):
    s1 = start_server("--tls-dir", tls_dir, "--san", "10.96.0.1")
    with open(s1.ca, "rb") as f:
        ca = f.read()
    s2 = start_server("--tls-dir", tls_dir, "--san", "10.96.0.1", listen="[::1]:0")
    with open(s2.ca, "rb") as f:
        assert f.read() == ca
    assert s2.url.startswith("https://[::1]:")
    assert s2.get("/api").status == 200  # ::1 is in the certificate


def test_token_file_is_reread_on_every_request(start_server, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("first\n")
    s = start_server("--token-file", str(token_file))
    assert s.info["token"] == "first" and s.info["tokenFile"] == str(token_file)
    assert s.get("/api", token="first").status == 200
    token_file.write_text("second")
    assert_status(s.get("/api", token="first"), 401, "Unauthorized")
    assert s.get("/api", token="second").status == 200
    token_file.unlink()
    assert_status(s.get("/api", token="second"), 401, "Unauthorized")

    s.control("set-token", token="static")
    assert s.get("/api", token="static").status == 200


def test_watch_keeps_running_after_token_rotation(start_server, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text("one")
    s = start_server("--token-file", str(token_file))
    with s.watch("/api/v1/namespaces?watch=1", token="one") as w:
        w.events(2)  # default, kube-system
        token_file.write_text("two")  # authentication happened at request start
        s.control("apply", object={"kind": "Namespace", "metadata": {"name": "later"}})
        assert w.events(1)[0]["object"]["metadata"]["name"] == "later"
    assert_status(s.get("/api/v1/namespaces?watch=1", token="one"), 401, "Unauthorized")


def test_rotate_ca(start_server, tmp_path):
    tls = tmp_path / "own-tls"
    kubeconfig = tmp_path / "kc"
    s = start_server("--tls-dir", str(tls), "--kubeconfig-out", str(kubeconfig))
    old_ca = tmp_path / "old-ca.crt"
    old_ca.write_bytes((tls / "ca.crt").read_bytes())
    assert s.get("/api").status == 200
    reply = s.control("rotate-ca")
    assert reply["ca"] == str(tls / "ca.crt")
    assert (tls / "ca.crt").read_bytes() != old_ca.read_bytes()
    with pytest.raises(ssl.SSLCertVerificationError):
        s.get("/api", cafile=str(old_ca))
    assert s.get("/api").status == 200  # with the new CA
    data = json.loads(kubeconfig.read_text())["clusters"][0]["cluster"]["certificate-authority-data"]
    assert base64.b64decode(data) == (tls / "ca.crt").read_bytes()
