"""Recognise a secret by its value: private keys, credentials in URLs, cloud credential formats.

Hand-written patterns rather than a scanner library: the pack runs inside the engine's
policy venv on every preview, over the megabyte of chart ConfigMaps (dashboards) a stack
carries. Each format names substrings it cannot occur without, and its expression runs
only where one of them does, so a value costs a few substring searches. Each pattern
matches a format that only a credential has: a key block, a token with its issuer's
prefix, or a credential field of a cloud CLI or SDK file (AWS credentials, Azure
connection strings and token caches, Google authorized-user files) with a value in that
credential's shape, never a placeholder. A base64 run is decoded once and judged again, so
a key or credentials file handed over as base64 (a kubeconfig's client key, a
service-account JSON in an env value, a bare DER key) is found too. The corpus in
tests/policies/secret_corpus.py (true positives and realistic negatives) measures the
false-positive rate.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from .private_key_der import private_key_in_der


@dataclass(frozen=True)
class _Format:
    """A credential format: what it is, substrings it needs, the expression that finds it."""

    what: str
    needles: tuple[str, ...]
    """One of these must occur in the value (lower-cased first when ``folded``)."""
    pattern: re.Pattern[str]
    folded: bool = False


def _f(what: str, needles: str, pattern: str, *, folded: bool = False) -> _Format:
    return _Format(what, tuple(needles.split()), re.compile(pattern), folded)


_FIELD: Final = r"[\"']?[ \t]*[:=][ \t]*[\"']?"
"""Between a credential field's name and its value: ini `=`, YAML `:`, JSON `":"`."""

FORMATS: Final[tuple[_Format, ...]] = (
    _f(
        "a private key",
        "PRIVATE OpenVPN AGE-SECRET-KEY-1",
        r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
        r"|---- BEGIN SSH2 ENCRYPTED PRIVATE KEY ----"
        r"|-----BEGIN OpenVPN Static key V1-----"
        r"|(?<![A-Z0-9-])AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}(?![A-Z0-9])",
    ),
    _f(
        "a WireGuard private key",
        "PrivateKey",
        r"(?m)^[ \t]*PrivateKey[ \t]*=[ \t]*[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=",
    ),
    _f(
        "an AWS access key id",
        "AKIA ASIA ABIA ACCA",
        r"(?<![\w])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    ),
    _f(
        "an AWS secret access key",
        "secret_access_key secretaccesskey",
        rf"(?i)secret_?access_?key{_FIELD}[A-Za-z0-9/+]{{40}}(?![A-Za-z0-9/+])",
        folded=True,
    ),
    _f(
        "an AWS session token",
        "session_token sessiontoken",
        rf"(?i)session_?token{_FIELD}[A-Za-z0-9/+]{{100,}}",
        folded=True,
    ),
    _f(
        "an Azure account or shared access key",
        "accountkey= sharedaccesskey=",
        r"(?i)(?:AccountKey|SharedAccessKey)=[A-Za-z0-9+/]{40,}",
        folded=True,
    ),
    _f(
        "an Azure shared access signature",
        "sig=",
        r"sv=\d{4}-\d\d-\d\d&(?:[^\s\"'&]+&)*?sig=[A-Za-z0-9%+/]{20,}",
    ),
    _f("an Azure AD client secret", "Q~", r"(?<![\w~.-])[\w~.-]{3}\dQ~[\w~.-]{31,34}(?![\w~.-])"),
    _f(
        "an Azure CLI token cache",
        "credential_type",
        r"\"credential_type\"\s*:\s*\"RefreshToken\"",
    ),
    _f("an Azure client secret", "clientSecret", r"\"clientSecret\"\s*:\s*\"[^\"\s$<{]{8,}\""),
    _f("a Google OAuth access token", "ya29.", r"(?<![\w.])ya29\.[0-9A-Za-z_-]{20,}"),
    _f("a Google OAuth refresh token", "1//0", r"(?<![\w/])1//0[0-9A-Za-z_-]{30,}"),
    _f("a Google OAuth client secret", "GOCSPX-", r"GOCSPX-[0-9A-Za-z_-]{28}"),
    _f(
        "an OAuth refresh token",
        "refresh_token refreshtoken",
        r"(?i)\"refresh_?token\"\s*:\s*\"[\w.~+/=-]{20,}\"",
        folded=True,
    ),
    _f("a Google Cloud Storage HMAC key id", "GOOG1", r"(?<![\w])GOOG1[0-9A-Z]{40,}\b"),
    _f("a DigitalOcean token", "_v1_", r"(?<![\w])do[opr]_v1_[a-f0-9]{64}\b"),
    _f("an Alibaba Cloud AccessKey id", "LTAI", r"(?<![\w])LTAI[0-9A-Za-z]{12,20}\b"),
    _f("a HashiCorp Vault token", "hvs. hvb.", r"(?<![\w.])hv[sb]\.[0-9A-Za-z_-]{24,}"),
    _f("a Terraform Cloud token", ".atlasv1.", r"[0-9A-Za-z]{14}\.atlasv1\.[0-9A-Za-z_-]{60,}"),
    _f(
        "a GitHub token",
        "ghp_ gho_ ghu_ ghs_ ghr_ github_pat_",
        r"(?<![\w])(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_\w{82})\b",
    ),
    _f("a Slack token", "xox", r"(?<![\w])xox[abposr]-(?:[0-9]+-){1,3}[A-Za-z0-9-]{8,}"),
    _f(
        "a Slack webhook URL",
        "hooks.slack.com",
        r"https://hooks\.slack\.com/(?:services|workflows)/T[A-Z0-9]+/[A-Za-z0-9/]+",
    ),
    _f("a Google API key", "AIza", r"(?<![\w])AIza[0-9A-Za-z_-]{35}\b"),
    _f("a Stripe secret key", "k_live_", r"(?<![\w])[sr]k_live_[0-9A-Za-z]{20,}\b"),
    _f("an npm token", "npm_", r"(?<![\w])npm_[A-Za-z0-9]{36}\b"),
)
"""Every format recognised by one expression, in the order findings name them."""

_TOGETHER: Final[tuple[tuple[str, tuple[_Format, ...]], ...]] = (
    (
        "an Azure service principal password",  # `az ad sp create-for-rbac` output
        (
            _f("", '"appId"', r"\"appId\"\s*:"),
            _f("", '"tenant"', r"\"tenant\"\s*:"),
            _f("", '"password"', r"\"password\"\s*:\s*\"[^\"\s$<{]{8,}\""),
        ),
    ),
    (
        "a private JSON Web Key",  # a public JWK has only n/e or x/y, never d
        (
            _f("", '"kty"', r"\"kty\"\s*:\s*\"(?:RSA|EC|OKP)\""),
            _f("", '"d"', r"\"d\"\s*:\s*\"[\w-]{20,}\""),
        ),
    ),
    (
        "a PuTTY private key",
        (
            _f("", "PuTTY-User-Key-File-", r"PuTTY-User-Key-File-\d+:"),
            _f("", "Private-Lines:", r"(?m)^Private-Lines:"),
        ),
    ),
)
"""Credentials recognised by fields that only hold one together, each alone being harmless."""

_URL_CREDENTIALS: Final = re.compile(
    r"\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://(?P<user>[^\s/:@'\"]*):(?P<password>[^\s/@'\"]+)@[^\s/@]"
)
_URL_HINT: Final = re.compile(r"://[^\s/]*@")
_PLACEHOLDER: Final = re.compile(
    r"^(?:\$\(?\{?[A-Za-z_][A-Za-z0-9_]*\}?\)?|\$\{[^}]*\}|\{\{.*\}\}|<[^>]*>|%[sv]|[*xX.]+)$"
)
"""A password that is an env reference ($(DB_PASS), ${DB_PASS}), a template, or a mask."""
_JWT: Final = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")
_REGISTRY_AUTH: Final = re.compile(r"\"auth\"\s*:\s*\"(?P<auth>[A-Za-z0-9+/]{8,}={0,2})\"")
_USER_PASSWORD: Final = re.compile(rb"[^\s:{}\"]+:\S+")
_BASE64: Final = re.compile(
    r"[A-Za-z0-9+/]{40,}={0,2}(?:(?:\r?\n|\\n)[ \t]*[A-Za-z0-9+/]{4,}={0,2})*"
)
"""A base64 run long enough to hold a key, including lines wrapped at 64 or 76 characters."""


class _Value:
    """One value and its lower-cased form, made once and only when a folded format asks."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._lowered: str | None = None

    def has(self, fmt: _Format) -> bool:
        if fmt.folded:
            self._lowered = self._lowered if self._lowered is not None else self.text.lower()
            hay = self._lowered
        else:
            hay = self.text
        return any(needle in hay for needle in fmt.needles) and bool(fmt.pattern.search(self.text))


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


def _b64decode(run: str) -> bytes | None:
    compact = re.sub(r"\s|\\n", "", run)
    try:
        return base64.b64decode(compact + "=" * (-len(compact) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _formats(value: _Value) -> str | None:
    return next((f.what for f in FORMATS if value.has(f)), None)


def _url_credentials(value: _Value) -> str | None:
    if not _URL_HINT.search(value.text):
        return None
    for match in _URL_CREDENTIALS.finditer(value.text):
        if not _PLACEHOLDER.match(match.group("password")):
            return "credentials embedded in a URL"
    return None


def _fields_together(value: _Value) -> str | None:
    return next((what for what, parts in _TOGETHER if all(value.has(f) for f in parts)), None)


def _registry_auth(value: _Value) -> str | None:
    """A container auth file's (Docker, Podman) ``auth``: base64 of ``user:password``."""
    if '"auth"' not in value.text:
        return None
    for match in _REGISTRY_AUTH.finditer(value.text):
        decoded = _b64decode(match.group("auth"))
        if decoded is not None and _USER_PASSWORD.fullmatch(decoded):
            return "a registry password (container auth file)"
    return None


def _jwt(value: _Value) -> str | None:
    if "eyJ" not in value.text:
        return None
    return "a JWT" if any(_is_jwt(m.group(0)) for m in _JWT.finditer(value.text)) else None


_TEXT_DETECTORS: Final[tuple[Callable[[_Value], str | None], ...]] = (
    _formats,
    _url_credentials,
    _fields_together,
    _registry_auth,
    _jwt,
)


def _in_text(text: str) -> str | None:
    value = _Value(text)
    return next((found for detect in _TEXT_DETECTORS if (found := detect(value))), None)


def _judge_bytes(data: bytes, judge_text: Callable[[str], str | None]) -> str | None:
    """Text is judged by ``judge_text``; other bytes are read as a DER key or keystore."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return private_key_in_der(data)
    return judge_text(text)


def _base64_wrapped(text: str) -> str | None:
    """A secret inside a base64 run of ``text``, decoded once (no base64 inside base64)."""
    for match in _BASE64.finditer(text):
        data = _b64decode(match.group(0))
        found = _judge_bytes(data, _in_text) if data is not None else None
        if found:
            return f"{found} (base64-encoded)"
    return None


def secret_in(text: str) -> str | None:
    """What kind of secret ``text`` carries (``"a private key"``), or None."""
    return _in_text(text) or _base64_wrapped(text)


def secret_in_base64(value: str) -> str | None:
    """What kind of secret the base64 ``value`` (a ConfigMap's ``binaryData``) holds, or None."""
    data = _b64decode(value)
    return _judge_bytes(data, secret_in) if data is not None else None
