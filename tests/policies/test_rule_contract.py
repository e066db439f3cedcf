"""What holds for every rule: its level is the configured one, config exemptions lift it
(by namespace and by resource), and a value unknown during preview neither crashes it nor
lets a mandatory rule pass silently. Every rule, on every kind it covers.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from cases import WORKLOAD_MUTATIONS, Edit, Mutation, apply, workload
from cluster_cases import RESOURCE_CASES, ResourceCase
from engine import Engine, Result
from gantry_policies import RULES
from gantry_policies.config import pack_config
from gantry_policies.sdk_internals import UNKNOWN_STRING_VALUE
from gantry_policies.settings import SettingsError, parse
from helpers import POD_TYPES, policy
from pulumi_policy import EnforcementLevel
from stack_cases import STACK_CASES, StackCase

U = UNKNOWN_STRING_VALUE
_C0 = ("spec", "containers", 0)
_SC0 = (*_C0, "securityContext")
_PSC = ("spec", "securityContext")
WORKLOAD_UNKNOWNS: dict[str, list[Edit]] = {
    "K01": [((*_SC0, "privileged"), U)],
    "K02": [(("spec", "hostNetwork"), U)],
    "K03": [(("spec", "volumes"), U)],
    "K04": [((*_C0, "ports", 0, "hostPort"), U)],
    "K05": [((*_SC0, "capabilities"), U)],
    "K06": [((*_PSC, "sysctls"), U)],
    "K07": [(("spec", "volumes"), U)],
    "K08": [((*_SC0, "allowPrivilegeEscalation"), U)],
    "K09": [((*_PSC, "runAsNonRoot"), U)],
    "K10": [((*_PSC, "seccompProfile"), U)],
    "K11": [((*_SC0, "readOnlyRootFilesystem"), U)],
    "K11a": [
        (("@outer", "metadata", "labels"), {"helm.sh/chart": "x-1"}),
        ((*_SC0, "readOnlyRootFilesystem"), U),
    ],
    "K12": [((*_C0, "image"), U)],
    "K13": [((*_C0, "image"), U)],
    "K14": [((*_C0, "resources", "requests", "cpu"), U)],
    "K14a": [((*_C0, "resources", "limits", "cpu"), U)],
    "K15": [((*_C0, "readinessProbe"), U)],
    "K16": [(("spec", "automountServiceAccountToken"), U)],
    "K16a": [(("spec", "serviceAccountName"), U)],
    "K17": [(("@outer", "metadata", "namespace"), U)],
    "K18": [((*_C0, "env", 0), {"name": "DB_PASSWORD", "value": U})],
    "K18a": [((*_C0, "env"), U)],
    "K25": [(("spec", "topologySpreadConstraints"), U)],
    "K26": [(("spec", "priorityClassName"), U)],
    "K27": [((*_C0, "resources", "limits", "ephemeral-storage"), U)],
}


def _flip(level: EnforcementLevel) -> str:
    return "advisory" if level == EnforcementLevel.MANDATORY else "mandatory"


# --- one failing input per rule and kind -------------------------------------------


class Subject:
    """A rule and an input that violates it, analyzed under any config."""

    def __init__(self, rule: str, namespace: str | None, name: str, kind: str) -> None:
        self.rule, self.namespace, self.name, self.kind = rule, namespace, name, kind

    def run(self, settings: dict[str, Any], raw: dict[str, Any] | None = None) -> Result:
        raise NotImplementedError

    def unknown(self, settings: dict[str, Any]) -> Result | None:
        raise NotImplementedError


class WorkloadSubject(Subject):
    def __init__(self, rule: str, mutation: Mutation, kind: str) -> None:
        ns = "default" if mutation.id == "default-namespace" else "apps"
        super().__init__(rule, ns, "hello", kind)
        self.mutation = mutation

    def run(self, settings: dict[str, Any], raw: dict[str, Any] | None = None) -> Result:
        config = pack_config({**self.mutation.config, **settings})
        for name, extra in (raw or {}).items():
            config[name] = {**config.get(name, {}), **extra}
        props = workload(self.kind, self.mutation.edits)
        return Engine(config).analyze(POD_TYPES[self.kind], props, "hello")

    def unknown(self, settings: dict[str, Any]) -> Result | None:
        props = workload(self.kind, WORKLOAD_UNKNOWNS[self.rule])
        config = pack_config({**self.mutation.config, **settings})
        return Engine(config).analyze(POD_TYPES[self.kind], props, "hello")


class ResourceSubject(Subject):
    def __init__(self, case: ResourceCase) -> None:
        super().__init__(case.rule, case.namespace, case.name, case.type)
        self.case = case

    def run(self, settings: dict[str, Any], raw: dict[str, Any] | None = None) -> Result:
        config = pack_config({**self.case.config, **settings})
        for name, extra in (raw or {}).items():
            config[name] = {**config.get(name, {}), **extra}
        _, edits, _ = self.case.mutations[0]
        return Engine(config).analyze(self.case.type, apply(self.case.good, edits), self.name)

    def unknown(self, settings: dict[str, Any]) -> Result | None:
        if self.case.unknown is None:
            return None
        props = apply(self.case.good, [(self.case.unknown, U)])
        config = pack_config({**self.case.config, **settings})
        return Engine(config).analyze(self.case.type, props, self.name)


class StackSubject(Subject):
    def __init__(self, case: StackCase) -> None:
        super().__init__(case.rule, case.exempt_namespace, case.exempt_name, "stack")
        self.case = case

    def _analyze(self, change: Any, settings: dict[str, Any], raw: Any = None) -> Result:
        graph, deps = copy.deepcopy(self.case.graph), copy.deepcopy(self.case.deps)
        change(graph, deps)
        config = pack_config({**self.case.config, **settings})
        for name, extra in (raw or {}).items():
            config[name] = {**config.get(name, {}), **extra}
        resources = [(t, n, p) for n, (t, p) in graph.items()]
        return Engine(config).analyze_stack(resources, deps)

    def run(self, settings: dict[str, Any], raw: dict[str, Any] | None = None) -> Result:
        return self._analyze(self.case.changes[0][1], settings, raw)

    def unknown(self, settings: dict[str, Any]) -> Result | None:
        return None if self.case.unknown is None else self._analyze(self.case.unknown, settings)


SUBJECTS: list[Any] = [
    *[
        pytest.param(WorkloadSubject(rule, muts[0], kind), id=f"{rule}-{kind}")
        for rule, muts in WORKLOAD_MUTATIONS.items()
        for kind in muts[0].kinds
    ],
    *[
        pytest.param(ResourceSubject(c), id=f"{c.rule}-{c.type.rsplit(':', 1)[-1]}")
        for c in RESOURCE_CASES
    ],
    *[pytest.param(StackSubject(c), id=f"{c.rule}-stack") for c in STACK_CASES],
]


def test_every_policy_has_a_subject() -> None:
    covered = {p.values[0].rule for p in SUBJECTS}
    assert covered == {r.id for r in RULES if r.scope != "ci"}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_default_level(subject: Subject) -> None:
    pol = policy(subject.rule)
    found = subject.run({}).of(pol.name)
    assert found
    assert {d.level for d in found} == {pol.enforcement_level.value}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_level_overridden_by_policy_config(subject: Subject) -> None:
    pol = policy(subject.rule)
    other = _flip(pol.enforcement_level)
    found = subject.run({}, raw={pol.name: {"enforcementLevel": other}}).of(pol.name)
    assert found
    assert {d.level for d in found} == {other}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_level_overridden_by_rule_id_in_settings(subject: Subject) -> None:
    pol = policy(subject.rule)
    other = _flip(pol.enforcement_level)
    found = subject.run({"enforcementLevels": {subject.rule: other}}).of(pol.name)
    assert {d.level for d in found} == {other}


@pytest.mark.parametrize("subject", SUBJECTS)
def test_disabled_rule_reports_nothing(subject: Subject) -> None:
    pol = policy(subject.rule)
    assert subject.run({"enforcementLevels": {pol.name: "disabled"}}).of(pol.name) == []


def _assert_exempted(subject: Subject, exemption: dict[str, Any]) -> None:
    pol = policy(subject.rule)
    reason = f"reviewed exception for {subject.rule}"
    result = subject.run({"exemptions": [{**exemption, "rules": [subject.rule], "reason": reason}]})
    assert result.of(pol.name) == []
    if not isinstance(subject, StackSubject):
        assert (
            result.not_applicable[pol.name] == f"{subject.rule} exempted by pack config: {reason}"
        )
    other_rule = {**exemption, "rules": ["K99"], "reason": reason}
    assert subject.run({"exemptions": [other_rule]}).of(pol.name), "an exemption is per rule"


@pytest.mark.parametrize("subject", SUBJECTS)
def test_exemption_by_resource(subject: Subject) -> None:
    kind = subject.kind if subject.kind in POD_TYPES else None
    target: dict[str, Any] = {"name": subject.name}
    if kind:
        target["type"] = kind
    _assert_exempted(subject, target)
    pol = policy(subject.rule)
    other = subject.run({"exemptions": [{"rules": ["*"], "name": "someone-else", "reason": "x-y"}]})
    assert other.of(pol.name), "an exemption names its resource"


NAMESPACED = [p for p in SUBJECTS if p.values[0].namespace]


@pytest.mark.parametrize("subject", NAMESPACED)
def test_exemption_by_namespace(subject: Subject) -> None:
    _assert_exempted(subject, {"namespace": subject.namespace})


UNKNOWN = [p for p in SUBJECTS if p.values[0].unknown({}) is not None]


@pytest.mark.parametrize("subject", UNKNOWN)
def test_unknown_value_is_deferred_not_passed(subject: Subject) -> None:
    """Preview notes the rule cannot run yet; `up` re-runs it with the value known."""
    pol = policy(subject.rule)
    result = subject.unknown({})
    assert result is not None
    found = result.of(pol.name)
    assert found, f"{subject.rule} passed silently on an unknown value"
    for d in found:
        if d.message.startswith("can't run policy"):
            assert "cannot verify" in d.message and d.level == "advisory"
        else:  # a known violation next to the unknown one is still reported at its level
            assert d.level == pol.enforcement_level.value


MANDATORY_UNKNOWN = [
    p for p in UNKNOWN if policy(p.values[0].rule).enforcement_level == EnforcementLevel.MANDATORY
]


@pytest.mark.parametrize("subject", MANDATORY_UNKNOWN)
def test_unknown_value_fails_preview_with_deny(subject: Subject) -> None:
    pol = policy(subject.rule)
    result = subject.unknown({"unknownValues": "deny"})
    assert result is not None
    blocking = [d for d in result.of(pol.name) if d.level == "mandatory"]
    assert any("cannot verify" in d.message for d in blocking), result.of(pol.name)


def test_every_mandatory_rule_is_tested_with_an_unknown_value() -> None:
    """K23 reads only the type token, which preview always knows."""
    tested = {p.values[0].rule for p in MANDATORY_UNKNOWN}
    mandatory = {
        r.id for r in RULES if r.scope != "ci" and r.enforcement == EnforcementLevel.MANDATORY
    }
    assert mandatory - tested == {"K23"}


def test_settings_without_reason_or_target_are_rejected() -> None:
    for bad in (
        {"exemptions": [{"rules": ["K02"], "namespace": "apps"}]},
        {"exemptions": [{"rules": ["K02"], "reason": "because"}]},
        {"exemptions": [{"rules": [], "namespace": "apps", "reason": "because"}]},
        {"podSecurity": {"namespaces": {"x": {"level": "baseline"}}}},
        {"podSecurity": {"level": "lenient"}},
        {"podSecurity": {"version": "2.0"}},
        {"unknownValues": "ignore"},
        {"publicServices": [{"name": "lb"}]},
    ):
        with pytest.raises(SettingsError):
            parse(bad)
    with pytest.raises(SettingsError, match="names no policy"):
        pack_config({"enforcementLevels": {"K99": "mandatory"}})
    with pytest.raises(SettingsError, match="is not one of"):
        pack_config({"enforcementLevels": {"K01": "strict"}})
