"""Run Pulumi code under mocks and record every registration for assertions.

Each run gets a fresh monitor, config and root stack, so tests never see each
other's resources. Remote components (helm.v4.Chart, eks.Cluster, ...) reach
the mocks as one registration without children: `fakes` give them realistic
outputs keyed by type token.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc

from gantry import pulumi_internals as sdk

Fake = Callable[[pulumi_mocks.MockResourceArgs], dict[str, Any]]
CallFake = Callable[[pulumi_mocks.MockCallArgs], dict[str, Any]]

SECRET_SIG = sdk.SECRET_SIG


@dataclass
class Registered:
    """One resource as the engine would have received it."""

    type: str
    name: str
    urn: str
    inputs: dict[str, Any]
    state: dict[str, Any]
    parent: str
    provider: str | None
    custom: bool
    dependencies: tuple[str, ...] = ()
    """URNs the resource depends on (`depends_on` and those of its inputs)."""

    @property
    def parent_type(self) -> str | None:
        """Type token of the parent (from the URN's type chain), None for stack children."""
        chain = self.urn.split("::")[2].split("$")
        return chain[-2] if len(chain) > 1 else None


@dataclass
class Recording:
    """Everything a program registered, in order, with query helpers."""

    resources: list[Registered] = field(default_factory=list)
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Raw (serialized) outputs per URN from register_outputs; secrets stay wrapped."""
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    """Stack exports, resolved; secret ones stay wrapped (see `is_secret`)."""

    def of_type(self, type_token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> Registered:
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            names = [r.name for r in self.of_type(type_token)]
            msg = f"expected one {type_token} named {name!r}, found {len(found)} among {names}"
            raise AssertionError(msg)
        return found[0]

    def named(self, name: str) -> Registered:
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            msg = f"expected one resource named {name!r}, found {len(found)}"
            raise AssertionError(msg)
        return found[0]

    def children_of(self, parent: Registered) -> list[Registered]:
        return [r for r in self.resources if r.parent == parent.urn]

    def kubernetes_objects(self) -> Iterator[Registered]:
        """Every Kubernetes object (not providers, charts or components)."""
        for r in self.resources:
            if r.type.startswith("kubernetes:") and not r.type.startswith(
                ("kubernetes:helm.sh", "kubernetes:yaml")
            ):
                yield r

    def plaintext(self, needle: str) -> list[str]:
        """Where `needle` appears NOT wrapped as a secret: resource inputs, outputs, exports."""
        found = []
        for r in self.resources:
            found += [f"{r.name}.inputs{p}" for p in plaintext_paths(r.inputs, needle)]
        for urn, outs in self.outputs.items():
            found += [f"{urn}.outputs{p}" for p in plaintext_paths(outs, needle)]
        found += [f"export{p}" for p in plaintext_paths(self.exports, needle)]
        return found

    def component_outputs(self, component: Registered) -> dict[str, Any]:
        return self.outputs.get(component.urn, {})


def is_secret(value: Any) -> bool:
    """True for a value the engine would store encrypted."""
    return sdk.is_secret_wrapper(value)


def plaintext_paths(value: Any, needle: str, path: str = "") -> list[str]:
    """Paths at which `needle` occurs outside any secret wrapper."""
    if is_secret(value):
        return []
    if isinstance(value, str):
        return [path or "."] if needle in value else []
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in plaintext_paths(v, needle, f"{path}.{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in plaintext_paths(v, needle, f"{path}[{i}]")]
    return []


def unwrap(value: Any) -> Any:
    """Drop secret wrappers (recursively) to compare plain values."""
    if is_secret(value):
        return unwrap(value["value"])
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


class _Mocks(pulumi.runtime.Mocks):
    def __init__(
        self, fakes: Mapping[str, Fake], call_fakes: Mapping[str, CallFake], recording: Recording
    ) -> None:
        self._fakes = fakes
        self._call_fakes = call_fakes
        self._recording = recording

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        fake = self._fakes.get(args.typ)
        extra = fake(args) if fake else {}
        state = {**args.inputs, **extra}
        return f"{args.name}-id", state

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict[str, Any]:
        self._recording.calls.append((args.token, dict(args.args)))
        fake = self._call_fakes.get(args.token)
        if fake is None:
            msg = f"no fake for invoke {args.token}; add one to the test's call_fakes"
            raise NotImplementedError(msg)
        return fake(args)


class _Monitor(pulumi_mocks.MockMonitor):
    """A mock monitor that also keeps parent, provider and component outputs."""

    def __init__(self, mocks: _Mocks, recording: Recording) -> None:
        super().__init__(mocks)
        self._recording = recording

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        registration = self.resources[response.urn]
        inputs = rpc.deserialize_properties(request.object, keep_unknowns=True)
        self._recording.resources.append(
            Registered(
                type=request.type,
                name=request.name,
                urn=response.urn,
                inputs=inputs,
                state=dict(registration.state),
                parent=request.parent,
                provider=request.provider or None,
                custom=bool(request.custom),
                dependencies=tuple(request.dependencies),
            )
        )
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        outputs = rpc.deserialize_properties(request.outputs, keep_internal=True)
        self._recording.outputs[request.urn] = outputs
        return super().RegisterResourceOutputs(request)


def run_with_mocks(
    program: Callable[[], None],
    *,
    stack: str = "test",
    config: Mapping[str, Any] | None = None,
    secret_config: Mapping[str, str] | None = None,
    fakes: Mapping[str, Fake] | None = None,
    call_fakes: Mapping[str, CallFake] | None = None,
    preview: bool = False,
) -> Recording:
    """Run `program` under fresh mocks and return what it registered.

    `config` keys are full Pulumi keys (`gantry:targets`); values are encoded
    as the engine does (JSON for objects). `secret_config` adds keys the
    engine marks secret.
    """
    # A failed earlier run leaves its error in the RPC manager, which would re-raise it here.
    sdk.reset_runtime()
    recording = Recording()
    mocks = _Mocks(fakes or {}, call_fakes or {}, recording)
    monitor = _Monitor(mocks, recording)
    values = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}
    values.update(secret_config or {})
    pulumi.runtime.set_all_config(values, list((secret_config or {}).keys()))
    pulumi.runtime.set_mocks(mocks, project="gantry", stack=stack, preview=preview, monitor=monitor)
    sdk.run_program(program)
    for key, value in sdk.root_outputs().items():
        recording.exports[key] = _resolve(value)
    return recording


def _resolve(value: Any) -> Any:
    """Resolve an exported Output, keeping the engine's secret wrapper where it is secret."""
    output = pulumi.Output.from_input(value)
    resolved = sdk.sync_await(output.future(with_unknowns=True))
    if sdk.sync_await(output.is_secret()):
        return sdk.secret_wrapper(resolved)
    return resolved


def stack_config(stack_file: Mapping[str, Any]) -> dict[str, Any]:
    """The `config:` block of a parsed Pulumi.<stack>.yaml."""
    return dict(stack_file.get("config", {}))


def types(resources: Iterable[Registered]) -> list[str]:
    return sorted({r.type for r in resources})
