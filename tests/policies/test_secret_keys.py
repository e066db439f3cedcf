"""K18 on keys handed over as bare base64 DER, made by openssl for each run (none committed).

Private keys in every container format openssl writes must be found; the public halves,
certificates and signing requests of the same keys, which start with the same bytes
until their second element, must not.
"""

from __future__ import annotations

import base64
import subprocess
import textwrap
from pathlib import Path

import pytest
from engine import Engine
from gantry_policies.secret_values import secret_in
from helpers import policy
from test_rule_contract import pack_config

PRIVATE = {
    "rsa-pkcs8": ["pkey", "-in", "rsa.pem", "-outform", "DER"],
    "rsa-pkcs1": ["pkey", "-in", "rsa.pem", "-outform", "DER", "-traditional"],
    "ec-sec1": ["pkey", "-in", "ec.pem", "-outform", "DER", "-traditional"],
    "ec-pkcs8": ["pkey", "-in", "ec.pem", "-outform", "DER"],
    "ed25519-pkcs8": ["pkey", "-in", "ed.pem", "-outform", "DER"],
    "rsa-encrypted-pkcs8": [
        *("pkcs8", "-topk8", "-in", "rsa.pem", "-outform", "DER"),
        *("-v2", "aes-256-cbc", "-passout", "pass:gantry"),
    ],
    "pkcs12": [
        *("pkcs12", "-export", "-inkey", "rsa.pem", "-in", "cert.pem"),
        *("-passout", "pass:gantry"),
    ],
}
PUBLIC = {
    "certificate": ["x509", "-in", "cert.pem", "-outform", "DER"],
    "rsa-spki": ["pkey", "-in", "rsa.pem", "-pubout", "-outform", "DER"],
    "rsa-pkcs1-public": ["rsa", "-in", "rsa.pem", "-RSAPublicKey_out", "-outform", "DER"],
    "ec-spki": ["pkey", "-in", "ec.pem", "-pubout", "-outform", "DER"],
    "csr": ["req", "-new", "-key", "rsa.pem", "-subj", "/CN=gantry", "-outform", "DER"],
}
_SETUP = [
    ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", "rsa.pem"],
    ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"],
    ["genpkey", "-algorithm", "ED25519", "-out", "ed.pem"],
    [
        *("req", "-x509", "-new", "-key", "rsa.pem", "-subj", "/CN=gantry"),
        *("-days", "1", "-out", "cert.pem"),
    ],
]


def _openssl(args: list[str], cwd: Path) -> bytes:
    result = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, check=False)
    assert result.returncode == 0, f"openssl {' '.join(args)}: {result.stderr.decode()}"
    return result.stdout


@pytest.fixture(scope="module")
def der(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Every structure above, DER-encoded, from keys made for this run."""
    folder = tmp_path_factory.mktemp("keys")
    for args in _SETUP:
        _openssl(args, folder)
    return {name: _openssl(args, folder) for name, args in {**PRIVATE, **PUBLIC}.items()}


@pytest.mark.parametrize("name", list(PRIVATE))
def test_a_private_key_as_base64_der_is_found(der: dict[str, bytes], name: str) -> None:
    encoded = base64.b64encode(der[name]).decode()
    found = secret_in(encoded)
    assert found is not None and found.endswith("(base64-encoded)"), found
    wrapped = "\n".join(textwrap.wrap(encoded, 76))  # `base64` without -w0
    assert secret_in(f"key: |\n  {wrapped.replace(chr(10), chr(10) + '  ')}\n") == found


@pytest.mark.parametrize("name", list(PUBLIC))
def test_a_public_structure_as_base64_der_passes(der: dict[str, bytes], name: str) -> None:
    assert secret_in(base64.b64encode(der[name]).decode()) is None


def test_binary_data_is_judged_decoded(der: dict[str, bytes]) -> None:
    """A ConfigMap's binaryData is base64 already: the key inside is found, the cert is not."""
    data = {name: base64.b64encode(blob).decode() for name, blob in der.items()}
    props = {"metadata": {"name": "cfg", "namespace": "apps"}, "binaryData": data}
    found = Engine(pack_config({})).analyze("kubernetes:core/v1:ConfigMap", props, "cfg")
    flagged = {m.split('"')[1] for m in found.messages(policy("K18").name)}
    assert flagged == set(PRIVATE)
