"""Stack rules (K19, K20, A04a, A09, A12, A12a, S02, S04) through AnalyzeStack."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from engine import Engine, Result
from gantry_policies import RULES
from gantry_policies.config import pack_config
from gantry_policies.stack_settings import load_stack, settings_for
from helpers import policy
from stack_cases import STACK_CASES, Change, StackCase


def analyze(case: StackCase, change: Change | None = None, settings: Any = None) -> Result:
    graph = copy.deepcopy(case.graph)
    deps = copy.deepcopy(case.deps)
    if change is not None:
        change(graph, deps)
    resources = [(rtype, name, props) for name, (rtype, props) in graph.items()]
    engine = Engine(pack_config(case.config if settings is None else settings))
    return engine.analyze_stack(resources, deps)


CHANGES = [
    pytest.param(case, change, messages, id=f"{case.rule}-{cid}")
    for case in STACK_CASES
    for cid, change, messages in case.changes
]


@pytest.mark.parametrize("case", STACK_CASES, ids=[c.rule for c in STACK_CASES])
def test_compliant_graph_passes(case: StackCase) -> None:
    assert analyze(case).of(policy(case.rule).name) == []


@pytest.mark.parametrize(("case", "change", "messages"), CHANGES)
def test_single_change_reports_exact_messages(
    case: StackCase, change: Change, messages: list[str]
) -> None:
    pol = policy(case.rule)
    result = analyze(case, change)
    assert result.messages(pol.name) == messages
    assert {d.level for d in result.of(pol.name)} <= {pol.enforcement_level.value}
    assert all(d.urn for d in result.of(pol.name)), "stack findings name their resource"


def test_every_stack_rule_has_a_case() -> None:
    assert {r.id for r in RULES if r.scope == "stack"} == {c.rule for c in STACK_CASES}


def test_empty_pod_selector_allow_policy_covers_every_pod() -> None:
    """An allow policy with podSelector {} (or none) selects every pod in its namespace."""
    case = next(c for c in STACK_CASES if c.rule == "K19")
    for selector in ({}, None):

        def change(graph: Any, _deps: Any, selector: Any = selector) -> None:
            graph["allow"][1]["spec"]["podSelector"] = selector

        assert analyze(case, change).of(policy("K19").name) == []


def test_pdb_numbers_arrive_as_floats_and_still_count() -> None:
    """The engine sends numbers as doubles: minAvailable 1 of 2 replicas allows a disruption."""
    case = next(c for c in STACK_CASES if c.rule == "K20")

    def change(graph: Any, _deps: Any) -> None:
        graph["hello-pdb"][1]["spec"] = {
            "minAvailable": 1,
            "selector": {"matchLabels": {"app": "hello"}},
        }

    assert analyze(case, change).of(policy("K20").name) == []


def test_buckets_link_by_dependency_while_the_name_is_unknown() -> None:
    """In preview a new bucket's id is unknown; the recorded dependency still links it."""
    case = next(c for c in STACK_CASES if c.rule == "A12")
    assert analyze(case).of(policy("A12").name) == []
    assert case.deps["loki-sse"] == {"bucket": ["loki"]}


@pytest.mark.parametrize(("stack", "level"), [("prod", "mandatory"), ("dev", "advisory")])
def test_a_dangling_role_ref_is_denied_in_prod_and_advisory_elsewhere(
    stack: str, level: str
) -> None:
    """Whoever later creates the missing role inherits the binding: prod (strict) blocks it."""
    for case in (c for c in STACK_CASES if c.rule == "K22b"):
        _, dangling, messages = case.changes[0]
        settings = {**settings_for(load_stack(stack)), **case.config}
        found = analyze(case, dangling, settings).of(policy("K22b").name)
        assert [d.message for d in found] == messages
        assert {d.level for d in found} == {level}
