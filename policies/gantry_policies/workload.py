"""K11, K14-K18a: how workloads run (filesystem, resources, probes, identity, secrets)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Final

from pulumi_policy import Severity

from .kube import is_chart_object
from .podspec import WORKLOAD_TYPES, PodTemplate, pod_template
from .rule import ADVISORY, MANDATORY, Finding, Resource, Rule, cannot_verify, violation
from .secret_values import secret_in, secret_in_base64
from .settings import Settings
from .values import UNKNOWN, dotted

_WORKLOADS = tuple(sorted(WORKLOAD_TYPES))
_KINDS = "Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob"
SECRET_NAME: Final = re.compile(
    r"(pass(word|wd)?|secret|token|api[_-]?key|private[_-]?key|credential|auth|dsn|conn(ection)?[_-]?string)",
    re.IGNORECASE,
)
_CLUSTER_SCOPED: Final = frozenset(
    {
        "Namespace",
        "Node",
        "PersistentVolume",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "StorageClass",
        "PriorityClass",
        "IngressClass",
        "RuntimeClass",
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
        "APIService",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "CSIDriver",
        "CSINode",
        "VolumeAttachment",
        "CertificateSigningRequest",
        "FlowSchema",
        "PriorityLevelConfiguration",
        "ClusterIssuer",
        "ClusterImagePolicy",
        "ClusterPolicy",
        "ComponentStatus",
    }
)


def _containers(
    template: PodTemplate, include_init: bool = True
) -> Iterable[tuple[str, dict[str, Any]]]:
    """(path, container) pairs; ephemeral containers are debug sessions and not checked here."""
    fields = ("initContainers", "containers") if include_init else ("containers",)
    for field_name in fields:
        items = template.spec.get(field_name)
        if items is UNKNOWN:
            yield template.field_path(("spec", field_name)), {"__unknown__": True}
            continue
        for index, item in enumerate(items if isinstance(items, list) else []):
            path = template.field_path(("spec", field_name, index))
            yield path, item if isinstance(item, dict) else {"__unknown__": True}


def _cname(container: dict[str, Any]) -> str:
    return str(container.get("name", "?"))


def _template(resource: Resource) -> PodTemplate | None:
    return pod_template(resource.type, resource.props)


def _value(container: dict[str, Any], *path: str) -> Any:
    node: Any = container
    for key in path:
        if node is UNKNOWN or not isinstance(node, dict):
            return node if node is UNKNOWN else None
        node = node.get(key)
    return node


def _read_only_root(resource: Resource, _s: Settings) -> Iterable[Finding]:
    template = _template(resource)
    if template is None:
        return
    for path, c in _containers(template):
        value = (
            UNKNOWN
            if c.get("__unknown__")
            else _value(c, "securityContext", "readOnlyRootFilesystem")
        )
        if value is UNKNOWN:
            yield cannot_verify(
                f"{path}.securityContext.readOnlyRootFilesystem", subject=resource.display
            )
        elif value is not True:
            yield violation(
                f'{resource.display}: container "{_cname(c)}" must set '
                "securityContext.readOnlyRootFilesystem=true"
                " (mount an emptyDir where it writes)."
            )


def first_party_only(check: Any) -> Any:
    def wrapped(resource: Resource, settings: Settings) -> Iterable[Finding]:
        return [] if is_chart_object(resource) else check(resource, settings)

    return wrapped


def _charts_only(check: Any) -> Any:
    def wrapped(resource: Resource, settings: Settings) -> Iterable[Finding]:
        return check(resource, settings) if is_chart_object(resource) else []

    return wrapped


def resources_check(keys: Sequence[tuple[str, str]]) -> Any:
    def check(resource: Resource, _s: Settings) -> Iterable[Finding]:
        template = _template(resource)
        if template is None:
            return
        for path, c in _containers(template):
            missing = []
            for section, name in keys:
                value = UNKNOWN if c.get("__unknown__") else _value(c, "resources", section, name)
                if value is UNKNOWN:
                    yield cannot_verify(
                        f"{path}.resources.{section}.{name}", subject=resource.display
                    )
                elif value in (None, "", 0, "0"):
                    missing.append(f"resources.{section}.{name}")
            if missing:
                yield violation(
                    f'{resource.display}: container "{_cname(c)}" must set {", ".join(missing)}.'
                )

    return check


def _probes(resource: Resource, _s: Settings) -> Iterable[Finding]:
    template = _template(resource)
    if template is None or resource.kind in ("Job", "CronJob"):
        return
    for path, c in _containers(template, include_init=False):
        missing = []
        for probe in ("readinessProbe", "livenessProbe"):
            value = UNKNOWN if c.get("__unknown__") else c.get(probe)
            if value is UNKNOWN:
                yield cannot_verify(f"{path}.{probe}", subject=resource.display)
            elif not value:
                missing.append(probe)
        if missing:
            yield violation(
                f'{resource.display}: container "{_cname(c)}" must define {" and ".join(missing)}'
                " (e.g. httpGet /readyz and /healthz on port http)."
            )


def _automount(resource: Resource, _s: Settings) -> Iterable[Finding]:
    if resource.kind == "ServiceAccount":
        value = resource.get("automountServiceAccountToken")
        where = "automountServiceAccountToken"
    else:
        template = _template(resource)
        if template is None:
            return
        value = template.spec.get("automountServiceAccountToken")
        where = template.field_path(("spec", "automountServiceAccountToken"))
    if value is UNKNOWN:
        yield cannot_verify(where, subject=resource.display)
    elif value is not False:
        yield violation(
            f"{resource.display}: set {where}=false; mount a projected token only in pods "
            "that call the API"
            " (or exempt them in the pack config with a reason)."
        )


def _dedicated_sa(resource: Resource, _s: Settings) -> Iterable[Finding]:
    template = _template(resource)
    if template is None:
        return
    value = template.spec.get("serviceAccountName")
    if value is UNKNOWN:
        yield cannot_verify(
            template.field_path(("spec", "serviceAccountName")), subject=resource.display
        )
    elif value in (None, "", "default"):
        yield violation(
            f"{resource.display}: run under a dedicated ServiceAccount "
            "(spec.serviceAccountName), not default."
        )


def _namespace(resource: Resource, _s: Settings) -> Iterable[Finding]:
    if (
        not resource.is_kubernetes
        or resource.kind in _CLUSTER_SCOPED
        or resource.kind in (None, "List")
    ):
        return
    if resource.type.endswith("Patch") or resource.type.startswith("kubernetes:yaml"):
        return
    ns = resource.namespace
    if ns is UNKNOWN:
        yield cannot_verify("metadata.namespace", subject=resource.display)
    elif ns in (None, "", "default"):
        yield violation(
            f"{resource.display}: set metadata.namespace to the component's own namespace, "
            "not default."
        )


def _env_entries(template: PodTemplate) -> Iterable[tuple[str, dict[str, Any] | None]]:
    """(path, env entry) of every container; None where preview hides the entries."""
    for path, c in _containers(template):
        env = UNKNOWN if c.get("__unknown__") else c.get("env")
        if env is UNKNOWN:
            yield f"{path}.env", None
            continue
        for index, entry in enumerate(env if isinstance(env, list) else []):
            if entry is UNKNOWN:
                yield f"{path}.env[{index}]", None
            elif isinstance(entry, dict):
                yield f"{path}.env[{index}]", entry


def _config_map_value_secret(field: str, value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    return secret_in_base64(value) if field == "binaryData" else secret_in(value)


def _config_map_secrets(resource: Resource) -> Iterable[Finding]:
    """``data`` and ``binaryData`` (base64, judged decoded): by key name, and by value."""
    for field in ("data", "binaryData"):
        entries = resource.get(field)
        if entries is UNKNOWN:
            yield cannot_verify(field, subject=resource.display)
            continue
        where = "key" if field == "data" else "binaryData key"
        for key, value in entries.items() if isinstance(entries, dict) else []:
            if not SECRET_NAME.search(str(key)):
                found = _config_map_value_secret(field, value)
                if found:
                    yield violation(
                        f'{resource.display}: {where} "{key}" holds {found}; move it to a Secret'
                        " (or an external secret store) and reference it."
                    )
                continue
            if value is UNKNOWN:
                yield cannot_verify(f"{field}.{key}", subject=resource.display)
            elif isinstance(value, str) and value:
                yield violation(
                    f'{resource.display}: {where} "{key}" looks like a secret; move it to a'
                    " Secret (or an external secret store) and reference it."
                )


def _literal_secrets(resource: Resource, _s: Settings) -> Iterable[Finding]:
    if resource.kind == "ConfigMap":
        yield from _config_map_secrets(resource)
        return
    template = _template(resource)
    if template is None:
        return
    for path, entry in _env_entries(template):
        if entry is None:
            yield cannot_verify(path, subject=resource.display)
            continue
        name, value = entry.get("name"), entry.get("value")
        if name is UNKNOWN:
            yield cannot_verify(f"{path}.name", subject=resource.display)
            continue
        if not isinstance(name, str) or not SECRET_NAME.search(name):
            found = secret_in(value) if isinstance(value, str) else None
            if found:
                yield violation(
                    f'{resource.display}: env "{name}" holds {found} in its literal value; use'
                    " valueFrom.secretKeyRef or a mounted Secret file."
                )
            continue
        if value is UNKNOWN:
            # An unknown literal is a computed value (often a secret output): the worst case.
            yield cannot_verify(f"{path}.value", subject=resource.display)
        elif isinstance(value, str) and value:
            yield violation(
                f'{resource.display}: env "{name}" carries a literal secret-like value; use '
                "valueFrom.secretKeyRef or a mounted Secret file."
            )


def _secret_env(resource: Resource, _s: Settings) -> Iterable[Finding]:
    template = _template(resource)
    if template is None:
        return
    for path, entry in _env_entries(template):
        if entry is None:
            yield cannot_verify(path, subject=resource.display)
            continue
        value_from = entry.get("valueFrom")
        if value_from is UNKNOWN:
            yield cannot_verify(f"{path}.valueFrom", subject=resource.display)
        elif isinstance(value_from, dict) and value_from.get("secretKeyRef") is not None:
            yield violation(
                f'{resource.display}: env "{entry.get("name")}" ({path}) reads a Secret into '
                "the environment; prefer a mounted Secret file (env leaks into crash dumps and"
                " child processes)."
            )
    for path, c in _containers(template):
        env_from = UNKNOWN if c.get("__unknown__") else c.get("envFrom")
        if env_from is UNKNOWN:
            yield cannot_verify(f"{path}.envFrom", subject=resource.display)
            continue
        for source in env_from if isinstance(env_from, list) else []:
            if source is UNKNOWN or (
                isinstance(source, dict) and source.get("secretRef") is UNKNOWN
            ):
                yield cannot_verify(f"{path}.envFrom", subject=resource.display)
            elif isinstance(source, dict) and source.get("secretRef") is not None:
                yield violation(
                    f"{resource.display}: {path}.envFrom imports a whole Secret; mount it as files."
                )


RULES: list[Rule] = [
    Rule(
        "K11",
        "require-read-only-root-filesystem",
        "Project workloads run with readOnlyRootFilesystem=true.",
        Severity.MEDIUM,
        MANDATORY,
        (
            "Set securityContext.readOnlyRootFilesystem: true and mount emptyDir volumes where "
            "the app writes."
        ),
        _KINDS,
        check=first_party_only(_read_only_root),
        types=_WORKLOADS,
    ),
    Rule(
        "K11a",
        "chart-read-only-root-filesystem",
        "Chart-rendered workloads should run with readOnlyRootFilesystem=true.",
        Severity.LOW,
        ADVISORY,
        "Set the chart's containerSecurityContext.readOnlyRootFilesystem value.",
        _KINDS + " (Helm chart objects)",
        check=_charts_only(_read_only_root),
        types=_WORKLOADS,
    ),
    Rule(
        "K14",
        "require-requests-and-memory-limit",
        "Every container sets CPU and memory requests and a memory limit.",
        Severity.MEDIUM,
        MANDATORY,
        "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory.",
        _KINDS,
        check=resources_check((("requests", "cpu"), ("requests", "memory"), ("limits", "memory"))),
        types=_WORKLOADS,
    ),
    Rule(
        "K14a",
        "recommend-cpu-limit",
        "Containers should set a CPU limit (Go sizes GOMAXPROCS from it).",
        Severity.LOW,
        ADVISORY,
        "Set resources.limits.cpu.",
        _KINDS,
        check=resources_check((("limits", "cpu"),)),
        types=_WORKLOADS,
    ),
    Rule(
        "K15",
        "require-probes",
        "Long-running containers define readiness and liveness probes.",
        Severity.MEDIUM,
        ADVISORY,
        "Add readinessProbe (/readyz) and livenessProbe (/healthz).",
        "Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet",
        check=_probes,
        types=_WORKLOADS,
    ),
    Rule(
        "K16",
        "disable-service-account-token-automount",
        "Pods and ServiceAccounts set automountServiceAccountToken=false unless exempted.",
        Severity.MEDIUM,
        MANDATORY,
        "Set automountServiceAccountToken: false; exempt API clients by name with a reason.",
        _KINDS + ", ServiceAccount",
        check=first_party_only(_automount),
        types=(*_WORKLOADS, "kubernetes:core/v1:ServiceAccount"),
    ),
    Rule(
        "K16a",
        "require-dedicated-service-account",
        "Pods run under their own ServiceAccount, not default.",
        Severity.LOW,
        ADVISORY,
        "Create a ServiceAccount per workload and set spec.serviceAccountName.",
        _KINDS,
        check=_dedicated_sa,
        types=_WORKLOADS,
    ),
    Rule(
        "K17",
        "disallow-default-namespace",
        "Namespaced objects set metadata.namespace, and not to default.",
        Severity.LOW,
        MANDATORY,
        "Set metadata.namespace (helm.v4.Chart: the namespace argument).",
        "all namespaced Kubernetes kinds",
        check=_namespace,
        types=("kubernetes:",),
    ),
    Rule(
        "K18",
        "disallow-literal-secrets",
        (
            "No secret-like literal values in env or ConfigMaps: by key name, and by value"
            " (private keys, also as base64 or DER; credentials in URLs; cloud credential files"
            " and tokens; JWTs)."
        ),
        Severity.CRITICAL,
        MANDATORY,
        "Store the value in a Secret (from a Pulumi secret) and reference it.",
        _KINDS + ", ConfigMap",
        check=_literal_secrets,
        types=(*_WORKLOADS, "kubernetes:core/v1:ConfigMap"),
    ),
    Rule(
        "K18a",
        "prefer-secret-files-over-env",
        "Secrets should be mounted as files, not read into env (secretKeyRef/envFrom).",
        Severity.LOW,
        ADVISORY,
        "Mount the Secret as a volume and read the file.",
        _KINDS,
        check=_secret_env,
        types=_WORKLOADS,
    ),
]

__all__ = ["RULES", "SECRET_NAME", "dotted"]
