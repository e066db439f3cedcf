"""Shared building blocks for the config models."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, StringConstraints

DnsLabel = Annotated[
    str,
    StringConstraints(pattern=r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$"),
]
"""A name that is valid as a Kubernetes object name, a cloud resource prefix and
a Pulumi resource name prefix at once (lower-case, at most 40 characters)."""


class SecretKeyField:
    """Marks `SecretKey` fields for `secrets.secret_key_values`, which walks the models."""


SECRET_KEY_FIELD = SecretKeyField()

SecretKey = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z][a-zA-Z0-9_]*$"), SECRET_KEY_FIELD]
"""The name of another key in the stack config that holds a secret value
(`pulumi config set --secret <name> ...`). Models keep names, never values."""

_DURATION = re.compile(r"^([0-9]+(ms|s|m|h|d|w|y))+$")


def _duration(text: str) -> str:
    if not _DURATION.match(text):
        msg = f"'{text}' is not a Prometheus-style duration (e.g. 30s, 15m, 6h, 15d)"
        raise ValueError(msg)
    return text


Duration = Annotated[str, AfterValidator(_duration)]


class Model(BaseModel):
    """Strict base: unknown keys are errors, so a typo never silently becomes a default."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, populate_by_name=True, use_attribute_docstrings=True
    )
