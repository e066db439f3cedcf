"""The committed per-stack pack configs: valid for the engine, current, and true to the stacks.

``policies/settings/<stack>.json`` is what people edit; ``policies/config/<stack>.json``
(what ``--policy-pack-config`` gets) is generated from it and must not drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from gantry_policies import POLICIES, RULES, config
from gantry_policies.settings import parse
from pulumi_policy import EnforcementLevel

from components.config import parse_stack_config
from components.config.targets import AwsTarget, AzureTarget, LocalTarget

REPO = Path(__file__).resolve().parents[2]
STACKS = ("local", "dev", "prod")
LEVELS = {"advisory", "mandatory", "remediate", "disabled"}


def _pack(stack: str) -> dict[str, Any]:
    return dict(json.loads((config.CONFIG_DIR / f"{stack}.json").read_text(encoding="utf-8")))


def _settings(stack: str) -> dict[str, Any]:
    return dict(json.loads((config.SETTINGS_DIR / f"{stack}.json").read_text(encoding="utf-8")))


def _stack(stack: str) -> Any:
    data = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    raw = {k.split(":", 1)[1]: v for k, v in data["config"].items() if k.startswith("gantry:")}
    return parse_stack_config(raw, stack)


def _level(stack: str, name: str) -> str:
    pol = next(p for p in POLICIES if p.name == name)
    return str(_pack(stack)[name].get("enforcementLevel", pol.enforcement_level.value))


def test_generated_configs_are_current() -> None:
    assert config.main(["--check"]) == 0, (
        "run: cd policies && python -m gantry_policies.config --write"
    )
    assert sorted(p.stem for p in config.CONFIG_DIR.glob("*.json")) == sorted(STACKS)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_names_its_pack_config(stack: str) -> None:
    assert _stack(stack).policy.pack_config == f"policies/config/{stack}.json"


@pytest.mark.parametrize("stack", STACKS)
def test_every_policy_config_validates_against_its_schema(stack: str) -> None:
    """What the engine checks on `--policy-pack-config`: each policy's properties vs its schema."""
    pack = _pack(stack)
    assert set(pack) == {p.name for p in POLICIES}
    for pol in POLICIES:
        entry = dict(pack[pol.name])
        level = entry.pop("enforcementLevel", None)
        assert level is None or level in LEVELS
        schema = {"type": "object", "properties": pol.config_schema.properties}
        jsonschema.validate(entry, schema)
        parse(entry)  # and what the rules themselves accept


@pytest.mark.parametrize("stack", STACKS)
def test_pod_security_version_is_the_clusters(stack: str) -> None:
    """Check pods against the PSS of the Kubernetes the stack runs, not a newer, laxer one."""
    targets = _stack(stack).targets
    versions = sorted(
        t.kubernetes_version for t in targets if isinstance(t, AwsTarget | AzureTarget)
    )
    wanted = versions[0] if versions else "latest"
    if any(isinstance(t, LocalTarget) for t in targets):
        wanted = "latest"  # kind/k3d on the laptop: whatever is newest
    assert _settings(stack)["podSecurity"]["version"] == wanted


@pytest.mark.parametrize("stack", STACKS)
def test_privileged_namespace_is_the_node_exporters_only(stack: str) -> None:
    observability = _stack(stack).observability
    namespaces = _settings(stack)["podSecurity"]["namespaces"]
    assert set(namespaces) == {f"{observability.namespace}-node"}
    assert namespaces[f"{observability.namespace}-node"]["level"] == "privileged"
    assert _settings(stack)["podSecurity"]["level"] == "restricted"


@pytest.mark.parametrize("stack", STACKS)
def test_registries_are_exact_repositories_not_whole_public_hubs(stack: str) -> None:
    for pattern in _settings(stack)["allowedRegistries"]:
        assert pattern not in ("docker.io", "quay.io", "ghcr.io", "*"), pattern
        assert "/" in pattern or "." in pattern.split("/")[0], pattern


def test_prod_is_stricter_than_dev() -> None:
    raised = {
        name
        for name in _pack("prod")
        if _level("prod", name) == "mandatory" and _level("dev", name) != "mandatory"
    }
    names = {r.id: r.name for r in RULES}
    assert {names[i] for i in ("K15", "K20", "S02", "S04")} <= raised
    assert not {n for n in _pack("dev") if _level("dev", n) == "mandatory"} - {
        n for n in _pack("prod") if _level("prod", n) == "mandatory"
    }, "nothing mandatory in dev may be relaxed in prod"


def test_defaults_stand_where_settings_name_no_level() -> None:
    for pol in POLICIES:
        if "enforcementLevel" not in _pack("dev")[pol.name]:
            assert _level("dev", pol.name) == pol.enforcement_level.value
    assert EnforcementLevel.MANDATORY.value == "mandatory"
