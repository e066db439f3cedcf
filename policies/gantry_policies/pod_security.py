"""K01-K10: the Kubernetes Pod Security Standards on every pod template.

The level comes from the pack config per namespace (restricted by default), the
Kubernetes version from ``podSecurity.version`` (newest release by default).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

from pulumi_policy import Severity

from . import pss
from .podspec import WORKLOAD_TYPES, PodTemplate, pod_template
from .rule import MANDATORY, Finding, Resource, ResourceCheck, Rule, cannot_verify, violation
from .settings import Level, Settings
from .values import UNKNOWN

_TYPES = tuple(sorted(WORKLOAD_TYPES))
_KINDS = "Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob"


def pss_findings(resource: Resource, settings: Settings, rule_id: str) -> Iterable[Finding]:
    """Findings of the controls that belong to ``rule_id`` for one workload."""
    template = pod_template(resource.type, resource.props)
    if template is None:
        return
    namespace = resource.namespace
    if namespace is UNKNOWN and settings.namespace_levels:
        yield cannot_verify("metadata.namespace", subject=resource.display)
        return
    level = settings.level_for(namespace if isinstance(namespace, str) else None)
    if template.key:
        results = _all_results(template, level, settings.pss_version)
    else:
        results = tuple(
            pss.evaluate(
                template.metadata,
                template.spec,
                level,
                settings.pss_version,
                unknowns=template.unknowns,
            )
        )
    for result in results:
        if result.rule != rule_id:
            continue
        if result.unknown is not None:
            yield cannot_verify(template.field_path(result.unknown), subject=resource.display)
        else:
            controls = ", ".join(result.controls)
            yield violation(
                f'{resource.display} violates Pod Security "{level}" ({controls}): {result.detail}.'
            )


@lru_cache(maxsize=1024)
def _all_results(
    template: PodTemplate, level: Level, version: tuple[int, int]
) -> tuple[pss.PssResult, ...]:
    """Every control's result once per template (ten rules read them)."""
    return tuple(
        pss.evaluate(template.metadata, template.spec, level, version, unknowns=template.unknowns)
    )


def _check(rule_id: str) -> ResourceCheck:
    def check(resource: Resource, settings: Settings) -> Iterable[Finding]:
        return pss_findings(resource, settings, rule_id)

    return check


def _rule(rule_id: str, name: str, description: str, severity: Severity, remediation: str) -> Rule:
    return Rule(
        id=rule_id,
        name=name,
        description=description,
        severity=severity,
        enforcement=MANDATORY,
        remediation=remediation,
        resources=_KINDS,
        check=_check(rule_id),
        types=_TYPES,
        reads=("podSecurity",),
    )


RULES: list[Rule] = [
    _rule(
        "K01",
        "disallow-privileged-containers",
        "Containers, init and ephemeral containers must not run privileged.",
        Severity.CRITICAL,
        "Remove securityContext.privileged or set it to false; grant a single capability instead.",
    ),
    _rule(
        "K02",
        "disallow-host-namespaces",
        "Pods must not share the node's network, PID or IPC namespace.",
        Severity.CRITICAL,
        "Remove hostNetwork/hostPID/hostIPC (or set false); expose ports through a Service.",
    ),
    _rule(
        "K03",
        "disallow-host-path-volumes",
        "Pods must not mount hostPath volumes (node files, container runtime sockets).",
        Severity.HIGH,
        "Use emptyDir, a PVC, a projected volume or the API (e.g. Alloy loki.source.kubernetes).",
    ),
    _rule(
        "K04",
        "disallow-host-ports",
        "Containers must not bind host ports.",
        Severity.HIGH,
        "Remove ports[].hostPort and reach the pod through a Service.",
    ),
    _rule(
        "K05",
        "restrict-capabilities",
        (
            "Containers drop ALL capabilities and add at most NET_BIND_SERVICE (baseline: the 13 "
            "defaults)."
        ),
        Severity.HIGH,
        (
            'Set securityContext.capabilities.drop: ["ALL"]; add only NET_BIND_SERVICE if a port '
            "< 1024 is needed."
        ),
    ),
    _rule(
        "K06",
        "enforce-baseline-pod-security",
        "Safe sysctls, Default procMount, no custom SELinux user/role, AppArmor/seccomp not "
        "Unconfined,"
        " no Windows hostProcess, no probe or lifecycle host.",
        Severity.HIGH,
        (
            "Drop the listed field from the pod or container securityContext (or probe host); "
            "use the defaults."
        ),
    ),
    _rule(
        "K07",
        "restrict-volume-types",
        "Restricted pods only use configMap, csi, downwardAPI, emptyDir, ephemeral, image, "
        "PVC, projected"
        " and secret volumes.",
        Severity.MEDIUM,
        (
            "Replace the volume with a PersistentVolumeClaim (storage) or one of the allowed "
            "inline types."
        ),
    ),
    _rule(
        "K08",
        "disallow-privilege-escalation",
        "Every container sets allowPrivilegeEscalation=false.",
        Severity.HIGH,
        "Set securityContext.allowPrivilegeEscalation: false on every container.",
    ),
    _rule(
        "K09",
        "require-run-as-non-root",
        "Pods run as non-root: runAsNonRoot=true and never runAsUser=0.",
        Severity.HIGH,
        "Set spec.securityContext.runAsNonRoot: true and runAsUser to a non-zero uid (65532).",
    ),
    _rule(
        "K10",
        "require-seccomp-profile",
        "Pods or all their containers set seccompProfile.type RuntimeDefault or Localhost.",
        Severity.MEDIUM,
        "Set spec.securityContext.seccompProfile.type: RuntimeDefault.",
    ),
]
