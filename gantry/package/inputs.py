"""Checking a component's inputs: every problem at once, each under the input's schema path.

The engine hands a component its inputs as the schema spells them (camelCase,
enum members); the models in gantry/config/ that check the stack config check
them here too, so a package user gets the program's rules and defaults. A
problem is `(path, reason)`, e.g. `("service.replicas", "min (5) is greater
than max (3)")`, and all of a component's problems travel in one
`PackageInputError`, which the engine shows as one line per bad field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from enum import Enum
from typing import Any, TypeVar

import pulumi
from pulumi.errors import InputPropertiesError
from pydantic import BaseModel, TypeAdapter, ValidationError

from gantry.config.service import ServiceConfig

Problem = tuple[str, str]
"""(schema path of the input, what is wrong with it)."""

M = TypeVar("M", bound=BaseModel)


class PackageInputError(InputPropertiesError):
    """A component's inputs are invalid; `errors` holds one entry per bad field.

    `name` is the resource's name when known. `listed`: the message lists the problems too,
    for a Python caller; the engine prints `errors` itself, one line per field.
    """

    def __init__(
        self, component: str, name: str, problems: Sequence[Problem], *, listed: bool = True
    ) -> None:
        count = f"{len(problems)} invalid input{'s' if len(problems) != 1 else ''}"
        lines = "".join(f"\n  - {path or '(inputs)'}: {reason}" for path, reason in problems)
        which = f"{component} '{name}'" if name else component
        super().__init__(
            f"{which}: {count}{lines if listed else ''}",
            [{"property_path": path, "reason": reason} for path, reason in problems],
        )
        self.problems = list(problems)


def camel(name: str) -> str:
    """A Python field name as the schema spells it (the SDK's rule: `log_level` -> `logLevel`)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def join(at: str, *parts: str | int) -> str:
    """A schema path: `join("slos", 1, "objective")` -> `slos[1].objective`."""
    path = at
    for part in parts:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path = f"{path}.{camel(part)}" if path else camel(part)
    return path


def plain_data(value: Any) -> Any:
    """Inputs as the models read them: enum members as their values, None-valued keys dropped
    (an omitted input takes the model's default), whole numbers as ints (the wire carries every
    number as a float, and the SDK 3.272.0 converts only some back)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: plain_data(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [plain_data(v) for v in value]
    return value


def not_known(value: Any, at: str) -> list[Problem]:
    """A problem for every Output in `value`: these inputs shape the manifests, so they must
    be known when the component is created (a literal or plain config value)."""
    if isinstance(value, pulumi.Output):
        return [
            (
                at,
                "must be a plain value known before deployment (a literal or a plain config "
                "value), not another resource's output or a secret",
            )
        ]
    if isinstance(value, Mapping):
        return [p for k, v in value.items() for p in not_known(v, join(at, str(k)))]
    if isinstance(value, list | tuple):
        return [p for i, v in enumerate(value) for p in not_known(v, join(at, i))]
    return []


def _given(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= 80 else text[:77] + "..."


def _problems(error: ValidationError, at: str, rename: Mapping[str, str]) -> list[Problem]:
    problems = []
    for detail in error.errors():
        loc = [p for p in detail["loc"] if p != "[key]"] or ([rename[""]] if "" in rename else [])
        if loc and isinstance(loc[0], str) and loc[0] in rename:
            loc[0] = rename[loc[0]]
        reason = detail["msg"].removeprefix("Value error, ")
        reason = reason[:1].lower() + reason[1:]
        if detail["type"] != "missing":
            reason = f"given {_given(detail.get('input'))}; {reason}"
        problems.append((join(at, *loc), reason))
    return problems


def checked_value(annotation: Any, value: Any, at: str) -> list[Problem]:
    """The problems of one value checked against a config type (e.g. `DnsLabel`)."""
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError as error:
        return _problems(error, at, {})
    return []


def validated(
    model: type[M],
    data: Mapping[str, Any],
    at: str = "",
    rename: Mapping[str, str] | None = None,
) -> tuple[M | None, list[Problem]]:
    """`data` checked by `model`: the instance (defaults filled) or None, and every problem.

    `at` is the schema path of `data`; `rename` maps a model field to the input that feeds
    it where the names differ (GoService's `appVersion` is the image config's `version`), and
    "" to the input a rule about the whole model is reported on.
    """
    try:
        return model.model_validate(dict(data)), []
    except ValidationError as error:
        return None, _problems(error, at, rename or {})


def missing(data: Mapping[str, Any], required: Iterable[str], at: str = "") -> list[Problem]:
    """A problem for every required input that was not given."""
    absent = [f for f in required if f not in data]
    return [(join(at, f), "given nothing; this input is required") for f in absent]


def service_scope(data: Mapping[str, Any], service: str, namespace: str) -> list[Problem]:
    """The service's name and namespace, given as the inputs `service` and `namespace`, checked
    by the program's service rules (DNS labels; no default or kube-* namespace)."""
    names = {"name": service, "namespace": namespace, "": namespace}  # model field -> input
    scope = {field: data[given] for field, given in names.items() if field and given in data}
    return validated(ServiceConfig, scope, rename=names)[1]


def unique(names: Iterable[str], at: str, what: str) -> list[Problem]:
    """A problem when `names` repeat: each becomes a resource name, which must be unique."""
    seen = list(names)
    dupes = sorted({n for n in seen if seen.count(n) > 1})
    return [(at, f"{what} names are not unique: {', '.join(dupes)}")] if dupes else []
