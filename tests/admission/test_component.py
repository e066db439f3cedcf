"""SignatureVerification under Pulumi mocks, alone and in the whole prod program."""

from __future__ import annotations

from dataclasses import replace

import pulumi
import pulumi_kubernetes as k8s
import pytest
import test_program

from components.admission import SignatureVerification, SignatureVerificationArgs
from components.targets.base import ClusterTarget, RegistryEndpoint
from components.versions import CHARTS
from gantry.config.image import SignatureVerification as SignatureVerificationConfig
from gantry.config_adapter import signature_args
from scripts.render_manifests import load_stack
from tests.harness import Recording, Registered, run_with_mocks, unwrap

COMPONENT = "gantry:admission:SignatureVerification"
CHART = "kubernetes:helm.sh/v4:Chart"
POLICY = "kubernetes:policy.sigstore.dev/v1beta1:ClusterImagePolicy"
NAMESPACE = "kubernetes:core/v1:Namespace"
PDB = "kubernetes:policy/v1:PodDisruptionBudget"
REPOS = ("a.example.com/team/hello", "b.example.com/hello")


def _target(provider: k8s.Provider) -> ClusterTarget:
    return ClusterTarget(
        name="t",
        provider=provider,
        kubeconfig=pulumi.Output.secret("kubeconfig"),
        cluster_name="c",
        region="r",
        registry=RegistryEndpoint(repository=REPOS[0], server="a.example.com"),
        managed_control_plane=True,
        workload_identity=lambda ns, sa: {"example.com/identity": f"{ns}/{sa}"},
    )


def _deploy(mode: str = "enforce", replicas: int = 2) -> Recording:
    signing = SignatureVerificationConfig(enabled=True, mode=mode)  # type: ignore[arg-type]
    stack = load_stack("prod")
    image = stack.image.model_copy(update={"signature_verification": signing})
    config = stack.model_copy(update={"image": image})

    def program() -> None:
        provider = k8s.Provider("cluster", kubeconfig="unused")
        # One repository arrives as an Output, as an ECR repository URL does.
        repos = [REPOS[0], pulumi.Output.from_input(REPOS[1])]
        args = replace(
            signature_args(config, _target(provider), repos),
            replicas=replicas,
        )
        SignatureVerification("sv", args, pulumi.ResourceOptions(provider=provider))

    return run_with_mocks(program)


@pytest.fixture(scope="module")
def rec() -> Recording:
    return _deploy()


def test_children_are_named_parented_and_use_the_targets_provider(rec: Recording) -> None:
    component = rec.one(COMPONENT, "sv")
    children = rec.children_of(component)
    assert sorted((c.type, c.name) for c in children) == [
        (NAMESPACE, "sv-namespace"),
        (CHART, "sv-policy-controller"),
        (POLICY, "sv-policy"),
        (PDB, "sv-webhook-pdb"),
    ]
    for child in children:
        assert child.provider is not None and "cluster" in child.provider, child.name


def test_namespace_is_restricted_and_not_itself_verified(rec: Recording) -> None:
    labels = unwrap(rec.one(NAMESPACE, "sv-namespace").inputs)["metadata"]["labels"]
    assert unwrap(rec.one(NAMESPACE, "sv-namespace").inputs)["metadata"]["name"] == "cosign-system"
    for mode in ("enforce", "audit", "warn"):
        assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted"
    assert "policy.sigstore.dev/include" not in labels


def test_chart_is_the_pin_in_its_namespace_with_our_values(rec: Recording) -> None:
    chart = unwrap(rec.one(CHART, "sv-policy-controller").inputs)
    pin = CHARTS["policy-controller"]
    assert (chart["chart"], chart["version"]) == (pin.chart, pin.version)
    assert chart["repositoryOpts"]["repo"] == "https://sigstore.github.io/helm-charts"
    assert chart["namespace"] == "cosign-system"
    assert chart["name"] == "policy-controller"
    webhook = chart["values"]["webhook"]
    assert webhook["replicaCount"] == 2
    assert webhook["failurePolicy"] == "Fail"
    assert webhook["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    # The target's identity hook was asked for the chart's webhook account.
    assert webhook["serviceAccount"]["annotations"] == {
        "example.com/identity": "cosign-system/policy-controller-webhook"
    }


def test_policy_covers_every_repository_with_the_keyless_ci_identity(rec: Recording) -> None:
    policy = unwrap(rec.one(POLICY, "sv-policy").inputs)
    assert policy["apiVersion"] == "policy.sigstore.dev/v1beta1"
    assert policy["metadata"]["name"] == "ci-signed-images"
    spec = policy["spec"]
    assert spec["images"] == [{"glob": f"{r}*"} for r in REPOS]
    assert spec["mode"] == "enforce"
    [authority] = spec["authorities"]
    defaults = SignatureVerificationConfig()
    assert authority["keyless"]["identities"] == [
        {"issuer": "https://token.actions.githubusercontent.com",
         "subjectRegExp": defaults.subject_regexp}
    ]  # fmt: skip
    assert authority["keyless"]["url"] == "https://fulcio.sigstore.dev"
    assert authority["ctlog"]["url"] == "https://rekor.sigstore.dev"


def test_budget_keeps_one_webhook_in_its_namespace(rec: Recording) -> None:
    pdb = unwrap(rec.one(PDB, "sv-webhook-pdb").inputs)
    assert pdb["metadata"]["namespace"] == "cosign-system"
    assert pdb["spec"]["minAvailable"] == 1
    assert pdb["spec"]["selector"]["matchLabels"]["control-plane"] == "policy-controller-webhook"


def test_single_webhook_has_no_budget_that_would_block_drains() -> None:
    assert _deploy(replicas=1).of_type(PDB) == []


def test_warn_mode_reaches_the_policy() -> None:
    spec = unwrap(_deploy("warn").one(POLICY, "sv-policy").inputs)["spec"]
    assert spec["mode"] == "warn"


def test_no_repository_is_an_error() -> None:
    with pytest.raises(ValueError, match="no repositories"):
        SignatureVerification(
            "sv", SignatureVerificationArgs(repositories=[], subject_regexp="^x$", issuer="i")
        )


def _prod() -> Recording:
    return test_program.run_stack("prod")


def _of(rec: Recording, type_: str, parent_type: str) -> list[Registered]:
    return [r for r in rec.of_type(type_) if r.parent_type == parent_type]


def test_prod_verifies_on_every_target_and_opts_the_service_namespace_in() -> None:
    rec = _prod()
    components = rec.of_type(COMPONENT)
    services = rec.of_type("gantry:go_service:GoService")
    assert len(components) == len(services) == 3
    for policy in rec.of_type(POLICY):
        globs = [i["glob"] for i in unwrap(policy.inputs)["spec"]["images"]]
        assert len(globs) == 3, globs  # every target's repository, in every cluster
        assert all(g.endswith("/hello*") for g in globs), globs
    for ns in _of(rec, NAMESPACE, "gantry:go_service:GoService"):
        assert unwrap(ns.inputs)["metadata"]["labels"]["policy.sigstore.dev/include"] == "true"


def test_dev_installs_nothing_and_does_not_opt_in() -> None:
    rec = test_program.run_stack("dev")
    assert rec.of_type(COMPONENT) == []
    for ns in _of(rec, NAMESPACE, "gantry:go_service:GoService"):
        assert "policy.sigstore.dev/include" not in unwrap(ns.inputs)["metadata"]["labels"]
