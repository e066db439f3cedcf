"""The whole program (`__main__.py`) under mocks, for every committed stack.

These are the graph checks: they hold for any stack file, so a new stack or
a new component cannot quietly break them.
"""

from __future__ import annotations

import io
import json
import runpy
import tempfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import Recording, Registered, is_secret, run_with_mocks, unwrap
from pulumi.runtime.mocks import MockResourceArgs
from targets import fakes as cloud_fakes

REPO = Path(__file__).resolve().parent.parent
STACKS = ("local", "dev", "prod")
LOCAL_KUBECONFIG = "apiVersion: v1\nkind: Config\nclusters: []\n"
SECRET_VALUES = {
    "devSlackWebhookUrl": "https://hooks.slack.invalid/dev-webhook-s3cr3t",
    "prodSlackWebhookUrl": "https://hooks.slack.invalid/prod-webhook-s3cr3t",
    "prodPagerdutyRoutingKey": "pagerduty-routing-key-s3cr3t",
}
ACR_TOKEN = "acr-refresh-token-s3cr3t"
DIGEST_SUFFIX = "@sha256:"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ClusterImagePolicy",
}


def _image_index(args: MockResourceArgs) -> dict[str, Any]:
    digest = "sha256:" + "ab" * 32
    return {"ref": f"{args.inputs['tag']}@{digest}"}


def _image(args: MockResourceArgs) -> dict[str, Any]:
    return {"digest": "sha256:" + "cd" * 32}


GRAFANA_PASSWORD = "generated-grafana-password-0123456789"


def _dynamic(args: MockResourceArgs) -> dict[str, Any]:
    """The program's dynamic resources: the ko image, and generated passwords."""
    if "length" in args.inputs:
        return {"length": args.inputs["length"], "result": GRAFANA_PASSWORD}
    ref = f"{args.inputs['repository']}:{args.inputs['tags'][-1]}@sha256:{'ef' * 32}"
    return {"ref": ref, "digest": "sha256:" + "ef" * 32}


def _chart(args: MockResourceArgs) -> dict[str, Any]:
    return {"resources": []}


def fakes() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name in dir(cloud_fakes):
        if name.endswith("_FAKES"):
            merged.update(getattr(cloud_fakes, name))
    merged.update(
        {
            "docker-build:index:Image": _image,
            "docker-build:index:Index": _image_index,
            "pulumi-python:dynamic:Resource": _dynamic,
            "kubernetes:helm.sh/v4:Chart": _chart,
        }
    )
    return merged


def call_fakes() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name in dir(cloud_fakes):
        if name.endswith("_CALLS"):
            merged.update(getattr(cloud_fakes, name))
    return merged


def stack_config(stack: str) -> dict[str, Any]:
    data = yaml.safe_load((REPO / f"Pulumi.{stack}.yaml").read_text())
    return dict(data["config"])


@cache
def run_stack(stack: str) -> Recording:
    """Run __main__.py for a stack, with the secrets its file names set as secrets."""
    config = stack_config(stack)
    named = json.dumps(config)
    needed = {k: v for k, v in SECRET_VALUES.items() if k in named}

    def program() -> None:
        runpy.run_path(str(REPO / "__main__.py"), run_name="__main__")

    env_patch = pytest.MonkeyPatch()
    env_patch.setenv("GANTRY_KO_BASE_IMAGE", "127.0.0.1:5001/gantry/base-static@sha256:" + "0" * 64)
    env_patch.delenv("KUBECONFIG", raising=False)
    env_patch.setenv("HOME", "/nonexistent-home-nothing-is-probed")
    # The local stack applies to the local control plane: its kubeconfig, faked.
    cluster_dir = Path(tempfile.mkdtemp(prefix="gantry-test-cluster-"))
    (cluster_dir / "kubeconfig").write_text(LOCAL_KUBECONFIG)
    env_patch.setenv("GANTRY_CLUSTER_DIR", str(cluster_dir))
    env_patch.chdir(REPO)
    env_patch.setattr("components.targets.acr_login.urllib.request.urlopen", _fake_acr_exchange)
    try:
        return run_with_mocks(
            program,
            stack=stack,
            config=config,
            secret_config={f"gantry:{k}": v for k, v in needed.items()},
            fakes=fakes(),
            call_fakes=call_fakes(),
        )
    finally:
        env_patch.undo()


class _Response(io.BytesIO):
    def __enter__(self) -> _Response:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _fake_acr_exchange(request: Any, timeout: float) -> _Response:
    """ACR's /oauth2/exchange, answered locally: the test machine has no network."""
    assert request.full_url.endswith("/oauth2/exchange")
    return _Response(json.dumps({"refresh_token": ACR_TOKEN}).encode())


def _kind(resource: Registered) -> str:
    return resource.type.rsplit(":", 1)[-1]


def _namespace(resource: Registered) -> str | None:
    metadata = unwrap(resource.inputs.get("metadata") or {})
    return metadata.get("namespace")


def _pod_spec(resource: Registered) -> dict[str, Any] | None:
    spec = unwrap(resource.inputs.get("spec") or {})
    kind = _kind(resource)
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return spec.get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec")
    if kind in WORKLOAD_KINDS:
        return spec.get("template", {}).get("spec")
    return None


@pytest.mark.parametrize("stack", STACKS)
def test_program_runs_to_completion(stack: str) -> None:
    rec = run_stack(stack)
    assert rec.of_type("gantry:image:GoImage"), "the image is built"
    assert rec.of_type("gantry:go_service:GoService"), "the service is deployed"


@pytest.mark.parametrize("stack", STACKS)
def test_one_service_per_target(stack: str) -> None:
    rec = run_stack(stack)
    targets = [t["name"] for t in stack_config(stack)["gantry:targets"]]
    services = rec.of_type("gantry:go_service:GoService")
    assert sorted(s.name for s in services) == sorted(f"{t}-hello" for t in targets)
    assert len(rec.of_type("gantry:image:GoImage")) == 1, "one image for all targets"


@pytest.mark.parametrize("stack", STACKS)
def test_namespaced_objects_avoid_default(stack: str) -> None:
    for resource in run_stack(stack).kubernetes_objects():
        if _kind(resource) in CLUSTER_SCOPED:
            continue
        namespace = _namespace(resource)
        assert namespace, f"{resource.name} ({resource.type}) has no namespace"
        assert namespace != "default", f"{resource.name} is in the default namespace"


@pytest.mark.parametrize("stack", STACKS)
def test_workload_images_are_digests(stack: str) -> None:
    workloads = [r for r in run_stack(stack).kubernetes_objects() if _pod_spec(r) is not None]
    assert workloads
    for workload in workloads:
        spec = _pod_spec(workload) or {}
        for container in spec.get("containers", []) + spec.get("initContainers", []):
            assert DIGEST_SUFFIX in container["image"], (
                f"{workload.name}/{container['name']} deploys {container['image']}, not a digest"
            )


@pytest.mark.parametrize("stack", STACKS)
def test_every_resource_belongs_to_a_component(stack: str) -> None:
    rec = run_stack(stack)
    top_level = [r for r in rec.resources if r.parent_type in (None, "pulumi:pulumi:Stack")]
    for resource in top_level:
        assert resource.type.startswith("gantry:"), (
            f"{resource.name} ({resource.type}) is registered outside any gantry component"
        )


@pytest.mark.parametrize("stack", STACKS)
def test_kubernetes_objects_use_their_targets_provider(stack: str) -> None:
    rec = run_stack(stack)
    for resource in rec.kubernetes_objects():
        assert resource.provider, f"{resource.name} uses the ambient default provider"
        assert "pulumi:providers:kubernetes" in resource.provider


@pytest.mark.parametrize("stack", STACKS)
def test_outputs_per_target(stack: str) -> None:
    rec = run_stack(stack)
    for target in stack_config(stack)["gantry:targets"]:
        name = target["name"]
        assert name in rec.exports, f"no outputs for target {name}"
        outputs = unwrap(rec.exports[name])
        assert DIGEST_SUFFIX in outputs["image"]
        assert outputs["namespace"] == "hello"
        assert outputs["service_url"].startswith("http://hello.hello.svc.cluster.local:")
        assert is_secret(rec.exports[f"{name}-kubeconfig"]), f"{name}'s kubeconfig is not secret"


@pytest.mark.parametrize("stack", STACKS)
def test_no_secret_in_plain_text(stack: str) -> None:
    rec = run_stack(stack)
    plain = {**SECRET_VALUES, "acr": ACR_TOKEN, "grafana": GRAFANA_PASSWORD}
    for key, value in plain.items():
        assert rec.plaintext(value) == [], f"{key} appears in plain text"


def test_prod_spans_several_clouds_with_the_same_digest() -> None:
    rec = run_stack("prod")
    images = {unwrap(rec.exports[t])["image"].rsplit("@", 1)[1] for t in ("aws-prod", "gcp-prod")}
    assert len(images) == 1, "every target runs the same digest"
    clouds = {r.type.split(":", 1)[0] for r in rec.resources if r.custom}
    assert {"aws", "gcp"} <= clouds


def test_local_stack_applies_to_the_local_control_plane() -> None:
    rec = run_stack("local")
    (provider,) = rec.of_type("pulumi:providers:kubernetes")
    assert "renderYamlToDirectory" not in provider.inputs
    assert is_secret(provider.inputs["kubeconfig"])
    assert unwrap(provider.inputs["kubeconfig"]) == LOCAL_KUBECONFIG
    clouds = {r.type.split(":", 1)[0] for r in rec.resources}
    assert not clouds & {"aws", "gcp", "azure-native"}, "the local stack touches no cloud"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_receiver_secrets_are_used_and_wrapped(stack: str) -> None:
    """The no-plaintext check above means something only if the secrets are really used."""
    rec = run_stack(stack)
    named = json.dumps(stack_config(stack))
    for key, value in SECRET_VALUES.items():
        if key not in named:
            continue
        holders = [r.name for r in rec.resources if value in json.dumps(unwrap(r.inputs))]
        assert holders, f"{key} reaches no resource: the receivers lost it"
        assert rec.plaintext(value) == []
