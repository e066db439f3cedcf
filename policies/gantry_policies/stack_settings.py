"""The pack settings of a stack, derived from its config (``Pulumi.<stack>.yaml``).

Registries, project repositories and the Pod Security version follow from the
targets; levels from ``gantry:policy.strictness``; exceptions from
``gantry:policy.exemptions`` / ``public_services``. Nothing here is a second copy
of the stack: change the stack file, then ``make policy-config``.

Only ``load_stack`` needs the project's own packages (``gantry.config``,
pydantic, PyYAML); the pack itself never imports this module.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Final

PROJECT_ROOT: Final = Path(__file__).resolve().parents[2]

CHART_REGISTRIES: Final = (
    "quay.io/prometheus",
    "quay.io/prometheus-operator",
    "quay.io/kiwigrid/k8s-sidecar",
    "registry.k8s.io/kube-state-metrics",
    "docker.io/grafana",
)
"""The exact repositories the pinned charts pull with gantry's values (never a whole hub)."""
HA_REGISTRIES: Final = ("docker.io/library/memcached", "docker.io/prom/memcached-exporter")
"""Loki's caches, in the ha observability profile only."""
ADMISSION_REGISTRIES: Final = ("ghcr.io/sigstore/policy-controller",)
"""policy-controller's webhook, when signature verification is on."""


def _reviewed(kind: str, name: str, reason: str, namespace: str | None = None) -> dict[str, Any]:
    target = {"type": kind, "name": name} | ({"namespace": namespace} if namespace else {})
    return {"rules": ["K22a"], **target, "reason": reason}


CHART_EXEMPTIONS: Final = (
    _reviewed(
        "ClusterRole",
        "kps-operator",
        "prometheus-operator reconciles every monitoring.coreos.com resource (wildcards on its"
        " own CRDs and their status) and writes the Secrets and ConfigMaps it renders for"
        " Prometheus and Alertmanager",
    ),
    _reviewed(
        "ClusterRole",
        "kps-kube-state-metrics",
        "kube-state-metrics lists and watches Secrets to export kube_secret_* metadata metrics;"
        " it never exports their data",
    ),
    _reviewed(
        "ClusterRole",
        "kps-grafana-clusterrole",
        "Grafana's sidecars watch ConfigMaps and Secrets labelled as dashboards or datasources;"
        " gantry labels only its own",
    ),
)
"""K22a findings on the pinned charts' RBAC (helm template with gantry's values), reviewed."""
ADMISSION_EXEMPTIONS: Final = (
    _reviewed(
        "ClusterRole",
        "policy-controller-webhook",
        "the webhook reads image pull Secrets to fetch signatures from private registries",
    ),
    _reviewed(
        "Role",
        "policy-controller-webhook",
        "the webhook keeps its own TLS certificate and config Secrets in its namespace",
        "cosign-system",
    ),
)

STRICT: Final = (
    "K15",
    "K16a",
    "K20",
    "K20a",
    "K22b",
    "K24",
    "K25",
    "K26",
    "K27",
    "A04a",
    "S02",
    "S04",
)
"""Advisory rules a strict stack makes mandatory: probes, a dedicated ServiceAccount,
replicas with a disruption budget, budgets that allow a drain, bindings only to roles that
exist (whoever creates a missing role later inherits the binding), checkable charts,
zone/host spread, a priority class, ephemeral-storage, ECR lifecycle, signature
verification and declared registry scanning."""

NODE_EXPORTER_REASON: Final = (
    "node-exporter (kube-prometheus-stack) reads the node's /proc and /sys through hostPath"
    " with hostNetwork and hostPID; it runs alone in this namespace so observability itself"
    " stays restricted"
)


def project_repository(target: Any, service: str) -> tuple[str, str]:
    """(registry pattern, repository pattern) of the service image in ``target``'s registry."""
    cloud = target.cloud
    if cloud == "aws":
        registry = f"*.dkr.ecr.{target.region}.amazonaws.com"
        return registry, f"{registry}/{target.name}/{service}"
    if cloud == "gcp":
        registry = f"{target.region}-docker.pkg.dev/{target.project}"
        return registry, f"{registry}/{target.name}/{service}"
    if cloud == "azure":
        return "*.azurecr.io", f"*.azurecr.io/{service}"
    if cloud == "local":
        return target.registry, f"{target.registry}/{service}"
    if cloud == "existing":
        return target.registry.address, f"{target.registry.address}/{service}"
    raise ValueError(f"target {target.name}: no registry rule for cloud {cloud!r}")


def pss_version(targets: list[Any]) -> str:
    """The oldest Kubernetes minor of the targets; ``latest`` with a local cluster or none known."""
    if any(t.cloud == "local" for t in targets):
        return "latest"  # kind/k3d on the laptop: whatever is newest
    versions = [t.kubernetes_version for t in targets if getattr(t, "kubernetes_version", None)]
    return (
        min(versions, key=lambda v: tuple(int(p) for p in v.split("."))) if versions else "latest"
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def settings_for(config: Any) -> dict[str, Any]:
    """The pack-wide settings document of one parsed stack config (``StackConfig``)."""
    service = config.service.name
    pairs = [project_repository(t, service) for t in config.targets]
    registries = [r for r, _ in pairs] + list(CHART_REGISTRIES)
    if config.observability.profile == "ha":
        registries += HA_REGISTRIES
    if config.image.signature_verification.enabled:
        registries += ADMISSION_REGISTRIES
    policy = config.policy
    settings: dict[str, Any] = {
        "podSecurity": {
            "level": "restricted",
            "version": pss_version(config.targets),
            "namespaces": {
                f"{config.observability.namespace}-node": {
                    "level": "privileged",
                    "reason": NODE_EXPORTER_REASON,
                }
            },
        },
        "allowedRegistries": _unique(registries),
        "firstPartyRepositories": _unique([repo for _, repo in pairs]),
        "unknownValues": policy.unknown_values,
        "exemptions": [
            *CHART_EXEMPTIONS,
            *(ADMISSION_EXEMPTIONS if config.image.signature_verification.enabled else ()),
            *(e.model_dump(exclude_none=True) for e in policy.exemptions),
        ],
        "publicServices": [s.model_dump(exclude_none=True) for s in policy.public_services],
    }
    if policy.strictness == "strict":
        settings["enforcementLevels"] = dict.fromkeys(STRICT, "mandatory")
    return settings


def stack_names(root: Path = PROJECT_ROOT) -> list[str]:
    """Every stack with a ``Pulumi.<stack>.yaml`` in the project."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))


def load_stack(stack: str, root: Path = PROJECT_ROOT) -> Any:
    """The parsed ``gantry:`` config of ``Pulumi.<stack>.yaml`` (secrets are named, never read)."""
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # run from policies/: the project's own packages
    # Imported here, not at the top: the engine's pack venv has neither (see module doc).
    # The project's own file loader: a bad file is one StackConfigError with file and line.
    from gantry.config.source import load_stack as load_stack_file  # noqa: PLC0415

    return load_stack_file(root, stack)
