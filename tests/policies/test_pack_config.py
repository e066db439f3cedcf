"""The committed per-stack pack configs: generated from the stacks, valid, small and strict enough.

``policies/config/<stack>.json`` (what ``--policy-pack-config`` gets) is generated from
``Pulumi.<stack>.yaml`` by ``make policy-config`` and must not drift from it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from gantry_policies import POLICIES, RULES, config
from gantry_policies.settings import COMMON_KEYS, SettingsError, parse
from gantry_policies.stack_settings import STRICT, load_stack, settings_for, stack_names

REPO = Path(__file__).resolve().parents[2]
STACKS = ("local", "dev", "prod")
LEVELS = {"advisory", "mandatory", "remediate", "disabled"}


def _pack(stack: str) -> dict[str, Any]:
    return dict(json.loads(config.pack_config_path(stack).read_text(encoding="utf-8")))


def _level(stack: str, name: str) -> str:
    pol = next(p for p in POLICIES if p.name == name)
    return str(_pack(stack).get(name, {}).get("enforcementLevel", pol.enforcement_level.value))


def test_generated_configs_are_current(capsys: pytest.CaptureFixture[str]) -> None:
    """The drift test: fails naming the one command that fixes it."""
    code = config.main(["--check"])
    assert code == 0, capsys.readouterr().err
    assert stack_names() == sorted(STACKS)


def test_drift_is_reported_with_the_command(tmp_path: Path) -> None:
    for name in ("Pulumi.dev.yaml",):
        (tmp_path / name).write_text((REPO / name).read_text(encoding="utf-8"), encoding="utf-8")
    assert [p.name for p in config.stale(tmp_path)] == ["dev.json"]
    config.write(tmp_path)
    assert config.stale(tmp_path) == []
    data = yaml.safe_load((tmp_path / "Pulumi.dev.yaml").read_text(encoding="utf-8"))
    data["config"]["gantry:targets"][0]["region"] = "eu-central-1"
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    assert [p.name for p in config.stale(tmp_path)] == ["dev.json"]
    assert "make policy-config" in config.REGENERATE


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_names_its_pack_config(stack: str) -> None:
    assert load_stack(stack).policy.pack_config == f"policies/config/{stack}.json"


@pytest.mark.parametrize("stack", STACKS)
def test_every_policy_config_validates_against_its_schema(stack: str) -> None:
    """What the engine checks on `--policy-pack-config`: each policy's properties vs its schema."""
    pack = _pack(stack)
    assert set(pack) <= {p.name for p in POLICIES}
    for pol in POLICIES:
        entry = dict(pack.get(pol.name, {}))
        level = entry.pop("enforcementLevel", None)
        assert level is None or level in LEVELS
        schema = {
            "type": "object",
            "properties": pol.config_schema.properties,
            "additionalProperties": False,
        }
        jsonschema.validate(entry, schema)
        parse(entry)  # and what the rules themselves accept


def test_each_policy_gets_only_the_keys_it_reads() -> None:
    rule = next(r for r in RULES if r.id == "K13")
    settings = {
        "allowedRegistries": ["reg.example"],
        "firstPartyRepositories": ["reg.example/hello"],
        "publicServices": [{"name": "lb", "reason": "the entry point"}],
        "exemptions": [
            {"rules": ["K13"], "namespace": "a", "reason": "mirrored later"},
            {"rules": ["K02"], "namespace": "b", "reason": "node agent"},
        ],
    }
    pack = config.pack_config(settings)
    assert pack[rule.name] == {
        "allowedRegistries": ["reg.example"],
        "exemptions": [settings["exemptions"][0]],
    }
    assert set(rule.config_keys) == {*COMMON_KEYS, "allowedRegistries"}
    assert "disallow-literal-secrets" not in pack, "nothing but defaults: no entry"
    with pytest.raises(SettingsError, match="unknown settings"):
        config.pack_config({"allowedRegistry": []})


def test_generated_configs_are_small_enough_to_review() -> None:
    for stack in STACKS:
        lines = config.pack_config_path(stack).read_text(encoding="utf-8").count("\n")
        assert lines < 250, (stack, lines)


@pytest.mark.parametrize("stack", STACKS)
def test_pod_security_version_is_the_clusters(stack: str) -> None:
    """Check pods against the PSS of the Kubernetes the stack runs, not a newer, laxer one."""
    targets = load_stack(stack).targets
    versions = sorted(t.kubernetes_version for t in targets if t.cloud in ("aws", "azure"))
    wanted = versions[0] if versions else "latest"
    if any(t.cloud == "local" for t in targets):
        wanted = "latest"  # kind/k3d on the laptop: whatever is newest
    assert settings_for(load_stack(stack))["podSecurity"]["version"] == wanted


@pytest.mark.parametrize("stack", STACKS)
def test_privileged_namespace_is_the_node_exporters_only(stack: str) -> None:
    stack_config = load_stack(stack)
    settings = settings_for(stack_config)
    namespaces = settings["podSecurity"]["namespaces"]
    node = f"{stack_config.observability.namespace}-node"
    assert set(namespaces) == {node}
    assert namespaces[node]["level"] == "privileged"
    assert settings["podSecurity"]["level"] == "restricted"


@pytest.mark.parametrize("stack", STACKS)
def test_registries_are_exact_repositories_not_whole_public_hubs(stack: str) -> None:
    for pattern in settings_for(load_stack(stack))["allowedRegistries"]:
        assert pattern not in ("docker.io", "quay.io", "ghcr.io", "*"), pattern
        assert "/" in pattern or "." in pattern.split("/")[0], pattern


def test_strictness_is_what_makes_prod_stricter_than_dev() -> None:
    assert load_stack("prod").policy.strictness == "strict"
    assert load_stack("dev").policy.strictness == "standard"
    names = {r.id: r.name for r in RULES}
    raised = {
        name
        for name in names.values()
        if name in {p.name for p in POLICIES}
        and _level("prod", name) == "mandatory"
        and _level("dev", name) != "mandatory"
    }
    assert raised == {names[i] for i in STRICT}
    mandatory_dev = {p.name for p in POLICIES if _level("dev", p.name) == "mandatory"}
    mandatory_prod = {p.name for p in POLICIES if _level("prod", p.name) == "mandatory"}
    assert mandatory_dev <= mandatory_prod, "nothing mandatory in dev may be relaxed in prod"


def test_defaults_stand_where_settings_name_no_level() -> None:
    for pol in POLICIES:
        if "enforcementLevel" not in _pack("dev").get(pol.name, {}):
            assert _level("dev", pol.name) == pol.enforcement_level.value
