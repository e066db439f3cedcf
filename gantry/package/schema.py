"""The package schema: the SDK's inference from the exposed classes, plus what it cannot infer.

The SDK's component provider derives types, descriptions and required inputs
from the classes' annotations and docstrings (pulumi 3.272.0,
`pulumi.provider.experimental`). It has no way to say that a property is
secret or what an optional input defaults to, so `amend` adds both:

- `secret: true` on every property whose description starts with "Secret:";
- `default` on every optional scalar input that a config model checks, taken
  from that model, so the schema cannot drift from the program's defaults;

and it folds the docstrings' line breaks, which Markdown renderers would keep.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from components.alerts.runbooks import DEFAULT_RUNBOOK_BASE_URL
from components.go_image.component import GoImageArgs as ProgramGoImageArgs
from components.observability.component import DEFAULT_NODES
from gantry.config import observability, service
from gantry.config.image import ImageConfig
from gantry.config.slo import SloConfig

from . import NAME
from .go_image import IMAGE_FIELDS
from .placement import TolerationRule

MODELS: Mapping[str, tuple[type[BaseModel], frozenset[str]]] = {
    "ServiceSettings": (service.ServiceConfig, frozenset()),
    "Replicas": (service.Replicas, frozenset()),
    "Resources": (service.Resources, frozenset()),
    "Autoscaling": (service.Autoscaling, frozenset()),
    "Ingress": (service.Ingress, frozenset()),
    "Shutdown": (service.Shutdown, frozenset()),
    "Slo": (SloConfig, frozenset()),
    "ObservabilitySettings": (observability.ObservabilityConfig, frozenset({"enabled"})),
    "Retention": (observability.Retention, frozenset()),
    "Storage": (observability.Storage, frozenset()),
    "ChartSource": (observability.ChartSource, frozenset()),
    "Receiver": (observability.Receiver, frozenset()),
    "Toleration": (TolerationRule, frozenset()),
}
"""Schema type -> the model that checks it (the stack config's, or the package's own where
the program has none), and the model fields it leaves out (the wiring's: whether the stack is
installed at all is the caller's choice)."""

INPUT_DEFAULTS: Mapping[str, Mapping[str, Any]] = {
    "GoImage": {
        **{
            field: ImageConfig.model_fields[field].get_default(call_default_factory=True)
            for field in IMAGE_FIELDS
        },
        "main": ProgramGoImageArgs.main,
    },
    "AlertRules": {
        "observability_namespace": observability.ObservabilityConfig().namespace,
        "runbook_base_url": DEFAULT_RUNBOOK_BASE_URL,
    },
    "ObservabilityStack": {"nodes": DEFAULT_NODES, "managed_control_plane": False},
    "GoService": {"signature_verification": False},
}
"""A component's optional top-level inputs -> their defaults, from where the program keeps them."""

SCALARS = frozenset({"string", "integer", "number", "boolean"})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def model_defaults(model: type[BaseModel], left_out: frozenset[str]) -> dict[str, Any]:
    """The model's field defaults by schema name (required fields have none)."""
    return {
        _camel(name): field.get_default(call_default_factory=True)
        for name, field in model.model_fields.items()
        if name not in left_out and not field.is_required()
    }


def _properties(spec: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    """Every property object of the schema, nested items and values included."""

    def walk(prop: dict[str, Any]) -> Iterator[dict[str, Any]]:
        yield prop
        for key in ("items", "additionalProperties"):
            if isinstance(prop.get(key), dict):
                yield from walk(prop[key])

    for resource in spec.get("resources", {}).values():
        for group in ("inputProperties", "properties"):
            for prop in resource.get(group, {}).values():
                yield from walk(prop)
    for typ in spec.get("types", {}).values():
        for prop in typ.get("properties", {}).values():
            yield from walk(prop)


def _fold(text: str) -> str:
    return " ".join(text.split())


def _set_defaults(properties: dict[str, Any], defaults: Mapping[str, Any]) -> None:
    for name, value in defaults.items():
        prop = properties.get(name)
        if prop is None or value is None or prop.get("type") not in SCALARS:
            continue
        prop["default"] = value


def amend(spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` (the SDK's inferred schema) with secrets marked, defaults set, text folded."""
    for prop in _properties(spec):
        for key in ("items", "additionalProperties"):
            if isinstance(prop.get(key), dict):
                prop[key].pop("description", None)  # the SDK repeats the property's
        if "description" in prop:
            prop["description"] = _fold(prop["description"])
            if prop["description"].startswith("Secret:"):
                prop["secret"] = True
    for thing in [*spec.get("resources", {}).values(), *spec.get("types", {}).values()]:
        if "description" in thing:
            thing["description"] = _fold(thing["description"])
        for value in thing.get("enum", []):
            if "description" in value:
                value["description"] = _fold(value["description"])
    for type_name, (model, left_out) in MODELS.items():
        typ = spec["types"][f"{NAME}:index:{type_name}"]
        _set_defaults(typ["properties"], model_defaults(model, left_out))
    for component, defaults in INPUT_DEFAULTS.items():
        inputs = spec["resources"][f"{NAME}:index:{component}"]["inputProperties"]
        _set_defaults(inputs, {_camel(k): v for k, v in defaults.items()})
    spec["description"] = (
        "gantry's components: build a Go service for every platform, run it under the "
        "restricted Pod Security Standard with observability and SLO alerts."
    )
    spec["keywords"] = ["kubernetes", "go", "observability", "slo", "category/cloud"]
    return spec
