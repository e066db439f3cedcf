"""A password generated once and kept in state as a secret, with no plugin to install.

`pulumi-random` would do this, but its provider plugin cannot be built from
the package registries, so a stack that must run offline (local) could not
use it. A Pulumi dynamic provider runs in the program's own Python through
`pulumi-resource-pulumi-python`, which ships with the SDK: the value is drawn
from `secrets` on create, stays stable across updates, and is registered as a
secret output, so the state holds it encrypted and outputs show it masked.
"""

from __future__ import annotations

import secrets
import string
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ResourceProvider

ALPHABET = string.ascii_letters + string.digits
MIN_LENGTH = 16


def generate(length: int) -> str:
    """`length` characters from a CSPRNG, letters and digits only (safe in any config file)."""
    if length < MIN_LENGTH:
        msg = f"a generated password needs at least {MIN_LENGTH} characters (asked for {length})"
        raise ValueError(msg)
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


class GeneratedPasswordProvider(ResourceProvider):
    """Draws on create; a new length replaces the password, nothing else changes it."""

    def create(self, props: dict[str, Any]) -> CreateResult:
        length = int(props["length"])
        outs = {"length": length, "result": generate(length)}
        return CreateResult(id_=secrets.token_hex(8), outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        changed = int(olds["length"]) != int(news["length"])
        return DiffResult(
            changes=changed,
            replaces=["length"] if changed else [],
            delete_before_replace=False,
        )


class GeneratedPassword(pulumi.dynamic.Resource):
    """`result` is the password, a secret Output."""

    result: pulumi.Output[str]

    def __init__(self, name: str, length: int, opts: pulumi.ResourceOptions | None = None) -> None:
        secret_result = pulumi.ResourceOptions(additional_secret_outputs=["result"])
        super().__init__(
            GeneratedPasswordProvider(),
            name,
            {"length": length, "result": None},
            pulumi.ResourceOptions.merge(opts, secret_result),
        )
