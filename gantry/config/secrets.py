"""Which config values name secrets: every field typed `SecretKey`, wherever it sits.

The walk reads the models' own field types, so a new `SecretKey` field on any
model (a target's registry, a receiver, ...) is found without being listed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, get_args, get_origin

from pydantic import BaseModel

from .base import SECRET_KEY_FIELD


def _names_secret(annotation: Any) -> bool:
    """True when `annotation` is `SecretKey`, possibly inside Optional/Union/containers."""
    if get_origin(annotation) is Annotated:
        return SECRET_KEY_FIELD in get_args(annotation)[1:] or _names_secret(
            get_args(annotation)[0]
        )
    return any(_names_secret(arg) for arg in get_args(annotation))


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from _strings(item)


def secret_key_values(value: Any) -> Iterator[str]:
    """Every value of a `SecretKey` field in `value` (a model, or lists/dicts of models)."""
    if isinstance(value, BaseModel):
        for name, info in type(value).model_fields.items():
            field_value = getattr(value, name)
            if SECRET_KEY_FIELD in info.metadata or _names_secret(info.annotation):
                yield from _strings(field_value)
            else:
                yield from secret_key_values(field_value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from secret_key_values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from secret_key_values(item)
