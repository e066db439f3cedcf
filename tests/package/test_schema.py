"""The package schema: the four components, every input documented, secrets marked, and the
program's input fields, choices and defaults, so the package cannot drift from the program."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from enum import Enum
from typing import Any, Literal, get_args, get_origin

import pytest

from gantry.config.image import ImageConfig
from gantry.config.observability import ObservabilityConfig, Receiver
from gantry.config.service import ServiceConfig
from gantry.config.slo import SloConfig
from gantry.package import (
    NAME,
    VERSION,
    alert_rules,
    go_image,
    go_service,
    observability,
    placement,
)
from gantry.package.placement import TolerationRule
from gantry.package.provider import COMPONENTS
from gantry.package.schema import INPUT_DEFAULTS, MODELS, model_defaults
from gantry.package.schema_file import SCHEMA, render

SPEC: dict[str, Any] = json.loads(render())


def _documented() -> Iterator[tuple[str, dict[str, Any]]]:
    for token, resource in SPEC["resources"].items():
        for group in ("inputProperties", "properties"):
            for name, prop in resource[group].items():
                yield f"{token}.{group}.{name}", prop
    for token, typ in SPEC["types"].items():
        for name, prop in typ.get("properties", {}).items():
            yield f"{token}.{name}", prop
        for value in typ.get("enum", []):
            yield f"{token}.{value['name']}", value


def test_the_package_serves_the_four_components_as_index_types() -> None:
    assert SPEC["name"] == NAME == "gantry"
    assert SPEC["version"] == VERSION
    assert sorted(SPEC["resources"]) == [
        "gantry:index:AlertRules",
        "gantry:index:GoImage",
        "gantry:index:GoService",
        "gantry:index:ObservabilityStack",
    ]
    assert all(r["isComponent"] for r in SPEC["resources"].values())
    assert [c.__name__ for c in COMPONENTS] == [
        "GoImage",
        "GoService",
        "ObservabilityStack",
        "AlertRules",
    ]


@pytest.mark.parametrize(("where", "prop"), list(_documented()), ids=lambda v: str(v)[:60])
def test_every_property_and_choice_is_documented(where: str, prop: dict[str, Any]) -> None:
    text = prop.get("description", "")
    assert len(text) > 10, f"{where} has no description: add a docstring below it"
    assert "\n" not in text and "  " not in text, f"{where}: line breaks are folded"


def test_every_component_and_type_is_described() -> None:
    undescribed = [
        token
        for kind in ("resources", "types")
        for token, thing in SPEC[kind].items()
        if len(thing.get("description", "")) < 10
    ]
    assert undescribed == []


def test_secrets_are_marked_and_only_those() -> None:
    marked = sorted(where for where, prop in _documented() if prop.get("secret"))
    assert marked == [
        "gantry:index:ObservabilityStack.inputProperties.receiverSecrets",
        "gantry:index:ObservabilityStack.properties.grafanaAdminPassword",
        "gantry:index:Registry.password",
    ]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.capitalize() for p in rest)


@pytest.mark.parametrize("type_name", sorted(MODELS))
def test_each_input_type_has_exactly_its_models_fields(type_name: str) -> None:
    model, left_out = MODELS[type_name]
    properties = SPEC["types"][f"gantry:index:{type_name}"]["properties"]
    expected = {_camel(f) for f in model.model_fields if f not in left_out}
    assert set(properties) == expected, f"{type_name} vs {model.__name__}"
    required = set(SPEC["types"][f"gantry:index:{type_name}"].get("required", []))
    model_required = {_camel(f) for f, field in model.model_fields.items() if field.is_required()}
    assert required == model_required


@pytest.mark.parametrize("type_name", sorted(MODELS))
def test_each_scalar_default_is_the_models(type_name: str) -> None:
    model, left_out = MODELS[type_name]
    properties = SPEC["types"][f"gantry:index:{type_name}"]["properties"]
    defaults = model_defaults(model, left_out)
    for name, prop in properties.items():
        if "default" in prop:
            assert prop["default"] == defaults[name], f"{type_name}.{name}"
        elif prop.get("type") in {"string", "integer", "number", "boolean"}:
            assert defaults.get(name) is None, f"{type_name}.{name} lacks its default"


def test_top_level_defaults_are_set() -> None:
    for component, defaults in INPUT_DEFAULTS.items():
        inputs = SPEC["resources"][f"gantry:index:{component}"]["inputProperties"]
        for name, value in defaults.items():
            prop = inputs[_camel(name)]
            if prop.get("type") in {"string", "integer", "number", "boolean"}:
                assert prop["default"] == value, f"{component}.{name}"
    assert SPEC["resources"]["gantry:index:GoImage"]["inputProperties"]["version"]["default"] == (
        ImageConfig().version
    )


def _literal(annotation: Any) -> tuple[str, ...]:
    while get_origin(annotation) is not Literal:
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    return get_args(annotation)


CHOICES: list[tuple[type[Enum], Any]] = [
    (go_service.LogLevel, ServiceConfig.model_fields["log_level"].annotation),
    (go_service.ZoneSpread, ServiceConfig.model_fields["zone_spread"].annotation),
    (alert_rules.SloKind, SloConfig.model_fields["kind"].annotation),
    (alert_rules.SloWindow, SloConfig.model_fields["window"].annotation),
    (observability.ObservabilityProfile, ObservabilityConfig.model_fields["profile"].annotation),
    (observability.ReceiverType, Receiver.model_fields["type"].annotation),
    (observability.Severity, Receiver.model_fields["severities"].annotation),
    (go_image.ImageBuilder, ImageConfig.model_fields["builder"].annotation),
    (go_image.Platform, ImageConfig.model_fields["platforms"].annotation),
    (placement.TolerationOperator, TolerationRule.model_fields["operator"].annotation),
    (placement.TaintEffect, TolerationRule.model_fields["effect"].annotation),
]


@pytest.mark.parametrize(("enum", "annotation"), CHOICES, ids=[e.__name__ for e, _ in CHOICES])
def test_each_choice_offers_exactly_the_models_values(enum: type[Enum], annotation: Any) -> None:
    assert [m.value for m in enum] == list(_literal(annotation))
    values = [v["value"] for v in SPEC["types"][f"gantry:index:{enum.__name__}"]["enum"]]
    assert values == list(_literal(annotation))


def test_every_enum_in_the_schema_is_checked_above() -> None:
    enums = {t.rsplit(":", 1)[1] for t, d in SPEC["types"].items() if "enum" in d}
    assert enums == {e.__name__ for e, _ in CHOICES}


def test_the_exposed_modules_keep_live_annotations() -> None:
    """The SDK's inference reads annotations as objects: a string one (`from __future__ import
    annotations`) stops the provider at start (pulumi 3.272.0)."""
    for module in (go_image, go_service, observability, alert_rules, placement):
        classes = [c for c in vars(module).values() if inspect.isclass(c)]
        for cls in (c for c in classes if c.__module__ == module.__name__):
            strings = [k for k, v in inspect.get_annotations(cls).items() if isinstance(v, str)]
            assert strings == [], f"{cls.__name__}: {strings}"


def test_the_committed_schema_is_what_the_provider_serves() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == render(), "run `make docs`"
