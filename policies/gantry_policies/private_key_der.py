"""Recognise a private key or keystore in DER bytes: a key handed over as bare base64.

A PEM key has a ``-----BEGIN ... PRIVATE KEY-----`` line; the same key often travels
without it, as the base64 of its DER encoding (an env value, a kubeconfig's
``client-key-data`` decoded once, an Azure client certificate as a PFX). Only the
outermost ASN.1 elements are read, enough to tell the private structures (RFC 8017
RSAPrivateKey, RFC 5915 ECPrivateKey, RFC 5958 OneAsymmetricKey and
EncryptedPrivateKeyInfo, RFC 7292 PFX) from certificates and public keys, which
start differently.
"""

from __future__ import annotations

from typing import Final, NamedTuple

_SEQUENCE: Final = 0x30
_INTEGER: Final = 0x02
_OCTET_STRING: Final = 0x04
_OID: Final = 0x06


class _Element(NamedTuple):
    tag: int
    start: int
    end: int


def _element(data: bytes, at: int, limit: int) -> _Element | None:
    """The DER element at ``at`` (tag, first and past-last content byte), within ``limit``."""
    if at + 2 > limit:
        return None
    tag, first = data[at], data[at + 1]
    start = at + 2
    if first >= 0x80:
        count = first & 0x7F
        if not 1 <= count <= 4 or start + count > limit:
            return None
        length = int.from_bytes(data[start : start + count], "big")
        start += count
    else:
        length = first
    end = start + length
    return _Element(tag, start, end) if end <= limit else None


def _children(data: bytes, parent: _Element) -> list[_Element]:
    """The elements directly inside ``parent``; empty when they do not tile it exactly."""
    found, at = [], parent.start
    while at < parent.end:
        child = _element(data, at, parent.end)
        if child is None:
            return []
        found.append(child)
        at = child.end
    return found


def _small_integer(data: bytes, element: _Element) -> int | None:
    if element.tag != _INTEGER or element.end - element.start != 1:
        return None
    return data[element.start]


def _kind(data: bytes, parts: list[_Element]) -> str | None:
    tags = [p.tag for p in parts]
    version = _small_integer(data, parts[0]) if parts else None
    pkcs8 = version in (0, 1) and tags[1:3] == [_SEQUENCE, _OCTET_STRING]  # RFC 5958
    sec1 = version == 1 and tags[1:2] == [_OCTET_STRING]  # ECPrivateKey
    integers = version == 0 and len(parts) >= 6 and set(tags) == {_INTEGER}  # RSA 9, DSA 6
    if pkcs8 or sec1 or integers:
        return "a private key"
    if version == 3 and tags[1:2] == [_SEQUENCE]:
        return "a PKCS#12 keystore"
    algorithm = _children(data, parts[0]) if tags == [_SEQUENCE, _OCTET_STRING] else []
    if algorithm and algorithm[0].tag == _OID:
        return "an encrypted private key"  # EncryptedPrivateKeyInfo
    return None


def private_key_in_der(data: bytes) -> str | None:
    """What private structure ``data`` is (``"a private key"``, ``"a PKCS#12 keystore"``),
    or None for anything else, certificates and public keys included."""
    outer = _element(data, 0, len(data))
    if outer is None or outer.tag != _SEQUENCE or outer.end != len(data):
        return None
    return _kind(data, _children(data, outer))
