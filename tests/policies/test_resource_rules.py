"""Resource rules on non-workload objects, through the engine protocol."""

from __future__ import annotations

from typing import Any

import pytest
from cases import apply
from cluster_cases import RESOURCE_CASES, ResourceCase
from engine import Engine
from gantry_policies.config import pack_config
from gantry_policies.supply_chain import PROJECT_ROOT, dockerfile_path
from helpers import policy


def _id(case: ResourceCase) -> str:
    return f"{case.rule}-{case.type.rsplit(':', 1)[-1]}"


GOOD = [pytest.param(c, id=_id(c)) for c in RESOURCE_CASES if c.rule not in ("K23", "K24")]
MUTATIONS = [
    pytest.param(c, edits, message, id=f"{_id(c)}-{mid}")
    for c in RESOURCE_CASES
    for mid, edits, message in c.mutations
]


@pytest.mark.parametrize("case", GOOD)
def test_compliant_object_passes_every_policy(case: ResourceCase) -> None:
    result = Engine(pack_config(case.config)).analyze(case.type, case.good, case.name)
    assert result.diagnostics == []


@pytest.mark.parametrize(("case", "edits", "message"), MUTATIONS)
def test_single_mutation_reports_exact_message(
    case: ResourceCase, edits: list[Any], message: str
) -> None:
    pol = policy(case.rule)
    result = Engine(pack_config(case.config)).analyze(case.type, apply(case.good, edits), case.name)
    assert result.messages(pol.name) == [message.format(d=case.display)]
    assert {d.level for d in result.of(pol.name)} == {pol.enforcement_level.value}


def test_first_party_rbac_is_not_reviewed_as_chart_rbac_and_back() -> None:
    """K22 judges our own RBAC, K22a the charts'; each object gets exactly one of them."""
    own = next(c for c in RESOURCE_CASES if c.rule == "K22")
    chart = next(c for c in RESOURCE_CASES if c.rule == "K22a" and c.type == own.type)
    _, edits, _ = own.mutations[0]
    engine = Engine()
    own_result = engine.analyze(own.type, apply(own.good, edits), own.name)
    chart_result = engine.analyze(chart.type, apply(chart.good, edits), chart.name)
    assert own_result.of(policy("K22").name) and not own_result.of(policy("K22a").name)
    assert chart_result.of(policy("K22a").name) and not chart_result.of(policy("K22").name)


def test_public_service_allowlist() -> None:
    svc = next(c for c in RESOURCE_CASES if c.rule == "K21" and c.type.endswith("Service"))
    props = apply(svc.good, [(("spec", "type"), "LoadBalancer")])
    allow = {"publicServices": [{"namespace": "apps", "name": "hello", "reason": "the entry"}]}
    assert Engine(pack_config(allow)).analyze(svc.type, props, "hello").diagnostics == []
    other_ns = {"publicServices": [{"namespace": "edge", "name": "hello", "reason": "the entry"}]}
    assert Engine(pack_config(other_ns)).analyze(svc.type, props, "hello").of(policy("K21").name)


def test_dockerfile_location_is_read_from_the_project_root(tmp_path: Any) -> None:
    """The engine runs the pack inside policies/; paths in the program are project-relative."""
    assert dockerfile_path("app/Dockerfile", "app") == PROJECT_ROOT / "app" / "Dockerfile"
    assert dockerfile_path(None, "app") == PROJECT_ROOT / "app" / "Dockerfile"
    absolute = tmp_path / "Dockerfile"
    assert dockerfile_path(str(absolute), "app") == absolute
    assert (PROJECT_ROOT / "policies" / "PulumiPolicy.yaml").is_file()


def test_dockerfile_from_a_file_is_checked(tmp_path: Any) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM alpine:3.20\nUSER root\n", encoding="utf-8")
    props = {"dockerfile": {"location": str(dockerfile)}, "context": {"location": str(tmp_path)}}
    result = Engine().analyze("docker-build:index:Image", props, "img")
    assert result.messages(policy("S01").name) == [
        "docker-build:index:Image img: FROM alpine:3.20 is not pinned by digest"
        ' (add "@sha256:...").',
        "docker-build:index:Image img: the final stage runs as USER root; use a non-root uid such"
        " as 65532.",
    ]


def test_a_role_may_read_named_secrets_but_not_all() -> None:
    """Reading one Secret by resourceNames is least privilege; a ClusterRole never is."""
    role = "kubernetes:rbac.authorization.k8s.io/v1:Role"
    named = {
        "apiGroups": [""],
        "resources": ["secrets"],
        "resourceNames": ["tls"],
        "verbs": ["get"],
    }
    props = {"metadata": {"name": "reader", "namespace": "apps"}, "rules": [named]}
    k22 = policy("K22").name
    assert Engine().analyze(role, props, "reader").of(k22) == []
    every = {k: v for k, v in named.items() if k != "resourceNames"}
    found = Engine().analyze(role, {**props, "rules": [every]}, "reader").messages(k22)
    assert found == [
        "Role apps/reader: rules[0] reads secrets (get) without resourceNames; list explicit"
        " resources and verbs."
    ]
    cluster_role = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
    cluster = {"metadata": {"name": "reader"}, "rules": [named]}
    assert Engine().analyze(cluster_role, cluster, "reader").messages(k22) == [
        "ClusterRole reader: rules[0] reads secrets cluster-wide (get); list explicit resources"
        " and verbs."
    ]
