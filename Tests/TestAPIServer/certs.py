"""A test CA and a server certificate made with the openssl CLI, plus the kubeconfig.

Generated once into --tls-dir and reused (so parallel servers and restarts share
one CA); the server certificate is re-issued only when the wanted SANs change.
Files are written under temporary names and renamed, so a reader never sees half a file.
"""

import base64
import fcntl
import ipaddress
import json
import os
import secrets
import subprocess
import tempfile

DEFAULT_SANS = ("127.0.0.1", "::1", "localhost")

_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = fake-kube-apiserver
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[v3_server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = {sans}
"""


class TLSFiles:
    def __init__(self, directory):
        self.dir = os.path.abspath(directory)
        self.ca_crt = os.path.join(self.dir, "ca.crt")
        self.ca_key = os.path.join(self.dir, "ca.key")
        self.server_crt = os.path.join(self.dir, "server.crt")
        self.server_key = os.path.join(self.dir, "server.key")
        self.sans_file = os.path.join(self.dir, "server.sans")


def _san_list(extra):
    sans = list(DEFAULT_SANS)
    for s in extra or ():
        if s not in sans:
            sans.append(s)
    out = []
    for s in sans:
        try:
            out.append(f"IP:{ipaddress.ip_address(s)}")
        except ValueError:
            out.append(f"DNS:{s}")
    return ",".join(out)


def _openssl(*args):
    proc = subprocess.run(["openssl", *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed: {proc.stderr.strip()}")


def _ec_key_args():
    # P-256 keys: generated in milliseconds, accepted by Go, OpenSSL and libcurl.
    return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


def _issue(files, sans, new_ca):
    with tempfile.TemporaryDirectory(dir=files.dir) as tmp:
        cnf = os.path.join(tmp, "openssl.cnf")
        with open(cnf, "w") as f:
            f.write(_CONFIG.format(sans=sans))
        ca_crt, ca_key = files.ca_crt, files.ca_key
        if new_ca:
            ca_crt, ca_key = os.path.join(tmp, "ca.crt"), os.path.join(tmp, "ca.key")
            # A random CN tells rotated CAs apart in error messages.
            _openssl("req", "-x509", "-new", "-config", cnf, "-extensions", "v3_ca", *_ec_key_args(),
                     "-keyout", ca_key, "-out", ca_crt, "-days", "3650",
                     "-subj", f"/CN=fake-kube-apiserver-ca-{secrets.token_hex(4)}")
        csr, key, crt = (os.path.join(tmp, n) for n in ("server.csr", "server.key", "server.crt"))
        _openssl("req", "-new", "-config", cnf, *_ec_key_args(), "-keyout", key, "-out", csr,
                 "-subj", "/CN=fake-kube-apiserver")
        _openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                 "-set_serial", f"0x{secrets.token_hex(8)}", "-days", "3650",
                 "-extfile", cnf, "-extensions", "v3_server", "-out", crt)
        with open(os.path.join(tmp, "server.sans"), "w") as f:
            f.write(sans)
        # Key before certificate, CA last: a reader of ca.crt then finds a server ready to match it.
        moves = [(key, files.server_key), (crt, files.server_crt), (os.path.join(tmp, "server.sans"), files.sans_file)]
        if new_ca:
            moves += [(ca_key, files.ca_key), (ca_crt, files.ca_crt)]
        for src, dst in moves:
            os.chmod(src, 0o600 if dst.endswith(".key") else 0o644)
            os.replace(src, dst)


def ensure(directory, extra_sans=(), rotate=False):
    """Make (or reuse) the CA and server certificate in `directory`; `rotate` makes a new CA."""
    os.makedirs(directory, exist_ok=True)
    files = TLSFiles(directory)
    sans = _san_list(extra_sans)
    with open(os.path.join(files.dir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two servers starting at once must not both generate
        have_ca = os.path.exists(files.ca_crt) and os.path.exists(files.ca_key)
        try:
            with open(files.sans_file) as f:
                same_sans = f.read() == sans
        except OSError:
            same_sans = False
        have_server = same_sans and os.path.exists(files.server_crt) and os.path.exists(files.server_key)
        if rotate or not have_ca:
            _issue(files, sans, new_ca=True)
        elif not have_server:
            _issue(files, sans, new_ca=False)
    return files


def write_kubeconfig(path, url, ca_file=None, token=None, token_file=None):
    """A kubeconfig for the fake, as JSON (which is YAML). tokenFile wins over token, as in client-go."""
    cluster = {"server": url}
    if ca_file:
        with open(ca_file, "rb") as f:
            cluster["certificate-authority-data"] = base64.b64encode(f.read()).decode()
    user = {}
    if token_file:
        user["tokenFile"] = os.path.abspath(token_file)
    elif token:
        user["token"] = token
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": cluster}],
        "users": [{"name": "fake", "user": user}],
        "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake", "namespace": "default"}}],
        "current-context": "fake",
        "preferences": {},
    }
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(config, f, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
