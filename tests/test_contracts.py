"""The seams between components: each fact is written once and passed, never restated.

The observability stack's release names decide what Prometheus selects, where
the service sends traces, which pods its NetworkPolicy lets it reach and which
service accounts the clouds' storage identities trust. Renaming the releases
in the one place that holds them must keep every one of those seams closed.
"""

from __future__ import annotations

import ast
import json
import re
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import test_program
from harness import Recording, Registered, run_with_mocks, unwrap

from components.observability.endpoints import Releases

REPO = Path(__file__).resolve().parents[1]
RENAMED = Releases(kps="metrics", loki="logs", tempo="traces", alloy="collector")
CHART = "kubernetes:helm.sh/v4:Chart"


def _run(stack: str, releases: Releases | None) -> Recording:
    if releases is None:
        return test_program.run_stack(stack)
    patch = pytest.MonkeyPatch()
    patch.setattr("gantry.config_adapter.RELEASES", releases)
    try:
        return test_program.run_stack.__wrapped__(stack)
    finally:
        patch.undo()


@pytest.fixture(
    scope="module",
    params=[("dev", None), ("dev", RENAMED), ("prod", RENAMED)],
    ids=["dev", "dev-renamed", "prod-renamed"],
)
def run(request: pytest.FixtureRequest) -> tuple[Releases, Recording]:
    stack, releases = request.param
    return releases or Releases(), _run(stack, releases)


def _k8s(rec: Recording, kind: str) -> list[Registered]:
    return [r for r in rec.resources if r.type.endswith(f":{kind}")]


def _charts(rec: Recording, release: str) -> list[dict[str, Any]]:
    charts = [unwrap(r.inputs) for r in rec.of_type(CHART) if r.inputs.get("name") == release]
    assert charts, f"no chart released as {release!r}"
    return charts


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(key) == value for key, value in selector.items())


def test_prometheus_selects_the_service_monitor_and_every_rule(
    run: tuple[Releases, Recording],
) -> None:
    releases, rec = run
    monitors = [unwrap(r.inputs)["metadata"]["labels"] for r in _k8s(rec, "ServiceMonitor")]
    rules = [unwrap(r.inputs)["metadata"]["labels"] for r in _k8s(rec, "PrometheusRule")]
    assert monitors and rules
    stacks = [
        c["values"]
        for c in _charts(rec, releases.kps)
        if "prometheusSpec" in c["values"]["prometheus"]
    ]
    assert stacks, "no kube-prometheus-stack release runs Prometheus"
    for values in stacks:
        spec = values["prometheus"]["prometheusSpec"]
        assert values["fullnameOverride"] == releases.kps
        for labels in monitors:
            assert _matches(spec["serviceMonitorSelector"]["matchLabels"], labels), labels
        for labels in rules:
            assert _matches(spec["ruleSelector"]["matchLabels"], labels), labels
        for release in (releases.loki, releases.tempo, releases.alloy):
            for chart in _charts(rec, release):
                text = json.dumps(chart["values"])
                assert json.dumps(spec["serviceMonitorSelector"]["matchLabels"])[1:-1] in text


def test_the_service_sends_traces_to_the_collector_it_may_reach(
    run: tuple[Releases, Recording],
) -> None:
    releases, rec = run
    for chart in _charts(rec, releases.alloy):
        assert chart["values"]["fullnameOverride"] == releases.alloy
    for deployment in _k8s(rec, "Deployment"):
        spec = unwrap(deployment.inputs)["spec"]["template"]["spec"]
        env = {e["name"]: e.get("value") for e in spec["containers"][0]["env"]}
        assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith(f"http://{releases.alloy}.")
    egress = [
        peer
        for policy in _k8s(rec, "NetworkPolicy")
        if policy.name.endswith("allow-egress")
        for rule in unwrap(policy.inputs)["spec"]["egress"]
        for peer in rule["to"]
        if "podSelector" in peer and "k8s-app" not in peer["podSelector"]["matchLabels"]
    ]
    otlp_from_cluster = [
        unwrap(p.inputs)["spec"]["podSelector"]
        for p in _k8s(rec, "NetworkPolicy")
        if p.name.endswith("otlp-from-cluster")
    ]
    assert egress and otlp_from_cluster
    assert {json.dumps(p["podSelector"]) for p in egress} == {
        json.dumps(s) for s in otlp_from_cluster
    }, "the service may only reach the pods the stack lets OTLP into"


def test_grafana_and_datasources_follow_the_release(run: tuple[Releases, Recording]) -> None:
    releases, rec = run
    grafana = [v.get("grafana") for k, v in rec.exports.items() if isinstance(v, dict)]
    assert any(g and f"svc/{releases.kps}-grafana " in g for g in grafana), grafana
    datasources = [r for r in _k8s(rec, "ConfigMap") if r.name.endswith("-datasources")]
    assert datasources
    for configmap in datasources:
        text = json.dumps(unwrap(configmap.inputs)["data"])
        assert f"http://{releases.kps}-prometheus." in text
        assert f"http://{releases.loki}." in text and f"http://{releases.tempo}." in text


def test_storage_identities_trust_the_charts_service_accounts() -> None:
    """prod (ha): the clouds' identities trust exactly the accounts Loki and Tempo run as."""
    rec = _run("prod", RENAMED)
    for release in (RENAMED.loki, RENAMED.tempo):
        for chart in _charts(rec, release):
            assert chart["values"]["serviceAccount"]["name"] == release
    text = json.dumps([unwrap(r.inputs) for r in rec.resources])
    for account in (RENAMED.loki, RENAMED.tempo):
        assert f"system:serviceaccount:observability:{account}" in text  # AWS IRSA, Azure
        assert f"[observability/{account}]" in text  # GKE Workload Identity member


def test_nothing_registered_still_says_the_old_release_names() -> None:
    rec = _run("prod", RENAMED)
    text = json.dumps([unwrap(r.inputs) for r in rec.resources]) + json.dumps(rec.exports)
    assert not re.search(r"\bkps\b", text)
    assert '"release": "kps"' not in text


FACTS = {
    r'"kps"': ('DEFAULT_RELEASE = "kps"', "the kube-prometheus-stack release name"),
    r"kps-": ('GRAFANA_SERVICE = "kps-grafana"', "a name derived from the release"),
    r'"release":': (
        '"additionalLabels": {"release": "kps"}',
        "the label Prometheus selects ServiceMonitors and rules by",
    ),
    r"\b431[78]\b": ("OTLP_PORTS = (4317, 4318)", "the OTLP ports"),
    r"\.svc(\.cluster\.local)?:43": (
        'return f"http://alloy.{ns}.svc.cluster.local:4317"',
        "the OTLP endpoint",
    ),
    r'(name"|NAME_LABEL): "alloy"': (
        'COLLECTOR_POD_LABELS = {"app.kubernetes.io/name": "alloy"}',
        "the collector's pod label",
    ),
    r'_service_account: str = "': (
        'loki_service_account: str = "loki"',
        "Loki's and Tempo's service accounts",
    ),
}
"""pattern -> (a line that restated the fact before, the fact); the only place for each
is components/observability/endpoints.py."""


def _component_lines() -> Iterator[tuple[str, str]]:
    for name, source in _python_files("components", "gantry"):
        for line in source.splitlines():
            yield name, line


@pytest.mark.parametrize("pattern", list(FACTS), ids=[fact for _, fact in FACTS.values()])
def test_each_fact_is_written_once(pattern: str) -> None:
    """A grep of components/ and gantry/: outside observability/endpoints.py nothing restates
    these."""
    example, fact = FACTS[pattern]
    assert re.search(pattern, example), "the pattern would not even catch the old restatement"
    places = [
        f"{path}: {line.strip()}"
        for path, line in _component_lines()
        if re.search(pattern, line) and path != "components/observability/endpoints.py"
    ]
    assert places == [], f"{fact} restated outside the contract:\n" + "\n".join(places)


def test_environment_is_the_stack_name_not_the_profile() -> None:
    """A stack `staging` on the dev profile reports `deployment.environment.name=staging`,
    as the manifest renderer (which is given the stack name) always did."""
    patch = pytest.MonkeyPatch()
    patch.setenv("GANTRY_KO_BASE_IMAGE", "127.0.0.1:5001/gantry/base@sha256:" + "0" * 64)
    patch.chdir(REPO)
    config = test_program.stack_config("dev")
    secrets = {f"gantry:{k}": v for k, v in test_program.SECRET_VALUES.items() if "dev" in k}
    try:
        rec = run_with_mocks(
            lambda: runpy.run_path(str(REPO / "__main__.py"), run_name="__main__"),
            stack="staging",
            config=config,
            secret_config=secrets,
            fakes=test_program.fakes(),
            call_fakes=test_program.call_fakes(),
        )
    finally:
        patch.undo()
    (deployment,) = _k8s(rec, "Deployment")
    env = {
        e["name"]: e.get("value")
        for e in unwrap(deployment.inputs)["spec"]["template"]["spec"]["containers"][0]["env"]
    }
    assert "deployment.environment.name=staging" in env["OTEL_RESOURCE_ATTRIBUTES"]


MAY_SEE_THE_CONFIG = (
    "gantry/config/",
    "gantry/config_adapter.py",
    "gantry/program.py",
    "gantry/driver/",
    "gantry/package/",
)
"""The only modules that may import `gantry.config`: the config itself, the adapter that
maps it onto the components' args, the program that reads it once, the driver (which
validates a stack and finds its pack config before the engine runs), and the component
package (which checks its inputs with the same models, then maps them with the adapter)."""


def _imported_modules(name: str, source: str) -> set[str]:
    """Every module the file `name` (repository-relative) imports, relative imports resolved:
    `from .config import x` in gantry/deployment.py is `gantry.config`."""
    package = list(Path(name).with_suffix("").parts[:-1])
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, name)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def _imports(package: str, name: str, source: str) -> bool:
    return any(
        module == package or module.startswith(f"{package}.")
        for module in _imported_modules(name, source)
    )


def _sees_the_config(name: str, source: str) -> bool:
    return _imports("gantry.config", name, source)


def _python_files(*folders: str) -> Iterator[tuple[str, str]]:
    for folder in folders:
        for path in sorted((REPO / folder).rglob("*.py")):
            yield str(path.relative_to(REPO)), path.read_text()


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("components/x.py", "from gantry.config.targets import AwsTarget"),
        ("gantry/driver/x.py", "from ..config import service"),
        ("gantry/x.py", "from .config import StackConfig"),
        ("gantry/x.py", "from . import config"),
        ("components/x.py", "import gantry.config.stack"),
    ],
)
def test_the_import_check_catches_every_spelling(name: str, source: str) -> None:
    assert _sees_the_config(name, source)
    assert not _sees_the_config(name, "from components.quantities import mebibytes")
    assert not _sees_the_config(name, "from gantry.config_adapter import target_settings")


def test_only_the_adapter_and_the_wiring_see_the_config() -> None:
    """Components take args classes of their own; gantry/config_adapter.py maps the
    stack config onto them and is the only module that knows both."""
    offenders = [
        name
        for name, source in _python_files("components", "gantry")
        if not name.startswith(MAY_SEE_THE_CONFIG) and _sees_the_config(name, source)
    ]
    assert offenders == [], (
        f"gantry.config imported by {offenders}: give the component an args class of its"
        " own and map the config onto it in gantry/config_adapter.py"
    )


def test_components_do_not_depend_on_the_application() -> None:
    """components/ holds reusable components: none imports the program, its wiring, the
    driver or the stack config of gantry/, so each can be used without them."""
    assert _imports("gantry", "components/x.py", "from gantry.deployment import deploy_to_target")
    offenders = [
        name for name, source in _python_files("components") if _imports("gantry", name, source)
    ]
    assert offenders == [], f"components importing the application (gantry/): {offenders}"
