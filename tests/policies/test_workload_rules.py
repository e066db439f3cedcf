"""K01-K18a on every kind that runs pods, through the engine protocol.

Each case: the compliant workload passes every policy of the pack; one
single-field mutation makes exactly the rule under test report exactly one
message, at the rule's default level.
"""

from __future__ import annotations

import pytest
from cases import CONFIG, WORKLOAD_MUTATIONS, Mutation, expected, workload
from engine import Engine
from gantry_policies import RULES
from gantry_policies.config import pack_config
from helpers import POD_TYPES, policy

CASES = [
    pytest.param(rule_id, m, kind, id=f"{rule_id}-{m.id}-{kind}")
    for rule_id, mutations in WORKLOAD_MUTATIONS.items()
    for m in mutations
    for kind in m.kinds
]


@pytest.mark.parametrize("kind", list(POD_TYPES))
def test_compliant_workload_passes_every_policy(kind: str) -> None:
    result = Engine(pack_config(CONFIG)).analyze(POD_TYPES[kind], workload(kind), "hello")
    assert result.diagnostics == []
    assert result.not_applicable == {}


@pytest.mark.parametrize(("rule_id", "mutation", "kind"), CASES)
def test_single_mutation_reports_exact_message(rule_id: str, mutation: Mutation, kind: str) -> None:
    pol = policy(rule_id)
    result = Engine(pack_config(mutation.config)).analyze(
        POD_TYPES[kind], workload(kind, mutation.edits), "hello"
    )
    assert result.messages(pol.name) == [expected(mutation, kind)]
    assert {d.level for d in result.of(pol.name)} == {pol.enforcement_level.value}


def test_every_workload_rule_has_mutations() -> None:
    workload_rules = {
        r.id
        for r in RULES
        if r.check is not None and "Pod" in r.resources.split(", ") and r.id != "K23"
    }
    assert workload_rules <= set(WORKLOAD_MUTATIONS)


def test_baseline_namespace_allows_what_restricted_denies() -> None:
    """A namespace configured baseline gets baseline checks only, with its reason on record."""
    props = workload("Deployment", [(("spec", "containers", 0, "securityContext"), {})])
    restricted = Engine(pack_config(CONFIG)).analyze(POD_TYPES["Deployment"], props, "hello")
    baseline_settings = {
        **CONFIG,
        "podSecurity": {"namespaces": {"apps": {"level": "baseline", "reason": "collector"}}},
    }
    baseline = Engine(pack_config(baseline_settings)).analyze(
        POD_TYPES["Deployment"], props, "hello"
    )
    pss = [policy(f"K{n:02d}").name for n in range(1, 11)]
    assert [p for p in pss if restricted.of(p)] == [
        policy("K05").name,
        policy("K08").name,
    ]
    assert [p for p in pss if baseline.of(p)] == []


def test_privileged_namespace_runs_no_pod_security_controls() -> None:
    props = workload("DaemonSet", [(("spec", "hostNetwork"), True)], namespace="observability-node")
    settings = {
        **CONFIG,
        "podSecurity": {
            "namespaces": {"observability-node": {"level": "privileged", "reason": "node-exporter"}}
        },
    }
    result = Engine(pack_config(settings)).analyze(POD_TYPES["DaemonSet"], props, "hello")
    assert result.of(policy("K02").name) == []
    assert (
        Engine(pack_config(CONFIG))
        .analyze(POD_TYPES["DaemonSet"], props, "hello")
        .of(policy("K02").name)
    )
