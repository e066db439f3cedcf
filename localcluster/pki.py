"""The cluster's own CA and every certificate signed by it (openssl, nothing downloaded).

One CA; a serving certificate for the API server and one for the kubelet; a
client certificate per component, each with the identity Kubernetes' default
RBAC and the Node authorizer expect. Existing files are kept, so a restart
keeps every identity.
"""

from __future__ import annotations

import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .render import KUBE_ROUTER_USER, apiserver_sans
from .settings import ClusterSettings

_LEAF = "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment"
CLIENT = f"{_LEAF}\nextendedKeyUsage=clientAuth"
SERVER = f"{_LEAF}\nextendedKeyUsage=serverAuth"


@dataclass(frozen=True)
class Identity:
    """A certificate to issue: file stem, subject, extensions."""

    name: str
    subject: str
    extensions: str
    ca: str = "ca"
    """The file stem of the CA that signs it."""


def identities(s: ClusterSettings) -> list[Identity]:
    """Every certificate the cluster needs; the node's only when it runs."""
    found = [
        Identity(
            "apiserver",
            "/CN=kube-apiserver",
            f"{SERVER}\nsubjectAltName={','.join(apiserver_sans(s))}",
        ),
        Identity("admin", "/O=system:masters/CN=gantry-admin", CLIENT),
        Identity("controller-manager", "/CN=system:kube-controller-manager", CLIENT),
        Identity("scheduler", "/CN=system:kube-scheduler", CLIENT),
        # kwok writes node and pod status for every simulated node.
        Identity("kwok", "/O=system:masters/CN=gantry-kwok", CLIENT),
    ]
    if s.with_node:
        for node in s.real_nodes:
            found += [
                # The Node authorizer knows a kubelet by this group and name.
                Identity(
                    f"kubelet-client-{node.name}",
                    f"/O=system:nodes/CN=system:node:{node.name}",
                    CLIENT,
                ),
                Identity(
                    f"kubelet-{node.name}",
                    f"/CN=system:node:{node.name}",
                    f"{SERVER}\nsubjectAltName=IP:{s.node_ip},DNS:{node.name}",
                ),
            ]
        found += [
            # The default RBAC binds system:node-proxier to this user.
            Identity("kube-proxy", "/CN=system:kube-proxy", CLIENT),
            # NetworkPolicy enforcement; render.kube_router_rbac grants it read access.
            Identity("kube-router", f"/CN={KUBE_ROUTER_USER}", CLIENT),
            # Logs, exec and port-forward: the API server as the kubelet's client.
            Identity(
                "apiserver-kubelet-client",
                "/O=system:masters/CN=kube-apiserver-kubelet-client",
                CLIENT,
            ),
            # The aggregation layer's client, signed by a CA of its own.
            Identity("front-proxy-client", "/CN=front-proxy-client", CLIENT, ca="front-proxy-ca"),
        ]
    return found


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def _san_of(crt: Path) -> str:
    return subprocess.run(
        ["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", str(crt)],
        capture_output=True,
        text=True,
        check=False,
    ).stdout


def ensure(s: ClusterSettings) -> None:
    """Create the CA, the service-account key pair and every missing certificate."""
    pki = s.pki
    pki.mkdir(parents=True, exist_ok=True)
    pki.chmod(0o700)
    for ca, subject in (
        ("ca", "/CN=gantry-local-ca"),
        ("front-proxy-ca", "/CN=gantry-front-proxy-ca"),
    ):
        if not (pki / f"{ca}.crt").exists():
            _openssl(
                "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes",
                "-keyout", str(pki / f"{ca}.key"), "-days", "3650", "-subj", subject,
                "-out", str(pki / f"{ca}.crt"),
            )  # fmt: skip
    for identity in identities(s):
        crt = pki / f"{identity.name}.crt"
        # A node address that changed (another machine, another network) needs new serving names.
        serving = identity.name == "apiserver" or identity.name.startswith("kubelet-gantry")
        if (
            crt.exists()
            and s.with_node
            and serving
            and f"IP Address:{s.node_ip}" not in _san_of(crt)
        ):
            crt.unlink()
        if crt.exists():
            continue
        key, csr = pki / f"{identity.name}.key", pki / f"{identity.name}.csr"
        _openssl(
            "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
            "-subj", identity.subject, "-out", str(csr),
        )  # fmt: skip
        with tempfile.NamedTemporaryFile("w", suffix=".ext", dir=pki) as ext:
            ext.write(identity.extensions + "\n")
            ext.flush()
            _openssl(
                "x509", "-req", "-in", str(csr), "-CA", str(pki / f"{identity.ca}.crt"),
                "-CAkey", str(pki / f"{identity.ca}.key"),
                "-CAcreateserial", "-days", "365", "-sha256", "-extfile", ext.name,
                "-out", str(crt),
            )  # fmt: skip
        csr.unlink()
    if not (pki / "sa.key").exists():
        _openssl("genrsa", "-out", str(pki / "sa.key"), "2048")
        _openssl("rsa", "-in", str(pki / "sa.key"), "-pubout", "-out", str(pki / "sa.pub"))


def client_files(s: ClusterSettings, name: str) -> tuple[bytes, bytes, bytes]:
    """(CA, certificate, key) of NAME's client identity, for its kubeconfig."""
    pki = s.pki
    return (
        (pki / "ca.crt").read_bytes(),
        (pki / f"{name}.crt").read_bytes(),
        (pki / f"{name}.key").read_bytes(),
    )
