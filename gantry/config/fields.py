"""Which keys a config model allows at a given place: the candidates for "did you mean"."""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    return annotation


def _union_members(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [_unwrap(a) for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _tag_of(model: Any) -> str | None:
    """The `cloud` literal of a target model (pydantic puts it in the error location)."""
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    field = model.model_fields.get("cloud")
    if field is None or get_origin(field.annotation) is not Literal:
        return None
    return str(get_args(field.annotation)[0])


def _step(annotation: Any, part: int | str) -> Any:
    """The annotation one location part below `annotation`, or None."""
    members = _union_members(_unwrap(annotation))
    if len(members) > 1:
        tagged = {_tag_of(m): m for m in members}
        if isinstance(part, str) and part in tagged:
            return tagged[part]
        return None
    current = members[0]
    if isinstance(current, type) and issubclass(current, BaseModel):
        field = current.model_fields.get(str(part))
        return field.annotation if field else None
    origin, args = get_origin(current), get_args(current)
    if origin in (list, Sequence, tuple) and isinstance(part, int) and args:
        return args[0]
    if origin is dict and isinstance(part, str) and len(args) == 2:
        return args[1]
    return None


def keys_at(root: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The field names of the model found at `loc` under `root`, or [] when it is no model."""
    annotation: Any = root
    for part in loc:
        annotation = _step(annotation, part)
        if annotation is None:
            return []
    members = _union_members(_unwrap(annotation))
    model = members[0] if len(members) == 1 else None
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    if get_origin(model) is dict:
        key = _unwrap(get_args(model)[0])
        if get_origin(key) is Literal:
            return [str(a) for a in get_args(key)]
    return []
