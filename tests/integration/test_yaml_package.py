"""The component package from another project, for real: examples/yaml-service, a Pulumi YAML
program, through the engine with gantry's policy pack enforced, on a throwaway local cluster.

The YAML language host (bootstrap group yaml) runs the program; the engine starts the
package as the executable plugin package/bin/pulumi-resource-gantry, which builds the image
with ko (GoImage), deploys the service (GoService) and its alerts (AlertRules). Checked: the
API server holds what the program's own builders render for the same settings, a second
preview changes nothing, a changed input updates only the Deployment and its autoscaler,
and `destroy` leaves nothing. The cluster, registry state and backend are throwaway; the
fixture stops and deletes them even when a test fails. Tests run in file order.
"""

from __future__ import annotations

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
from kubernetes import client, config, dynamic
from kubernetes.client.rest import ApiException

from components.alerts import AlertScope, build_rule_groups
from components.go_service.manifests import render
from gantry.package import alert_rules, go_service

from .conftest import CACHE, ROOT, SCRIPTS, chart_mirror, free_port, run

# One real node per machine: `make test-integration` runs the real_node modules one at a time.
pytestmark = [pytest.mark.integration, pytest.mark.real_node]

EXAMPLE = ROOT / "examples" / "yaml-service"
PROGRAM: dict[str, Any] = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text(encoding="utf-8"))
STACK = "it"
PROJECT = PROGRAM["name"]
PACK = ["--policy-pack", str(ROOT / "policies" / "pack")]
PACK += ["--policy-pack-config", str(ROOT / "policies" / "config" / "local.json")]
OBSERVABILITY = "observability"
"""Where the example's PrometheusRules go: AlertRules' default stack namespace."""


@dataclass(frozen=True)
class Consumer:
    """The example's stack on a throwaway cluster, and how to run the engine on it."""

    env: dict[str, str]
    config_file: Path
    api: client.ApiClient
    up_log: str

    def pulumi(self, *args: str) -> str:
        """Run the bootstrap's CLI on the example's stack in its folder."""
        argv = [str(CACHE / "bin" / "pulumi"), "--non-interactive", *args, "--stack", STACK]
        return run(argv, self.env, cwd=EXAMPLE)

    def engine(self, command: str, *args: str, config_file: Path | None = None) -> str:
        """`up`, `preview` or `destroy` with the stack's config file (the example's folder
        holds none: nothing is written there)."""
        return self.pulumi(command, "--config-file", str(config_file or self.config_file), *args)


def _prometheus_rule_crd() -> dict[str, Any]:
    """The PrometheusRule CRD of the pinned kube-prometheus-stack, from the chart mirror."""
    mirror = chart_mirror()
    assert mirror, "set GANTRY_CHART_MIRROR to the unpacked charts (the CRD comes from there)"
    found = sorted(
        Path(mirror).glob("kube-prometheus-stack-*/charts/crds/crds/*prometheusrules.yaml")
    )
    assert found, f"no PrometheusRule CRD under {mirror}/kube-prometheus-stack-*/charts/crds"
    return dict(yaml.safe_load(found[-1].read_text(encoding="utf-8")))


def _monitoring_prerequisites(api: client.ApiClient) -> None:
    """What an existing Prometheus Operator gives the cluster (or gantry's ObservabilityStack):
    the PrometheusRule CRD and the namespace where its Prometheus runs."""
    extensions = client.ApiextensionsV1Api(api)
    crd = extensions.create_custom_resource_definition(_prometheus_rule_crd())
    client.CoreV1Api(api).create_namespace(
        {
            "metadata": {
                "name": OBSERVABILITY,
                "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
            }
        }
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # the engine's discovery must find the kind
        conditions = extensions.read_custom_resource_definition(crd.metadata.name).status.conditions
        if any(c.type == "Established" and c.status == "True" for c in conditions or []):
            return
        time.sleep(1)
    pytest.fail(f"the CRD {crd.metadata.name} was not Established within 60 s")


def _stack_config(tmp: Path, env: dict[str, str], values: dict[str, Any]) -> Path:
    """Create the stack from a bare copy of the project file, so that the passphrase's salt
    lands in tmp and nothing is written into the example's folder."""
    bare = tmp / "project"
    bare.mkdir()
    (bare / "Pulumi.yaml").write_text(yaml.safe_dump({"name": PROJECT, "runtime": "yaml"}))
    pulumi = str(CACHE / "bin" / "pulumi")
    run([pulumi, "--non-interactive", "stack", "init", STACK], env, cwd=bare)
    config_file = bare / f"Pulumi.{STACK}.yaml"
    stack_file = yaml.safe_load(config_file.read_text())
    stack_file["config"] = {f"{PROJECT}:{k}": v for k, v in values.items()}
    config_file.write_text(yaml.safe_dump(stack_file))
    return config_file


@pytest.fixture(scope="module")
def consumer(
    engine_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Consumer]:
    tmp = tmp_path_factory.mktemp("yaml-package")
    env = {**engine_env}
    run([str(SCRIPTS / "bootstrap.sh"), "yaml"], env)
    env.update(
        {
            "PULUMI_HOME": str(tmp / "pulumi-home"),
            "PULUMI_BACKEND_URL": (tmp / "backend").as_uri(),
            "PULUMI_CONFIG_PASSPHRASE": "yaml-package-test",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # GoImage's ko build is a dynamic resource: its plugin runs this Python on the repo.
            "PULUMI_PYTHON_CMD": sys.executable,
            "PYTHONPATH": str(ROOT),
            "GANTRY_CLUSTER_DIR": str(tmp / "cluster"),
            "GANTRY_CLUSTER_PORT": str(free_port()),
            "GANTRY_CLUSTER_ETCD_PORT": str(free_port()),
            "GANTRY_BASE_REF_FILE": str(tmp / "base-image.ref"),
        }
    )
    env.pop("GANTRY_REGISTRY_PORT", None)  # the pack config allows 127.0.0.1:5001
    (tmp / "backend").mkdir()
    status = [str(SCRIPTS / "local-registry.sh"), "status"]
    registry_was_running = subprocess.run(status, env=env, check=False).returncode == 0
    try:
        run([str(SCRIPTS / "local-registry.sh"), "start"], env)
        base_image = run([str(SCRIPTS / "base-image.sh")], env).strip()
        run([str(SCRIPTS / "local-cluster.sh"), "start"], env)
        kubeconfig = tmp / "cluster" / "kubeconfig"
        api = config.new_client_from_config(config_file=str(kubeconfig))
        _monitoring_prerequisites(api)
        config_file = _stack_config(
            tmp, env, {"kubeconfig": str(kubeconfig), "baseImage": base_image}
        )
        partial = Consumer(env=env, config_file=config_file, api=api, up_log="")
        up_log = partial.engine("up", "--yes", "--skip-preview", *PACK)
        yield Consumer(env=env, config_file=config_file, api=api, up_log=up_log)
    finally:
        pulumi = [str(CACHE / "bin" / "pulumi"), "--non-interactive"]
        if (tmp / "project" / f"Pulumi.{STACK}.yaml").is_file():
            subprocess.run(
                [*pulumi, "destroy", "--yes", "--stack", STACK, "--config-file",
                 str(tmp / "project" / f"Pulumi.{STACK}.yaml")],
                env=env, cwd=EXAMPLE, capture_output=True, check=False, timeout=1800,
            )  # fmt: skip
        subprocess.run(
            [str(SCRIPTS / "local-cluster.sh"), "reset"], env=env, check=False, timeout=300
        )
        if not registry_was_running:
            subprocess.run(
                [str(SCRIPTS / "local-registry.sh"), "stop"], env=env, check=False, timeout=60
            )


def _expected_service_objects(image: str, replicas: dict[str, int]) -> list[dict[str, Any]]:
    """What the program's own builders render for the example's GoService inputs."""
    inputs = PROGRAM["resources"]["hello"]["properties"]
    args = go_service.parse(
        "hello",
        {
            "image": image,
            "app_version": inputs["appVersion"],
            "environment": STACK,
            "service": {
                "name": inputs["service"]["name"],
                "namespace": inputs["service"]["namespace"],
                "replicas": replicas,  # type: ignore[typeddict-item]
            },
        },
    )
    return render(args.spec)


def _live(api: client.ApiClient, obj: dict[str, Any]) -> Any:
    resource = dynamic.DynamicClient(api).resources.get(
        api_version=obj["apiVersion"], kind=obj["kind"]
    )
    meta = obj["metadata"]
    return resource.get(name=meta["name"], namespace=meta.get("namespace"))


def _outputs(consumer: Consumer) -> dict[str, Any]:
    return dict(json.loads(consumer.pulumi("stack", "output", "--json")))


def test_up_ran_through_the_package_with_the_pack_enforced(consumer: Consumer) -> None:
    assert "gantry:index:GoService" in consumer.up_log
    assert "Policies:" in consumer.up_log and "gantry@" in consumer.up_log, consumer.up_log[-3000:]
    outputs = _outputs(consumer)
    assert outputs["namespace"] == "hello"
    assert "@sha256:" in outputs["image"] and outputs["image"].startswith("127.0.0.1:5001/hello")


def test_the_api_server_holds_what_the_program_renders(consumer: Consumer) -> None:
    image = _outputs(consumer)["image"]
    expected = _expected_service_objects(image, {"min": 1, "max": 3})
    kinds = {o["kind"] for o in expected}
    assert {
        "Namespace",
        "Deployment",
        "Service",
        "NetworkPolicy",
        "HorizontalPodAutoscaler",
    } <= kinds
    for obj in expected:
        live = _live(consumer.api, obj)
        assert live.metadata.name == obj["metadata"]["name"]
    deployment = client.AppsV1Api(consumer.api).read_namespaced_deployment("hello", "hello")
    (container,) = deployment.spec.template.spec.containers
    assert container.image == image, "the cluster runs the digest GoImage pushed"
    assert (deployment.status.ready_replicas or 0) >= 1, "the engine waited for a Ready rollout"


def test_the_alerts_are_the_programs_rule_groups(consumer: Consumer) -> None:
    inputs = PROGRAM["resources"]["alerts"]["properties"]
    args = alert_rules.parse(
        "alerts",
        {
            "service": inputs["service"],
            "namespace": inputs["namespace"],
            "slos": [
                {
                    "name": s["name"],
                    "kind": s["kind"],
                    "objective": s["objective"],
                    **(
                        {"latency_threshold_seconds": s["latencyThresholdSeconds"]}
                        if "latencyThresholdSeconds" in s
                        else {}
                    ),
                }
                for s in inputs["slos"]
            ],
        },
    )
    groups = build_rule_groups(
        AlertScope("hello", "hello", OBSERVABILITY), args.slos, args.runbook_base_url
    )
    rules = client.CustomObjectsApi(consumer.api).list_namespaced_custom_object(
        "monitoring.coreos.com", "v1", OBSERVABILITY, "prometheusrules"
    )["items"]
    assert sorted(r["metadata"]["name"] for r in rules) == sorted(g.name for g in groups)
    assert sorted(_outputs(consumer)["alertGroups"]) == sorted(g.name for g in groups)


def test_a_second_preview_changes_nothing(consumer: Consumer) -> None:
    consumer.engine("preview", "--expect-no-changes", *PACK)


def _changed_types(preview: dict[str, Any]) -> set[str]:
    return {
        step["urn"].split("::")[2].rpartition("$")[2]
        for step in preview.get("steps", [])
        if step.get("op") not in ("same", "read")
    }


def test_a_changed_input_updates_only_the_deployment_and_its_autoscaler(
    consumer: Consumer, tmp_path: Path
) -> None:
    changed = yaml.safe_load(consumer.config_file.read_text())
    changed["config"][f"{PROJECT}:minReplicas"] = 2
    changed_file = tmp_path / f"Pulumi.{STACK}.yaml"
    changed_file.write_text(yaml.safe_dump(changed))
    preview = json.loads(consumer.engine("preview", "--json", *PACK, config_file=changed_file))
    kinds = _changed_types(preview)
    assert "kubernetes:autoscaling/v2:HorizontalPodAutoscaler" in kinds, preview.get("steps")
    assert kinds <= {
        "gantry:index:GoService",  # the component's own inputs changed
        "kubernetes:apps/v1:Deployment",
        "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    }, kinds
    consumer.engine("up", "--yes", "--skip-preview", *PACK, config_file=changed_file)
    hpa = client.AutoscalingV2Api(consumer.api).read_namespaced_horizontal_pod_autoscaler(
        "hello", "hello"
    )
    assert (hpa.spec.min_replicas, hpa.spec.max_replicas) == (2, 3)
    consumer.engine("preview", "--expect-no-changes", *PACK, config_file=changed_file)


def test_destroy_leaves_nothing(consumer: Consumer) -> None:
    consumer.engine("destroy", "--yes", "--skip-preview")
    core = client.CoreV1Api(consumer.api)
    with pytest.raises(ApiException) as gone:
        core.read_namespace("hello")
    assert gone.value.status == 404
    rules = client.CustomObjectsApi(consumer.api).list_namespaced_custom_object(
        "monitoring.coreos.com", "v1", OBSERVABILITY, "prometheusrules"
    )["items"]
    assert rules == []
    priority = client.SchedulingV1Api(consumer.api).list_priority_class().items
    assert [p.metadata.name for p in priority if not p.metadata.name.startswith("system-")] == []
    state = json.loads(consumer.pulumi("stack", "export"))
    assert state["deployment"].get("resources") in (None, []), "the stack still holds resources"
