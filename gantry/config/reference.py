"""Generate the stack-config reference (docs/config-reference.md) from the models.

The models are the single source of truth: the reference is rebuilt from
their fields, defaults and descriptions, and a test fails when the committed
file drifts from them.
"""

from __future__ import annotations

import argparse
import json
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from .stack import PROFILE_DEFAULTS, StackConfig

HEADER = """# Stack config reference

Generated from the models in `gantry/config/` by `make docs`; do not
edit by hand (a test fails when this file and the models disagree). Every
key lives in the `gantry:` namespace of `Pulumi.<stack>.yaml`; a key not
listed here is an error. The stack's profile replaces some defaults: see
the table at the end. Secrets are never values here: a key such as
`receivers[].secret` names another config key set with `--secret`.

| key | type | default | description |
|---|---|---|---|
"""


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models inside an annotation (list[X], X | None, unions...)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found: list[type[BaseModel]] = []
    for arg in typing.get_args(annotation):
        found.extend(_models_in(arg))
    return found


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        text = " \\| ".join(json.dumps(a) for a in args)
    elif origin is typing.Annotated:
        text = _type_name(args[0])
    elif origin in (typing.Union, types.UnionType):
        text = " \\| ".join(_type_name(a) for a in args)
    elif origin is list:
        text = f"list of {_type_name(args[0])}"
    elif origin is dict:
        text = f"map {_type_name(args[0])} → {_type_name(args[1])}"
    elif annotation is type(None):
        text = "null"
    else:
        text = annotation.__name__ if isinstance(annotation, type) else str(annotation)
    return text


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
    elif field.default is PydanticUndefined:
        return ""
    else:
        value = field.default
    if isinstance(value, BaseModel):
        return "(see below)"
    # A `|` ends a table cell even inside backticks (a regexp alternation here).
    return "`" + json.dumps(value, default=str).replace("|", "\\|") + "`"


def _rows(model: type[BaseModel], prefix: str, seen: set[str]) -> Iterator[str]:
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        description = (field.description or "").replace("|", "\\|")
        if not description and isinstance(field.annotation, type):
            description = ""
        nested = _models_in(field.annotation)
        yield f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {description} |"
        for sub in nested:
            marker = f"{key}:{sub.__name__}"
            if marker in seen:
                continue
            seen.add(marker)
            is_list = typing.get_origin(field.annotation) is list
            sub_prefix = f"{key}[]." if is_list else f"{key}."
            if len(nested) > 1:
                cloud = sub.model_fields.get("cloud")
                tag = typing.get_args(cloud.annotation)[0] if cloud is not None else sub.__name__
                sub_prefix = f"{key}[cloud={tag}]."
            yield from _rows(sub, sub_prefix, seen)


def render_reference() -> str:
    """The whole reference as markdown."""
    lines = list(_rows(StackConfig, "", set()))
    profiles = "\n".join(
        f"| `{name}` | `{json.dumps(overrides, sort_keys=True)}` |"
        for name, overrides in PROFILE_DEFAULTS.items()
    )
    return (
        HEADER
        + "\n".join(lines)
        + "\n\n## Profile defaults\n\nApplied under what the stack file says.\n\n"
        + "| profile | defaults |\n|---|---|\n"
        + profiles
        + "\n"
    )


DOC = Path(__file__).resolve().parents[2] / "docs" / "config-reference.md"


def main(argv: list[str] | None = None) -> int:
    """Write docs/config-reference.md, or with --check fail when it is stale."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the file is out of date")
    args = parser.parse_args(argv)
    text = render_reference()
    if args.check:
        if not DOC.is_file() or DOC.read_text() != text:
            print(f"{DOC} is stale: run `make docs`", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
