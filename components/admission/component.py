"""SignatureVerification: sigstore policy-controller and the CI's keyless policy on one cluster."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pulumi
import pulumi_kubernetes as k8s

from components.versions import CHARTS

from .policy import (
    API_VERSION,
    DEFAULT_FULCIO_URL,
    DEFAULT_REKOR_URL,
    cluster_image_policy,
    image_glob,
    keyless_authority,
)
from .values import policy_controller_values, webhook_pod_labels

RELEASE = "policy-controller"
"""Release name; the chart names the webhook's ServiceAccount `<release>-webhook`."""
DEFAULT_NAMESPACE = "cosign-system"


@dataclass(frozen=True)
class SignatureVerificationArgs:
    """Inputs of one SignatureVerification.

    repositories: first-party repository addresses (registry/path, no tag or
        digest) whose images must carry the CI's signature; usually every
        target's, so an image pulled across registries is checked too.
    subject_regexp, issuer: the signing identity (Fulcio certificate subject
        and OIDC issuer) the signature must come from.
    mode: `enforce` (default) rejects unsigned images; `warn` admits them.
    namespace: where the controller runs (default `cosign-system`).
    policy_name: the ClusterImagePolicy's name (default `ci-signed-images`).
    replicas: webhook pods (default 2; it fails closed).
    fulcio_url, rekor_url: the Sigstore instance (default: the public one).
    chart_repository: a mirror of the chart repository (default: upstream).
    service_account_annotations: workload identity for the webhook's
        registry reads (default none).
    """

    repositories: Sequence[pulumi.Input[str]]
    subject_regexp: str
    issuer: str
    mode: Literal["enforce", "warn"] = "enforce"
    namespace: str = DEFAULT_NAMESPACE
    policy_name: str = "ci-signed-images"
    replicas: int = 2
    fulcio_url: str = DEFAULT_FULCIO_URL
    rekor_url: str = DEFAULT_REKOR_URL
    chart_repository: str | None = None
    service_account_annotations: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None


def webhook_service_account(release: str = RELEASE) -> str:
    """The webhook's ServiceAccount, which reads registries (and may need an identity)."""
    return f"{release}-webhook"


class SignatureVerification(pulumi.ComponentResource):
    """policy-controller (namespace at Pod Security `restricted`, its chart) and one
    keyless ClusterImagePolicy over the first-party repositories.

    Namespaces opt in with the label `policy.sigstore.dev/include: "true"`; make
    the workloads there depend on this component so the webhook and the policy
    exist before their first pod. Outputs: `namespace`, `policy_name`.
    """

    namespace: pulumi.Output[str]
    policy_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        args: SignatureVerificationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("gantry:admission:SignatureVerification", name, None, opts)
        if not args.repositories:
            msg = f"{name}: no repositories to verify"
            raise ValueError(msg)
        child = pulumi.ResourceOptions(parent=self)
        ns = k8s.core.v1.Namespace(
            f"{name}-namespace",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.namespace, labels=_restricted_labels()),
            opts=child,
        )
        pin = CHARTS["policy-controller"]
        annotations = args.service_account_annotations or {}
        chart = k8s.helm.v4.Chart(
            f"{name}-{RELEASE}",
            name=RELEASE,
            namespace=ns.metadata.name,
            chart=pin.chart,
            version=pin.version,
            repository_opts=k8s.helm.v4.RepositoryOptsArgs(
                repo=args.chart_repository or pin.repository
            ),
            values=pulumi.Output.from_input(annotations).apply(
                lambda a: policy_controller_values(
                    replicas=args.replicas, service_account_annotations=a
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[ns]),
        )
        if args.replicas > 1:
            # One webhook pod stays through node drains; with a single replica a budget
            # of one would block every drain instead.
            k8s.policy.v1.PodDisruptionBudget(
                f"{name}-webhook-pdb",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"{RELEASE}-webhook", namespace=ns.metadata.name
                ),
                spec=k8s.policy.v1.PodDisruptionBudgetSpecArgs(
                    min_available=1,
                    selector=k8s.meta.v1.LabelSelectorArgs(
                        match_labels=webhook_pod_labels(RELEASE)
                    ),
                    unhealthy_pod_eviction_policy="AlwaysAllow",
                ),
                opts=child,
            )
        globs = pulumi.Output.all(*args.repositories).apply(
            lambda repos: [image_glob(str(r)) for r in repos]
        )
        manifest = globs.apply(
            lambda g: cluster_image_policy(
                args.policy_name,
                g,
                keyless_authority(
                    issuer=args.issuer,
                    subject_regexp=args.subject_regexp,
                    fulcio_url=args.fulcio_url,
                    rekor_url=args.rekor_url,
                ),
                args.mode,
            )
        )
        # The CRD comes with the chart, and the chart's validating webhook checks
        # this object: it is created once the webhook Deployment is ready.
        policy = k8s.apiextensions.CustomResource(
            f"{name}-policy",
            api_version=API_VERSION,
            kind="ClusterImagePolicy",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=args.policy_name),
            spec=manifest["spec"],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[chart]),
        )
        self.namespace = ns.metadata.name
        self.policy_name = policy.id.apply(lambda _: args.policy_name)
        self.register_outputs({"namespace": self.namespace, "policy_name": self.policy_name})


def _restricted_labels() -> dict[str, Any]:
    """Pod Security `restricted`, enforced: the values make the webhook pods comply."""
    labels: dict[str, Any] = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"pod-security.kubernetes.io/{mode}"] = "restricted"
    return labels
