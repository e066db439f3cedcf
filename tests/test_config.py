"""Committed stacks parse; bad config fails with ONE message naming every bad key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.quantities import mebibytes, millicores, parse_quantity
from gantry.config import PROFILE_DEFAULTS, StackConfigError, parse_stack_config
from gantry.config.loader import decode_pulumi_config
from gantry.config.minimums import PROFILE_FLOORS
from gantry.config.reference import DOC, render_reference

REPO = Path(__file__).resolve().parent.parent
STACKS = ("local", "dev", "prod")


def stack_raw(stack: str) -> dict[str, Any]:
    data = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    return {k.split(":", 1)[1]: v for k, v in data["config"].items() if k.startswith("gantry:")}


def problems_of(raw: dict[str, Any], stack: str = "dev") -> list[str]:
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config(raw, stack)
    return caught.value.problems


def dev() -> dict[str, Any]:
    return copy.deepcopy(stack_raw("dev"))


@pytest.mark.parametrize("stack", STACKS)
def test_committed_stack_parses(stack: str) -> None:
    config = parse_stack_config(stack_raw(stack), stack)
    assert config.profile == stack
    assert config.targets, "every stack has at least one target"
    assert config.policy.pack_config == f"policies/config/{stack}.json"


def test_prod_fans_out_to_at_least_two_clouds() -> None:
    config = parse_stack_config(stack_raw("prod"), "prod")
    assert len({t.cloud for t in config.targets}) >= 2


def test_profile_defaults_apply_and_stack_file_wins() -> None:
    prod = parse_stack_config(stack_raw("prod"), "prod")
    assert prod.service.replicas.min >= 3, "prod runs at least three replicas"
    assert prod.observability.profile == "ha"
    assert (
        prod.observability.retention.metrics
        == PROFILE_DEFAULTS["prod"]["observability"]["retention"]["metrics"]
    )
    raw = stack_raw("prod")
    raw["service"]["replicas"] = {"min": 4, "max": 8}
    assert parse_stack_config(raw, "prod").service.replicas.min == 4


def test_default_slos_per_profile() -> None:
    dev_config = parse_stack_config(stack_raw("dev"), "dev")
    prod_config = parse_stack_config(stack_raw("prod"), "prod")
    assert {s.kind for s in prod_config.slos} == {"availability", "latency"}
    assert max(s.objective for s in prod_config.slos) > max(s.objective for s in dev_config.slos)


def test_secret_keys_must_be_secret() -> None:
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config(stack_raw("dev"), "dev", secret_keys=[])
    assert caught.value.problems == [
        "gantry:devSlackWebhookUrl: not set as a secret; run "
        "`pulumi config set --secret devSlackWebhookUrl <value>`"
    ]
    raw = stack_raw("dev") | {"devSlackWebhookUrl": "https://hooks.example/x"}
    config = parse_stack_config(raw, "dev", secret_keys=["devSlackWebhookUrl"])
    assert "https://hooks.example/x" not in config.model_dump_json(), (
        "secret values never enter the model"
    )


def test_decode_pulumi_config_keeps_only_gantry_keys() -> None:
    decoded = decode_pulumi_config(
        {"gantry:profile": "dev", "gantry:targets": '[{"name": "a"}]', "aws:region": "eu-west-1"}
    )
    assert decoded == {"profile": "dev", "targets": [{"name": "a"}]}


# --- bad config: each case names the key, the value given and what is allowed -------------


def _set(raw: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    node: Any = raw
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if part.isdigit() else node.setdefault(part, {})
    last = parts[-1]
    if last.isdigit():
        node[int(last)] = value
    else:
        node[last] = value
    return raw


BAD_CASES: list[tuple[str, str, Any, str, str]] = [
    # (id, path to set, value, key named in the message, words of what is allowed)
    ("unknown-cloud", "targets.0.cloud", "digitalocean", "gantry:targets[0].cloud", "'aws'"),
    (
        "negative-min-replicas",
        "service.replicas.min",
        -1,
        "gantry:service.replicas.min",
        "greater than or equal to 1",
    ),
    (
        "min-over-max",
        "service.replicas",
        {"min": 5, "max": 2},
        "gantry:service.replicas",
        "min (5) is greater than max (2)",
    ),
    (
        "bad-cpu",
        "service.resources.cpu_request",
        "lots",
        "gantry:service.resources.cpu_request",
        "not a Kubernetes quantity",
    ),
    (
        "cpu-in-bytes",
        "service.resources.cpu_request",
        "512Mi",
        "gantry:service.resources.cpu_request",
        "byte suffix",
    ),
    (
        "bad-memory",
        "service.resources.memory_limit",
        "12XB",
        "gantry:service.resources.memory_limit",
        "not a Kubernetes quantity",
    ),
    (
        "memory-in-millis",
        "service.resources.memory_request",
        "500m",
        "gantry:service.resources.memory_request",
        "below 4Mi",
    ),
    (
        "limit-below-request",
        "service.resources",
        {"memory_request": "256Mi", "memory_limit": "128Mi"},
        "gantry:service.resources",
        "below memory_request",
    ),
    (
        "unknown-platform",
        "image.platforms",
        ["linux/amd64", "linux/s390x"],
        "gantry:image.platforms[1]",
        "'linux/arm64'",
    ),
    (
        "duplicate-platform",
        "image.platforms",
        ["linux/amd64", "linux/amd64"],
        "gantry:image.platforms",
        "more than once",
    ),
    (
        "slo-objective-one",
        "slos",
        [{"name": "availability", "kind": "availability", "objective": 1.0}],
        "gantry:slos[0].objective",
        "less than 1",
    ),
    (
        "slo-objective-zero",
        "slos",
        [{"name": "availability", "kind": "availability", "objective": 0}],
        "gantry:slos[0].objective",
        "greater than 0",
    ),
    (
        "latency-slo-off-bucket",
        "slos",
        [
            {
                "name": "latency",
                "kind": "latency",
                "objective": 0.99,
                "latency_threshold_seconds": 0.3,
            }
        ],
        "gantry:slos[0]",
        "not a histogram bucket bound",
    ),
    (
        "missing-region",
        "targets.0.region",
        None,
        "gantry:targets[0].region",
        "this key is required",
    ),
    (
        "bad-region",
        "targets.0.region",
        "Europe West",
        "gantry:targets[0].region",
        "not an AWS region (pulumi_aws.Region",
    ),
    (
        "typo-region",
        "targets.0.region",
        "eu-wset-1",
        "gantry:targets[0].region",
        'did you mean "eu-west-1"?',
    ),
    (
        "bad-cidr",
        "targets.0.api_public_cidrs",
        ["10.0.0.1/8"],
        "gantry:targets[0].api_public_cidrs[0]",
        "host bits set",
    ),
    (
        "node-pool-min-over-max",
        "targets.0.node_pools.0.min_size",
        9,
        "gantry:targets[0].node_pools[0]",
        "greater than max_size",
    ),
    (
        "unknown-arch",
        "targets.0.node_pools.0.arch",
        "riscv64",
        "gantry:targets[0].node_pools[0].arch",
        "'amd64' or 'arm64'",
    ),
    ("default-namespace", "service.namespace", "default", "gantry:service", "reserved"),
    ("bad-name", "service.name", "Hello_World", "gantry:service.name", "should match pattern"),
    (
        "bad-log-level",
        "service.log_level",
        "verbose",
        "gantry:service.log_level",
        "'debug', 'info', 'warn' or 'error'",
    ),
    (
        "bad-retention",
        "observability.retention.metrics",
        "two weeks",
        "gantry:observability.retention.metrics",
        "Prometheus-style duration",
    ),
    ("unknown-profile", "profile", "staging", "gantry:profile", "'local', 'dev' or 'prod'"),
    ("unknown-key", "servcie", {"replicas": 2}, "gantry:servcie", 'did you mean "service"?'),
    ("unknown-nested-key", "service.replica", 2, "gantry:service.replica", "unknown key"),
    (
        "unknown-target-key",
        "targets.0.regoin",
        "eu-west-1",
        "gantry:targets[0].regoin",
        'did you mean "region"?',
    ),
    ("typo-literal", "service.log_level", "dbug", "gantry:service.log_level", '"debug"?'),
    ("typo-cloud", "targets.0.cloud", "asw", "gantry:targets[0].cloud", 'did you mean "aws"?'),
    (
        "bad-receiver-type",
        "observability.receivers.0.type",
        "email",
        "gantry:observability.receivers[0].type",
        "'slack', 'pagerduty' or 'webhook'",
    ),
    (
        "ingress-without-host",
        "service.ingress",
        {"enabled": True},
        "gantry:service.ingress",
        "host is required",
    ),
    ("port-privileged", "service.port", 80, "gantry:service.port", "greater than or equal to 1024"),
    ("bad-version", "image.version", "latest", "gantry:image.version", "should match pattern"),
    (
        "bad-chart-name",
        "observability.charts",
        {"promtail": {"repository": "oci://mirror/charts"}},
        "gantry:observability.charts.promtail",
        "'kube-prometheus-stack', 'loki', 'tempo' or 'alloy'",
    ),
]


@pytest.mark.parametrize(
    ("path", "value", "key", "allowed"), [c[1:] for c in BAD_CASES], ids=[c[0] for c in BAD_CASES]
)
def test_bad_config_names_key_and_allowed(path: str, value: Any, key: str, allowed: str) -> None:
    raw = dev()
    if value is None:
        parent_path, _, leaf = path.rpartition(".")
        node: Any = raw
        for part in parent_path.split("."):
            node = node[int(part)] if part.isdigit() else node[part]
        del node[leaf]
    else:
        _set(raw, path, value)
    problems = problems_of(raw)
    matching = [p for p in problems if p.startswith(f"{key}:")]
    assert matching, f"no problem names {key}; got {problems}"
    assert any(allowed in p for p in matching), f"{matching} does not say {allowed!r}"
    assert all("given" in p for p in matching), "every problem says what was given"


def test_duplicate_target_names() -> None:
    raw = stack_raw("prod")
    raw["targets"][1]["name"] = raw["targets"][0]["name"]
    problems = problems_of(raw, "prod")
    assert len(problems) == 1
    assert problems[0].startswith("gantry:targets: given ")
    assert problems[0].endswith("target names are not unique: aws-prod")


def test_local_target_outside_local_profile() -> None:
    raw = dev()
    raw["targets"].append({"name": "laptop", "cloud": "local"})
    assert any("belong to the local profile only" in p for p in problems_of(raw))


def test_every_bad_key_in_one_message() -> None:
    raw = dev()
    raw["service"]["replicas"] = {"min": 0, "max": 2}
    raw["service"]["resources"] = {"cpu_request": "fast"}
    raw["image"] = {"platforms": ["windows/amd64"]}
    raw["targets"][0]["region"] = "mars"
    raw["colour"] = "blue"
    with pytest.raises(StackConfigError) as caught:
        parse_stack_config(raw, "dev")
    message = str(caught.value)
    assert message.startswith("invalid config for stack 'dev' (5 problems):")
    for key in (
        "gantry:service.replicas.min",
        "gantry:service.resources.cpu_request",
        "gantry:image.platforms[0]",
        "gantry:targets[0].region",
        "gantry:colour",
    ):
        assert f"  - {key}: " in message, f"{key} missing from:\n{message}"
    assert '"fast"' in message and '"mars"' in message, "the values given are quoted"


def test_quantities() -> None:
    assert millicores("250m") == 250
    assert millicores("2") == 2000
    assert mebibytes("1Gi") == 1024
    assert mebibytes("512Mi") == 512
    assert parse_quantity("1k") == 1000
    with pytest.raises(ValueError, match="not a Kubernetes quantity"):
        parse_quantity("1.5.3Gi")


def test_config_reference_is_current() -> None:
    assert DOC.read_text() == render_reference(), "docs/config-reference.md is stale: make docs"
    for key in ("`targets[cloud=aws].region`", "`service.replicas.min`", "`slos[].objective`"):
        assert key in DOC.read_text()


# --- what the pinned cloud SDKs call a region; what a profile promises ---------------------


def _prod_target(cloud: str) -> dict[str, Any]:
    return next(t for t in stack_raw("prod")["targets"] if t["cloud"] == cloud)


@pytest.mark.parametrize(
    ("cloud", "key", "typo", "meant"),
    [
        ("aws", "region", "eu-wset-1", "eu-west-1"),
        ("azure", "location", "westeruope", "westeurope"),
        ("gcp", "region", "europe-wset1", "europe-west1"),
    ],
)
def test_region_typos_are_refused_with_the_closest_name(
    cloud: str, key: str, typo: str, meant: str
) -> None:
    raw = stack_raw("prod")
    index = next(i for i, t in enumerate(raw["targets"]) if t["cloud"] == cloud)
    raw["targets"][index][key] = typo
    problems = problems_of(raw, "prod")
    assert len(problems) == 1, problems
    assert problems[0].startswith(f'gantry:targets[{index}].{key}: given "{typo}"; not ')
    assert problems[0].endswith(f'did you mean "{meant}"?')


@pytest.mark.parametrize(
    ("cloud", "key", "name"),
    [
        ("aws", "region", "ap-southeast-5"),
        ("aws", "region", "us-gov-west-1"),
        ("azure", "location", "swedencentral"),
        ("azure", "location", "usgovvirginia"),
        ("gcp", "region", "me-central2"),
        ("gcp", "region", "northamerica-northeast2"),
    ],
)
def test_real_regions_are_accepted(cloud: str, key: str, name: str) -> None:
    raw = stack_raw("prod")
    target = next(t for t in raw["targets"] if t["cloud"] == cloud)
    target[key] = name
    config = parse_stack_config(raw, "prod")
    assert name in {getattr(t, key, None) for t in config.targets}


def test_prod_refuses_fewer_than_three_replicas() -> None:
    raw = stack_raw("prod")
    raw["service"]["replicas"] = {"min": 1, "max": 2}
    assert problems_of(raw, "prod") == [
        "gantry:service.replicas.min: given 1; at least 3 in the prod profile "
        "(prod runs at least three replicas spread across zones)"
    ]
    raw["service"]["replicas"] = {"min": 3, "max": 6}
    assert parse_stack_config(raw, "prod").service.replicas.min == 3
    dev_raw = dev()
    dev_raw["service"]["replicas"] = {"min": 1, "max": 2}
    assert parse_stack_config(dev_raw, "dev").service.replicas.min == 1, "dev has no floor"


def test_prod_refuses_the_small_observability_profile() -> None:
    raw = stack_raw("prod")
    raw["observability"]["profile"] = "small"
    (problem,) = problems_of(raw, "prod")
    assert problem.startswith('gantry:observability.profile: given "small"; "ha" in the prod')


def test_profile_defaults_keep_their_own_floors() -> None:
    """Every floor holds for the profile's defaults, so only a stack file can break one."""
    for profile, floors in PROFILE_FLOORS.items():
        defaults = PROFILE_DEFAULTS[profile]
        for floor in floors:
            value: Any = defaults
            for part in floor.path:
                value = value[part]
            assert not floor.violated_by(value), (profile, floor.path, value)


def test_floor_and_model_problems_come_in_one_message() -> None:
    raw = stack_raw("prod")
    raw["service"]["replicas"] = {"min": 2, "max": 12}
    raw["targets"][0]["region"] = "mars"
    problems = problems_of(raw, "prod")
    assert [p.split(":", 2)[1] for p in problems] == [
        "targets[0].region",
        "service.replicas.min",
    ]
