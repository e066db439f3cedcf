"""Recognise a secret by its value: private keys, credentials in URLs, well-known token formats.

Hand-written patterns rather than a scanner library: the pack runs inside the engine's
policy venv on every preview, and these few anchored expressions cost microseconds on
the megabyte of chart ConfigMaps (dashboards) a stack carries. Each pattern matches a
format that only a credential has; the corpus in tests/policies/secret_corpus.py
(true positives and realistic negatives) measures the false-positive rate.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from typing import Final

_PRIVATE_KEY: Final = re.compile(
    r"-----BEGIN (?:(?:RSA|DSA|EC|OPENSSH|ENCRYPTED|ED25519) )?PRIVATE KEY(?: BLOCK)?-----"
    r"|-----BEGIN PGP PRIVATE KEY BLOCK-----"
)
_URL_CREDENTIALS: Final = re.compile(
    r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://(?P<user>[^\s/:@'\"]*):(?P<password>[^\s/@'\"]+)@[^\s/@]"
)
_PLACEHOLDER: Final = re.compile(
    r"^(?:\$\(?\{?[A-Za-z_][A-Za-z0-9_]*\}?\)?|\$\{[^}]*\}|\{\{.*\}\}|<[^>]*>|%[sv]|[*xX.]+)$"
)
"""A password that is an env reference ($(DB_PASS), ${DB_PASS}), a template, or a mask."""
_TOKENS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = (
    ("an AWS access key id", re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b")),
    ("a GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_\w{82})\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-(?:[0-9]+-){1,3}[A-Za-z0-9-]{8,}")),
    (
        "a Slack webhook URL",
        re.compile(r"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]+/[A-Za-z0-9/]+"),
    ),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    ("a Stripe secret key", re.compile(r"\b[sr]k_live_[0-9A-Za-z]{20,}\b")),
    ("an npm token", re.compile(r"\bnpm_[A-Za-z0-9]{36}\b")),
)
_JWT: Final = re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
_HINT: Final = re.compile(
    r"-----BEGIN|://[^\s/]*@|A[KSBC][IC]A|gh[pousr]_|github_pat_|xox|hooks\.slack|AIza|k_live_|npm_|eyJ"
)
"""A cheap pre-filter: a value with none of these substrings has no secret we recognise."""


def _is_jwt(text: str) -> bool:
    """Header and payload decode to JSON objects, and the header names an algorithm."""
    header, payload = text.split(".")[:2]
    try:
        parts = [
            json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in (header, payload)
        ]
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return False
    return all(isinstance(p, dict) for p in parts) and "alg" in parts[0]


def _url_credentials(text: str) -> str | None:
    for match in _URL_CREDENTIALS.finditer(text):
        if not _PLACEHOLDER.match(match.group("password")):
            return "credentials embedded in a URL"
    return None


_Detector = Callable[[str], str | None]


def _private_key(text: str) -> str | None:
    return "a private key" if _PRIVATE_KEY.search(text) else None


def _token(text: str) -> str | None:
    for what, pattern in _TOKENS:
        if pattern.search(text):
            return what
    return None


def _jwt(text: str) -> str | None:
    return "a JWT" if any(_is_jwt(m.group(0)) for m in _JWT.finditer(text)) else None


DETECTORS: Final[tuple[_Detector, ...]] = (_private_key, _url_credentials, _token, _jwt)


def secret_in(text: str) -> str | None:
    """What kind of secret ``text`` carries (``"a private key"``), or None."""
    if not _HINT.search(text):
        return None
    for detect in DETECTORS:
        found = detect(text)
        if found:
            return found
    return None
