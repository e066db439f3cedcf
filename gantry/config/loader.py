"""Parse the stack config once, and fail with ONE message naming every bad key.

`pulumi preview` stops here, before any resource is registered, so a typo
never half-creates a stack.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from .fields import keys_at
from .minimums import profile_problems
from .stack import StackConfig
from .suggest import did_you_mean

NAMESPACE = "gantry"


class StackConfigError(ValueError):
    """The stack config is invalid; `problems` holds one line per bad key."""

    def __init__(self, stack: str, problems: list[str]) -> None:
        self.stack = stack
        self.problems = problems
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid config for stack '{stack}' ({count}):\n{lines}")


TAGS = frozenset({"local", "existing", "aws", "gcp", "azure"})
"""pydantic puts the union tag (`cloud`) into locations; users never type it."""

KeyPath = tuple[int | str, ...]
Locate = Callable[[KeyPath], str | None]
"""Where a key path is written (`Pulumi.dev.yaml:12`), or None when not in a file."""


def key_path(loc: tuple[int | str, ...]) -> KeyPath:
    """A pydantic location as the path a user writes: union tags and key markers dropped."""
    return tuple(p for p in loc if isinstance(p, int) or (p not in TAGS and p != "[key]"))


def render_key(path: KeyPath) -> str:
    """A key path as the config key a user types: gantry:targets[0].region."""
    text = f"{NAMESPACE}:"
    for index, part in enumerate(path):
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += part if index == 0 else f".{part}"
    return text if path else f"{NAMESPACE}:<stack>"


def _given(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "nothing"
    value = error.get("input")
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _quoted(text: object) -> list[str]:
    return re.findall(r"'([^']*)'", str(text))


def _suggestion(error: ErrorDetails) -> str:
    """ "did you mean" for a mistyped key, literal or cloud name."""
    kind, loc, ctx = error["type"], error["loc"], error.get("ctx") or {}
    if kind == "extra_forbidden" and loc:
        return did_you_mean(loc[-1], keys_at(StackConfig, loc[:-1]))
    if kind == "literal_error":
        given = loc[-2] if loc and loc[-1] == "[key]" else error.get("input")
        return did_you_mean(given, _quoted(ctx.get("expected", "")))
    if kind == "union_tag_invalid":
        return did_you_mean(ctx.get("tag"), _quoted(ctx.get("expected_tags", "")))
    return ""


def _allowed(error: ErrorDetails) -> str:
    if error["type"] == "missing":
        return "this key is required"
    if error["type"] == "union_tag_invalid":
        return f"one of {(error.get('ctx') or {}).get('expected_tags', '')}"
    message = error["msg"].removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _describe(errors: Iterable[ErrorDetails]) -> list[tuple[KeyPath, str]]:
    described = []
    for raw_error in errors:
        error, path = raw_error, key_path(raw_error["loc"])
        if error["type"] == "union_tag_invalid":  # name the tag key and value, not the whole item
            ctx = error.get("ctx") or {}
            path = (*path, str(ctx.get("discriminator", "")).strip("'"))
            error = {**error, "input": ctx.get("tag")}
        key = render_key(path)
        if error["type"] == "extra_forbidden":
            text = (
                f"{key}: unknown key (given {_given(error)}); "
                f"see docs/config-reference.md{_suggestion(error)}"
            )
        else:
            text = f"{key}: given {_given(error)}; {_allowed(error)}{_suggestion(error)}"
        described.append((path, text))
    return described


def _line(where: str | None) -> int:
    tail = (where or "").rpartition(":")[2]
    return int(tail) if tail.isdigit() else 0


def _place(problems: Iterable[tuple[KeyPath, str]], locate: Locate | None) -> list[str]:
    """Each problem prefixed with its place in the file, in file order, when known."""
    placed = [(locate(path) if locate else None, text) for path, text in problems]
    placed.sort(key=lambda item: _line(item[0]))  # stable: unplaced keep their order
    return [f"{where}: {text}" if where else text for where, text in placed]


def parse_stack_config(
    raw: Mapping[str, Any],
    stack: str,
    secret_keys: Iterable[str] | None = None,
    locate: Locate | None = None,
) -> StackConfig:
    """Validate the `gantry:` keys of a stack (namespace stripped, values decoded).

    `secret_keys` are the keys the engine marks as secret. Their values never
    enter the model (components read them as secret Outputs by name), and
    every key the config names as holding a secret must be one of them.
    `locate` turns a key path into its place in the stack file, for the message.
    """
    secret = set(secret_keys or ())
    plain = {key: value for key, value in raw.items() if key not in secret}
    problems = profile_problems(plain)
    config: StackConfig | None = None
    try:
        config = StackConfig.model_validate(plain)
    except ValidationError as error:
        problems = _describe(error.errors()) + problems
    if problems or config is None:
        raise StackConfigError(stack, _place(problems, locate))
    if secret_keys is not None:
        missing = [k for k in config.secret_keys() if k not in secret]
        if missing:
            run = "run `pulumi config set --secret {} <value>`"
            unset = [
                ((k,), f"{NAMESPACE}:{k}: not set as a secret; {run.format(k)}") for k in missing
            ]
            raise StackConfigError(stack, _place(unset, locate))
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
