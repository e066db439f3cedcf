"""The local stack end to end: the real engine, a real API server, the pack enforced.

One `make up` (scripts/local-up.sh: toolchain, registry, control plane on
127.0.0.1, base image, then `up` through the Automation API driver) from an
empty file backend and a fresh cluster, with the observability charts from
the chart mirror. Then: the API server's view of what was applied, the
idempotence checks (preview, refresh), no plaintext secret anywhere, a
config change that touches only what it should, and `destroy`. The cluster
and the backend are throwaway; the fixture stops and deletes them even when
a test fails. Tests run in file order and later ones build on earlier ones.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client, config
from kubernetes.client.rest import ApiException

from gantry.driver.toolchain import LOCAL_PASSPHRASE
from scripts.verify_image import Crane, verify

from .conftest import CACHE, ROOT, SCRIPTS, chart_mirror, run, throwaway_stack_env

# One real node per machine: `make test-integration` runs the real_node modules one at a time.
pytestmark = [pytest.mark.integration, pytest.mark.real_node]

SERVICE_NAMESPACE = "hello"
# The local stack's namespaces. Observability stays off there: the chart mirror
# this machine has lacks kube-prometheus-stack's subcharts (docs/toolchain.md).
GANTRY_NAMESPACES = ("hello",)
PRIVILEGED_POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "intruder"},
    "spec": {
        "containers": [
            {
                "name": "c",
                "image": "127.0.0.1:5001/x@sha256:" + "0" * 64,
                "securityContext": {"privileged": True},
            }
        ]
    },
}


@dataclass(frozen=True)
class Deployed:
    """The stack under test, the environment its commands need and a client for its cluster."""

    env: dict[str, str]
    api: client.ApiClient
    up_log: str
    tmp: Path

    def driver(self, *args: str) -> tuple[int, dict[str, Any], str]:
        """Run `python -m gantry.driver ARGS --json F`: (exit code, result, output)."""
        result_file = self.tmp / f"result-{time.monotonic_ns()}.json"
        done = subprocess.run(
            [sys.executable, "-m", "gantry.driver", *args, "--json", str(result_file)],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=1800,
        )
        output = done.stdout + done.stderr
        assert result_file.is_file(), f"the driver wrote no result:\n{output[-6000:]}"
        return done.returncode, json.loads(result_file.read_text()), output

    def pulumi(self, *args: str) -> str:
        """The CLI the bootstrap built, on the same backend (for export and outputs)."""
        env = {**self.env, "PULUMI_CONFIG_PASSPHRASE": LOCAL_PASSPHRASE}
        return run(
            [str(CACHE / "bin" / "pulumi"), "--non-interactive", *args, "--stack", "local"],
            env,
            cwd=ROOT,
        )


def _registry_answers(env: dict[str, str]) -> bool:
    status = subprocess.run(
        [str(SCRIPTS / "local-registry.sh"), "status"],
        env=env,
        capture_output=True,
        check=False,
        timeout=30,
    )
    return status.returncode == 0


@pytest.fixture(scope="module")
def deployed(
    engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployed]:
    tmp = tmp_path_factory.mktemp("local-stack")
    env = throwaway_stack_env(engine_env, tmp)
    if mirror := chart_mirror():
        env["GANTRY_CHART_MIRROR"] = mirror
    registry_was_running = _registry_answers(env)
    try:
        up_log = run([str(SCRIPTS / "local-up.sh")], env, cwd=ROOT)
        kubeconfig = tmp / "cluster" / "kubeconfig"
        api = config.new_client_from_config(config_file=str(kubeconfig))
        yield Deployed(env=env, api=api, up_log=up_log, tmp=tmp)
    finally:
        subprocess.run(
            [sys.executable, "-m", "gantry.driver", "destroy", "--stack", "local"],
            env=env,
            cwd=ROOT,
            capture_output=True,
            check=False,
            timeout=1800,
        )
        subprocess.run(
            [str(SCRIPTS / "local-cluster.sh"), "reset"], env=env, check=False, timeout=120
        )
        if not registry_was_running:
            subprocess.run(
                [str(SCRIPTS / "local-registry.sh"), "stop"], env=env, check=False, timeout=60
            )


def _workloads(api: client.ApiClient) -> list[tuple[str, str, int, int]]:
    """(kind, namespace/name, desired, ready) of every gantry Deployment, StatefulSet, DaemonSet."""
    apps = client.AppsV1Api(api)
    found: list[tuple[str, str, int, int]] = []
    scaled = (
        ("Deployment", apps.list_namespaced_deployment),
        ("StatefulSet", apps.list_namespaced_stateful_set),
    )
    for namespace in GANTRY_NAMESPACES:
        for kind, list_namespaced in scaled:
            for w in list_namespaced(namespace).items:
                name = f"{namespace}/{w.metadata.name}"
                found.append((kind, name, w.spec.replicas or 0, w.status.ready_replicas or 0))
        for ds in apps.list_namespaced_daemon_set(namespace).items:
            status = ds.status
            found.append(
                (
                    "DaemonSet",
                    f"{namespace}/{ds.metadata.name}",
                    status.desired_number_scheduled,
                    status.number_ready,
                )
            )
    return found


def test_up_applied_every_workload_and_each_is_ready(deployed: Deployed) -> None:
    workloads = _workloads(deployed.api)
    kinds = {kind for kind, *_ in workloads}
    assert "Deployment" in kinds, workloads
    names = {name for _, name, *_ in workloads}
    assert f"{SERVICE_NAMESPACE}/hello" in names
    not_ready = [w for w in workloads if w[2] == 0 or w[3] < w[2]]
    assert not_ready == [], f"not ready: {not_ready}"


def test_pushed_image_is_two_platform_static_nonroot_without_shell(deployed: Deployed) -> None:
    outputs = json.loads(deployed.pulumi("stack", "output", "--json"))
    crane = Crane(str(CACHE / "bin" / "crane"))
    assert verify(outputs["local"]["image"], crane) == []
    deployment = client.AppsV1Api(deployed.api).read_namespaced_deployment(
        "hello", SERVICE_NAMESPACE
    )
    (container,) = deployment.spec.template.spec.containers
    assert container.image == outputs["local"]["image"], "the cluster runs the pushed digest"
    assert "@sha256:" in container.image


def test_the_api_server_admits_the_service_and_refuses_a_privileged_pod(deployed: Deployed) -> None:
    core = client.CoreV1Api(deployed.api)
    labels = core.read_namespace(SERVICE_NAMESPACE).metadata.labels
    assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
    pods = core.list_namespaced_pod(
        SERVICE_NAMESPACE, label_selector="app.kubernetes.io/name=hello"
    ).items
    assert pods, "the service's pods were not admitted"
    assert all(p.status.phase == "Running" for p in pods), [p.status.phase for p in pods]
    with pytest.raises(ApiException) as refused:
        core.create_namespaced_pod(SERVICE_NAMESPACE, PRIVILEGED_POD)
    assert refused.value.status == 403
    assert "violates PodSecurity" in refused.value.body
    assert "restricted:" in refused.value.body, "judged by the namespace's restricted level"


def test_a_second_preview_finds_no_changes(deployed: Deployed) -> None:
    code, result, output = deployed.driver("preview", "--stack", "local", "--expect-no-changes")
    assert code == 0, output[-6000:]
    assert result["changed"] == []


def test_refresh_finds_no_drift(deployed: Deployed) -> None:
    code, result, output = deployed.driver("refresh", "--stack", "local", "--expect-no-changes")
    assert code == 0, output[-6000:]
    assert result["changed"] == []


def test_state_and_outputs_hold_no_plaintext_secret(deployed: Deployed) -> None:
    shown = json.loads(deployed.pulumi("stack", "output", "--json", "--show-secrets"))
    masked = json.loads(deployed.pulumi("stack", "output", "--json"))
    secrets = [
        v if isinstance(v, str) else json.dumps(v) for k, v in shown.items() if masked[k] != v
    ]
    kubeconfig = (deployed.tmp / "cluster" / "kubeconfig").read_text()
    client_key = yaml.safe_load(kubeconfig)["users"][0]["user"]["client-key-data"]
    assert any(kubeconfig in s for s in secrets), "the kubeconfig output is a secret"
    state = deployed.pulumi("stack", "export")
    for value in [client_key, base64.b64decode(client_key).decode(), *secrets]:
        assert value not in state, "a secret appears in plaintext in the exported state"
        assert value not in json.dumps(masked), "a secret appears in plaintext in the outputs"
        assert value not in deployed.up_log, "a secret appears in the log of make up"


def test_changing_replicas_updates_only_the_deployment_and_its_autoscaler(
    deployed: Deployed,
) -> None:
    stack_file = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())
    stack_file["config"]["gantry:service"] = {"replicas": {"min": 2, "max": 3}}
    changed_file = deployed.tmp / "Pulumi.local.yaml"
    changed_file.write_text(yaml.safe_dump(stack_file))
    code, result, output = deployed.driver(
        "up", "--stack", "local", "--config-file", str(changed_file)
    )
    assert code == 0, output[-6000:]
    # The dynamic-provider plugin's provider resource takes the new config file as an
    # update; it owns nothing in the cluster. Every Kubernetes object is judged.
    kinds = {
        urn.rsplit("::", 2)[-2].rpartition("$")[2]
        for _, urn in result["changed"]
        if "::pulumi:providers:pulumi-python::" not in urn
    }
    assert "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" in kinds, result["changed"]
    assert kinds <= {
        "kubernetes:apps/v1:Deployment",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    }, result["changed"]
    hpa = client.AutoscalingV2Api(deployed.api).read_namespaced_horizontal_pod_autoscaler(
        "hello", SERVICE_NAMESPACE
    )
    assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (2, 3)


def test_destroy_leaves_no_gantry_object_and_an_empty_stack(deployed: Deployed) -> None:
    code, _, output = deployed.driver("destroy", "--stack", "local")
    assert code == 0, output[-6000:]
    core = client.CoreV1Api(deployed.api)
    left = [
        ns.metadata.name
        for ns in core.list_namespace().items
        if ns.metadata.name in GANTRY_NAMESPACES
    ]
    assert left == [], f"namespaces left behind: {left}"
    crds = client.ApiextensionsV1Api(deployed.api).list_custom_resource_definition().items
    assert [c.metadata.name for c in crds] == [], "chart CRDs left behind"
    cluster_roles = client.RbacAuthorizationV1Api(deployed.api).list_cluster_role().items
    # The cluster's own add-ons (CoreDNS, the policy enforcer) are applied by localcluster.
    ours = [
        r.metadata.name
        for r in cluster_roles
        if not r.metadata.name.startswith("system:")
        and r.metadata.name not in {"admin", "edit", "view", "cluster-admin"}
        and not any(f.manager == "gantry-localcluster" for f in r.metadata.managed_fields or [])
    ]
    assert ours == [], f"cluster roles left behind: {ours}"
    priority = client.SchedulingV1Api(deployed.api).list_priority_class().items
    assert [p.metadata.name for p in priority if not p.metadata.name.startswith("system-")] == []
    state = json.loads(deployed.pulumi("stack", "export"))
    assert state["deployment"].get("resources") in (None, []), "the stack still holds resources"
