"""Pod Security judged like the evaluator of the configured Kubernetes version.

Kubernetes' fixtures of every minor (1.0 to the pin) run through the evaluator at
their own version; Windows pods and the pre-1.19 seccomp annotations, whose treatment
changed between versions, are checked on every kind through the pack.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from cases import GOOD_POD, apply
from gantry_policies.pss import evaluate
from helpers import POD_TYPES, run, wrap_pod
from pod_security_fixtures import Fixture, FixturesMissingError, load_fixtures_of_every_version

PSS_RULES = ["K01", "K02", "K03", "K04", "K05", "K06", "K07", "K08", "K09", "K10"]


def _by_version_and_level() -> list[Any]:
    """One case per (version, level); one failing case naming the command when unreadable."""
    try:
        fixtures = load_fixtures_of_every_version()
    except FixturesMissingError as error:
        return [pytest.param("", "", [], str(error), id="fixtures-missing")]
    groups: dict[tuple[str, str], list[Fixture]] = {}
    for fixture in fixtures:
        groups.setdefault((fixture.version, fixture.level), []).append(fixture)
    return [
        pytest.param(version, level, group, None, id=f"{version}-{level}")
        for (version, level), group in sorted(groups.items())
    ]


@pytest.mark.parametrize(("version", "level", "fixtures", "missing"), _by_version_and_level())
def test_each_version_is_judged_like_its_evaluator(
    version: str, level: str, fixtures: list[Fixture], missing: str | None
) -> None:
    if missing is not None:
        pytest.fail(f"Pod Security fixtures unavailable: {missing}")
    minor = (1, int(version.split(".")[1]))
    wrong = []
    for fixture in fixtures:
        pod = yaml.safe_load(fixture.path.read_text(encoding="utf-8"))
        results = evaluate(pod.get("metadata") or {}, pod["spec"], level, minor)
        controls = {c.lower() for r in results for c in r.controls}
        if fixture.expect == "pass" and results:
            wrong.append(f"{fixture.path.name}: denied ({sorted(controls)})")
        expected = re.sub(r"\d+$", "", fixture.path.stem).lower()
        if fixture.expect == "fail" and expected not in controls:
            wrong.append(f"{fixture.path.name}: {expected} not reported ({sorted(controls)})")
    assert wrong == []


def _messages(kind: str, pod: dict[str, Any], version: str) -> dict[str, list[str]]:
    config = {"podSecurity": {"level": "restricted", "version": version}}
    props = wrap_pod(kind, pod)
    found = {rule: run(rule, POD_TYPES[kind], props, config) for rule in PSS_RULES}
    return {rule: messages for rule, messages in found.items() if messages}


_SC = ("spec", "securityContext")
_C0_SC = ("spec", "containers", 0, "securityContext")
WINDOWS_POD = apply(
    GOOD_POD,
    [
        (("spec", "os"), {"name": "windows"}),
        (_SC, {"runAsNonRoot": True}),  # no Linux-only seccompProfile or runAsUser
        (_C0_SC, {"readOnlyRootFilesystem": True}),  # no allowPrivilegeEscalation, capabilities
    ],
)
_LINUX_ONLY = {
    "K05": "capabilities_restricted",
    "K08": "allowPrivilegeEscalation",
    "K10": "seccompProfile_restricted",
}


@pytest.mark.parametrize("kind", list(POD_TYPES))
@pytest.mark.parametrize("version", ["1.25", "1.34", "latest"])
def test_a_windows_pod_is_exempt_from_linux_only_controls_from_1_25(
    kind: str, version: str
) -> None:
    assert _messages(kind, WINDOWS_POD, version) == {}


@pytest.mark.parametrize("kind", list(POD_TYPES))
@pytest.mark.parametrize(
    ("version", "rules"),
    [("1.24", ["K05", "K08", "K10"]), ("1.21", ["K08", "K10"]), ("1.18", ["K08"])],
)
def test_a_windows_pod_is_judged_like_any_pod_before_1_25(
    kind: str, version: str, rules: list[str]
) -> None:
    """1.24's evaluator knows no Windows exemption; capabilities_restricted starts at 1.22 and
    seccompProfile_restricted at 1.19, as in that version's evaluator."""
    found = _messages(kind, WINDOWS_POD, version)
    assert sorted(found) == rules
    for rule in rules:
        (message,) = found[rule]
        assert f"({_LINUX_ONLY[rule]}" in message


def test_an_unknown_os_name_blocks_only_where_the_version_reads_it() -> None:
    linux = apply(WINDOWS_POD, [(("spec", "os"), {})])
    os_name = (("spec", "os", "name"),)
    at_1_24 = evaluate({}, linux["spec"], "restricted", (1, 24), unknowns=os_name)
    assert all(r.unknown is None for r in at_1_24)
    assert {r.rule for r in at_1_24} == {"K05", "K08", "K10"}
    at_1_25 = evaluate({}, linux["spec"], "restricted", (1, 25), unknowns=os_name)
    assert {r.rule: r.unknown for r in at_1_25} == dict.fromkeys(["K05", "K08", "K10"], os_name[0])


_POD_SECCOMP = "seccomp.security.alpha.kubernetes.io/pod"
_APP_SECCOMP = "container.seccomp.security.alpha.kubernetes.io/app"


def _annotated(annotations: dict[str, str]) -> dict[str, Any]:
    return apply(GOOD_POD, [(("metadata", "annotations"), annotations)])


@pytest.mark.parametrize("kind", list(POD_TYPES))
def test_seccomp_annotations_are_judged_before_1_19(kind: str) -> None:
    unconfined = _annotated({_POD_SECCOMP: "unconfined", _APP_SECCOMP: "unconfined"})
    found = _messages(kind, unconfined, "1.18")
    assert list(found) == ["K06"]
    assert found["K06"][0].endswith(
        f'(seccompProfile_baseline): forbidden annotations {_APP_SECCOMP}="unconfined",'
        f' {_POD_SECCOMP}="unconfined".'
    )
    allowed = {_POD_SECCOMP: "runtime/default", _APP_SECCOMP: "localhost/profile.json"}
    assert _messages(kind, _annotated(allowed), "1.18") == {}


@pytest.mark.parametrize("kind", list(POD_TYPES))
def test_seccomp_annotations_are_ignored_from_1_19(kind: str) -> None:
    """From 1.19 the evaluator reads securityContext.seccompProfile, not the annotations."""
    unconfined = _annotated({_POD_SECCOMP: "unconfined"})
    assert _messages(kind, unconfined, "1.19") == {}
