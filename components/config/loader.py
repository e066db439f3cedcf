"""Parse the stack config once, and fail with ONE message naming every bad key.

`pulumi preview` stops here, before any resource is registered, so a typo
never half-creates a stack.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .stack import StackConfig

NAMESPACE = "gantry"


class StackConfigError(ValueError):
    """The stack config is invalid; `problems` holds one line per bad key."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid config for stack '{stack}' ({count}):\n{lines}")


def _key(loc: tuple[int | str, ...], tags: frozenset[str]) -> str:
    """Render a pydantic location as the config key a user types: gantry:targets[0].region."""
    text = f"{NAMESPACE}:"
    first = True
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in tags or part == "[key]":
            continue  # pydantic's markers: the union tag, or "the key itself" of a mapping
        else:
            text += part if first else f".{part}"
        first = False
    return text


def _given(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "nothing"
    value = error.get("input")
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _allowed(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "this key is required"
    message = error["msg"]
    prefix = "Value error, "
    return message.removeprefix(prefix)


def _describe(errors: Iterable[ErrorDetails]) -> list[str]:
    tags = frozenset({"local", "existing", "aws", "gcp", "azure"})
    lines = []
    for error in errors:
        key = _key(error["loc"], tags) if error["loc"] else f"{NAMESPACE}:<stack>"
        if error["type"] == "extra_forbidden":
            lines.append(
                f"{key}: unknown key (given {_given(error)}); see the README's config reference"
            )
            continue
        lines.append(f"{key}: given {_given(error)}; {_allowed(error)}")
    return lines


def parse_stack_config(
    raw: Mapping[str, Any], stack: str, secret_keys: Iterable[str] | None = None
) -> StackConfig:
    """Validate the `gantry:` keys of a stack (namespace stripped, values decoded).

    `secret_keys` are the keys the engine marks as secret. Their values never
    enter the model (components read them as secret Outputs by name), and
    every key the config names as holding a secret must be one of them.
    """
    secret = set(secret_keys or ())
    plain = {key: value for key, value in raw.items() if key not in secret}
    try:
        config = StackConfig.model_validate(plain)
    except ValidationError as error:
        raise StackConfigError(stack, _describe(error.errors())) from None
    if secret_keys is not None:
        missing = [k for k in config.secret_keys() if k not in secret]
        if missing:
            problems = [
                f"{NAMESPACE}:{k}: not set as a secret; "
                f"run `pulumi config set --secret {k} <value>`"
                for k in missing
            ]
            raise StackConfigError(stack, problems)
    return config


def decode_pulumi_config(entries: Mapping[str, Any]) -> dict[str, Any]:
    """Turn the engine's flat `gantry:key -> JSON text` map into the model's input."""
    decoded: dict[str, Any] = {}
    prefix = f"{NAMESPACE}:"
    for full_key, value in entries.items():
        if not full_key.startswith(prefix):
            continue
        key = full_key[len(prefix) :]
        if isinstance(value, str):
            try:
                decoded[key] = json.loads(value)
            except json.JSONDecodeError:
                decoded[key] = value
        else:
            decoded[key] = value
    return decoded
