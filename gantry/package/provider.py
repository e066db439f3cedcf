"""The `gantry` provider plugin: the SDK's component provider, serving the four components.

    python package/__main__.py <engine address>   (what package/bin/pulumi-resource-gantry runs)

`pulumi.provider.experimental.component_provider_host` is the SDK's way to
serve ComponentResources: it builds a `ComponentProvider` from the classes
(schema inferred from their annotations) and runs `pulumi.provider.main`.
gantry does the same with a subclass of that provider, for two things the
host cannot be told: the schema amendments of `schema.amend` (secrets,
defaults), and checking every input before the component is constructed, so
that bad inputs come back as one `InputPropertiesError` naming each bad
field (the SDK wraps an exception raised inside a component's `__init__`
into a generic error with a traceback).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from typing import Any

import pulumi
from pulumi.provider import main
from pulumi.provider.experimental.analyzer import ComponentDefinition
from pulumi.provider.experimental.component import ComponentProvider

from . import NAME, VERSION, alert_rules, go_image, go_service, observability
from .inputs import PackageInputError, Problem, join, not_known
from .schema import amend

COMPONENTS: list[type[pulumi.ComponentResource]] = [
    go_image.GoImage,
    go_service.GoService,
    observability.ObservabilityStack,
    alert_rules.AlertRules,
]
"""Everything the package exposes, as `gantry:index:<class name>`."""

PARSERS: Mapping[str, Callable[[str, Any], object]] = {
    "GoImage": go_image.parse,
    "GoService": go_service.parse,
    "ObservabilityStack": observability.parse,
    "AlertRules": alert_rules.parse,
}
"""Each component's input check; its constructor runs the same one again."""


def unknown_plain_inputs(
    inputs: Mapping[str, Any], definition: ComponentDefinition
) -> list[Problem]:
    """Inputs the schema marks plain that arrived as Outputs (another resource's output, a
    secret). They shape the manifests, so they must be known now; the SDK would otherwise read
    such an object as empty and quietly take every default."""
    return [
        problem
        for schema_name, prop in definition.inputs.items()
        if prop.plain and schema_name in inputs
        for problem in not_known(inputs[schema_name], join("", schema_name))
    ]


class GantryProvider(ComponentProvider):
    """The SDK's component provider for gantry's components, with the amended schema and
    every input checked before construction."""

    def __init__(self) -> None:
        super().__init__(COMPONENTS, NAME, None, VERSION)
        inferred = json.loads(self.schema or "{}")
        self.schema = json.dumps(amend(inferred))

    def map_inputs(
        self, inputs: pulumi.Inputs, component_def: ComponentDefinition
    ) -> pulumi.Inputs:
        component = component_def.name
        problems = unknown_plain_inputs(inputs, component_def)
        if problems:
            raise PackageInputError(component, "", problems, listed=False)
        mapped = super().map_inputs(inputs, component_def)
        try:
            PARSERS[component]("", mapped)
        except PackageInputError as error:  # the engine lists each field itself
            raise PackageInputError(component, "", error.problems, listed=False) from None
        return mapped


def serve(argv: list[str]) -> None:
    """Serve the package to the engine that started this process (argv: its address)."""
    main(GantryProvider(), argv)


if __name__ == "__main__":
    serve(sys.argv[1:])
