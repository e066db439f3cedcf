"""Compliant objects and single-field mutations, one table per rule family.

A mutation is a list of (path, value) edits; ``DELETE`` removes the key. Paths of
workload mutations are pod-relative (``("spec", "containers", 0, "image")``) and
land wherever each kind keeps its pod template; a path starting with ``OUTER``
edits the resource itself (labels, namespace). Expected messages use ``{d}``
for the resource as the rule shows it (``Deployment apps/hello``) and ``{p}``
for where the kind keeps the pod (``spec.template.`` for a Deployment).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Final

from helpers import POD_TYPES, wrap_pod

DELETE: Final = object()
OUTER: Final = "@outer"
Edit = tuple[tuple[str | int, ...], Any]

FIRST_PARTY = "reg.example/hello"
DIGEST = "@sha256:" + "a" * 64
CONFIG: Final[dict[str, Any]] = {
    "allowedRegistries": ["reg.example"],
    "firstPartyRepositories": [FIRST_PARTY],
}
BASELINE: Final[dict[str, Any]] = {
    **CONFIG,
    "podSecurity": {"namespaces": {"apps": {"level": "baseline", "reason": "test namespace"}}},
}

_SECURE = {
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
}
_RESOURCES = {
    "requests": {"cpu": "50m", "memory": "64Mi", "ephemeral-storage": "64Mi"},
    "limits": {"memory": "128Mi", "cpu": "1", "ephemeral-storage": "256Mi"},
}
SPREAD: Final = [
    {"maxSkew": 1, "topologyKey": key, "whenUnsatisfiable": "ScheduleAnyway"}
    for key in ("topology.kubernetes.io/zone", "kubernetes.io/hostname")
]
GOOD_POD: Final[dict[str, Any]] = {
    "metadata": {"name": "hello", "labels": {"app": "hello"}},
    "spec": {
        "serviceAccountName": "hello",
        "automountServiceAccountToken": False,
        "priorityClassName": "service",
        "topologySpreadConstraints": SPREAD,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 65532,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": "app",
                "image": FIRST_PARTY + ":1.0" + DIGEST,
                "ports": [{"name": "http", "containerPort": 8080}],
                "securityContext": _SECURE,
                "resources": _RESOURCES,
                "readinessProbe": {"httpGet": {"path": "/readyz", "port": "http"}},
                "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}},
                "env": [{"name": "LOG_LEVEL", "value": "info"}],
                "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
            }
        ],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    },
}
INIT = {
    "name": "init",
    "image": FIRST_PARTY + ":1.0" + DIGEST,
    "securityContext": {**_SECURE, "privileged": True},
    "resources": _RESOURCES,
}
PREFIX = dict.fromkeys(POD_TYPES, "spec.template.") | {
    "Pod": "",
    "CronJob": "spec.jobTemplate.spec.template.",
}
LONG_RUNNING = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet")


def apply(target: dict[str, Any], edits: list[Edit]) -> dict[str, Any]:
    """A deep copy of ``target`` with each (path, value) set (or deleted)."""
    out = copy.deepcopy(target)
    for path, value in edits:
        node: Any = out
        for key in path[:-1]:
            if isinstance(node, dict) and key not in node:
                node[key] = {}
            node = node[key]
        if value is DELETE:
            del node[path[-1]]
        else:
            node[path[-1]] = copy.deepcopy(value)
    return out


def workload(kind: str, edits: list[Edit] = (), namespace: str = "apps") -> dict[str, Any]:  # type: ignore[assignment]
    """``kind`` running GOOD_POD with ``edits`` (pod-relative, or OUTER-rooted)."""
    inner = [(p, v) for p, v in edits if not p or p[0] != OUTER]
    outer = [(p[1:], v) for p, v in edits if p and p[0] == OUTER]
    return apply(wrap_pod(kind, apply(GOOD_POD, inner), namespace), outer)


@dataclass(frozen=True)
class Mutation:
    """One single-field change and the exact message the rule must report for it."""

    id: str
    edits: list[Edit]
    message: str
    kinds: tuple[str, ...] = tuple(POD_TYPES)
    config: dict[str, Any] = field(default_factory=lambda: CONFIG)


def _pss(level: str, controls: str, detail: str) -> str:
    return f'{{d}} violates Pod Security "{level}" ({controls}): {detail}.'


_C0 = ("spec", "containers", 0)
_KEY = (
    "-----BEGIN "
    + "PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END "
    + "PRIVATE KEY-----\n"
)
_SC0 = (*_C0, "securityContext")
_PSC = ("spec", "securityContext")
_ENV_SECRET = {"name": "API_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}

WORKLOAD_MUTATIONS: Final[dict[str, list[Mutation]]] = {
    "K01": [
        Mutation(
            "privileged",
            [((*_SC0, "privileged"), True)],
            _pss(
                "restricted",
                "privileged",
                'container "app" must not set securityContext.privileged=true',
            ),
        ),
        Mutation(
            "init-privileged",
            [(("spec", "initContainers"), [INIT])],
            _pss(
                "restricted",
                "privileged",
                'container "init" must not set securityContext.privileged=true',
            ),
        ),
    ],
    "K02": [
        Mutation(
            f,
            [(("spec", f), True)],
            _pss("restricted", "hostNamespaces", f"pod must not set {f}=true"),
        )
        for f in ("hostNetwork", "hostPID", "hostIPC")
    ],
    "K03": [
        Mutation(
            "hostPath",
            [(("spec", "volumes", 0), {"name": "host", "hostPath": {"path": "/"}})],
            _pss("baseline", "hostPathVolumes", 'volume "host" must not use hostPath'),
            config=BASELINE,
        ),
    ],
    "K04": [
        Mutation(
            "hostPort",
            [((*_C0, "ports", 0, "hostPort"), 8080)],
            _pss(
                "restricted",
                "hostPorts",
                'container "app" must not set hostPort (uses hostPort 8080)',
            ),
        ),
    ],
    "K05": [
        Mutation(
            "no-drop-all",
            [((*_SC0, "capabilities", "drop"), [])],
            _pss(
                "restricted",
                "capabilities_restricted",
                'container "app" must set securityContext.capabilities.drop=["ALL"]',
            ),
        ),
        Mutation(
            "add-sys-admin",
            [((*_SC0, "capabilities", "add"), ["SYS_ADMIN"])],
            _pss(
                "restricted",
                "capabilities_restricted, capabilities_baseline",
                'container "app" must not include "SYS_ADMIN" in'
                ' securityContext.capabilities.add (only "NET_BIND_SERVICE" may be added)',
            ),
        ),
        Mutation(
            "baseline-add-net-raw",
            [((*_SC0, "capabilities", "add"), ["NET_RAW"])],
            _pss(
                "baseline",
                "capabilities_baseline",
                'container "app" must not include "NET_RAW" in securityContext.capabilities.add',
            ),
            config=BASELINE,
        ),
    ],
    "K06": [
        Mutation(
            "sysctl",
            [((*_PSC, "sysctls"), [{"name": "kernel.msgmax", "value": "1"}])],
            _pss(
                "restricted",
                "sysctls",
                "forbidden sysctls kernel.msgmax: only the namespaced safe set is allowed",
            ),
        ),
        Mutation(
            "procMount",
            [((*_SC0, "procMount"), "Unmasked")],
            _pss(
                "restricted",
                "procMount_restricted, procMount",
                'container "app" must not set securityContext.procMount to "Unmasked"'
                " (use Default)",
            ),
        ),
        Mutation(
            "seLinux-user",
            [((*_PSC, "seLinuxOptions"), {"user": "system_u"})],
            _pss(
                "restricted",
                "seLinuxOptions",
                "pod set forbidden securityContext.seLinuxOptions: user may not be set",
            ),
        ),
        Mutation(
            "appArmor",
            [((*_PSC, "appArmorProfile"), {"type": "Unconfined"})],
            _pss(
                "restricted",
                "appArmorProfile",
                'pod must not set AppArmor profile type to "Unconfined"'
                " (use RuntimeDefault or Localhost)",
            ),
        ),
        Mutation(
            "hostProcess",
            [((*_SC0, "windowsOptions"), {"hostProcess": True})],
            _pss(
                "restricted",
                "windowsHostProcess",
                'container "app" must not set securityContext.windowsOptions.hostProcess=true',
            ),
        ),
        Mutation(
            "probe-host",
            [((*_C0, "readinessProbe", "httpGet", "host"), "10.0.0.1")],
            _pss(
                "restricted",
                "hostProbesAndHostLifecycle",
                'container "app" must not set a probe or lifecycle host (uses host "10.0.0.1")',
            ),
        ),
    ],
    "K07": [
        Mutation(
            "nfs",
            [(("spec", "volumes", 0), {"name": "data", "nfs": {"server": "n", "path": "/"}})],
            _pss(
                "restricted",
                "restrictedVolumes",
                'volume "data" must not use restricted volume type "nfs"',
            ),
        ),
        Mutation(
            "hostPath",
            [(("spec", "volumes", 0), {"name": "host", "hostPath": {"path": "/"}})],
            _pss(
                "restricted",
                "restrictedVolumes, hostPathVolumes",
                'volume "host" must not use restricted volume type "hostPath"',
            ),
        ),
    ],
    "K08": [
        Mutation(
            "allowPrivilegeEscalation",
            [((*_SC0, "allowPrivilegeEscalation"), True)],
            _pss(
                "restricted",
                "allowPrivilegeEscalation",
                'container "app" must set securityContext.allowPrivilegeEscalation=false',
            ),
        ),
    ],
    "K09": [
        Mutation(
            "runAsNonRoot",
            [((*_PSC, "runAsNonRoot"), False)],
            _pss(
                "restricted", "runAsNonRoot", "pod must not set securityContext.runAsNonRoot=false"
            ),
        ),
        Mutation(
            "runAsUser",
            [((*_PSC, "runAsUser"), 0)],
            _pss(
                "restricted",
                "runAsUser",
                "pod must not set runAsUser=0 (use a non-zero uid such as 65532)",
            ),
        ),
    ],
    "K10": [
        Mutation(
            "missing",
            [((*_PSC, "seccompProfile"), DELETE)],
            _pss(
                "restricted",
                "seccompProfile_restricted",
                'pod or container "app" must set securityContext.seccompProfile.type to'
                ' "RuntimeDefault" or "Localhost"',
            ),
        ),
        Mutation(
            "unconfined",
            [((*_PSC, "seccompProfile", "type"), "Unconfined")],
            _pss(
                "restricted",
                "seccompProfile_restricted, seccompProfile_baseline",
                'pod must not set securityContext.seccompProfile.type to "Unconfined"',
            ),
        ),
    ],
    "K11": [
        Mutation(
            "readOnlyRootFilesystem",
            [((*_SC0, "readOnlyRootFilesystem"), False)],
            '{d}: container "app" must set securityContext.readOnlyRootFilesystem=true'
            " (mount an emptyDir where it writes).",
        ),
    ],
    "K11a": [
        Mutation(
            "chart-readOnlyRootFilesystem",
            [
                ((OUTER, "metadata", "labels"), {"helm.sh/chart": "loki-18.11.0"}),
                ((*_SC0, "readOnlyRootFilesystem"), False),
            ],
            '{d}: container "app" must set securityContext.readOnlyRootFilesystem=true'
            " (mount an emptyDir where it writes).",
        ),
    ],
    "K12": [
        Mutation(
            "first-party-tag-only",
            [((*_C0, "image"), FIRST_PARTY + ":1.0")],
            f'{{d}}: container "app" runs project image "{FIRST_PARTY}:1.0" without a digest;'
            " deploy docker-build Image.ref (tag@sha256:...).",
        ),
        Mutation(
            "no-tag",
            [((*_C0, "image"), "reg.example/other")],
            '{d}: container "app" image "reg.example/other" needs an explicit tag or digest.',
        ),
        Mutation(
            "latest",
            [((*_C0, "image"), "reg.example/other:latest")],
            '{d}: container "app" image "reg.example/other:latest" uses :latest; pin a version.',
        ),
    ],
    "K13": [
        Mutation(
            "docker-hub",
            [((*_C0, "image"), "nginx:1.27")],
            '{d}: container "app" pulls "nginx:1.27" from docker.io, which is not an allowed'
            " registry (reg.example); mirror it or add the registry to the config.",
        ),
        Mutation(
            "lookalike-registry",
            [((*_C0, "image"), "reg.example.evil/hello:1.0" + DIGEST)],
            f'{{d}}: container "app" pulls "reg.example.evil/hello:1.0{DIGEST}" from'
            " reg.example.evil, which is not an allowed registry (reg.example); mirror it or"
            " add the registry to the config.",
        ),
    ],
    "K14": [
        Mutation(
            "no-resources",
            [((*_C0, "resources"), {})],
            '{d}: container "app" must set resources.requests.cpu, resources.requests.memory,'
            " resources.limits.memory.",
        ),
        Mutation(
            "no-memory-limit",
            [((*_C0, "resources", "limits", "memory"), DELETE)],
            '{d}: container "app" must set resources.limits.memory.',
        ),
    ],
    "K14a": [
        Mutation(
            "no-cpu-limit",
            [((*_C0, "resources", "limits", "cpu"), DELETE)],
            '{d}: container "app" must set resources.limits.cpu.',
        ),
    ],
    "K15": [
        Mutation(
            "no-readiness",
            [((*_C0, "readinessProbe"), DELETE)],
            '{d}: container "app" must define readinessProbe'
            " (e.g. httpGet /readyz and /healthz on port http).",
            kinds=LONG_RUNNING,
        ),
        Mutation(
            "no-liveness",
            [((*_C0, "livenessProbe"), DELETE)],
            '{d}: container "app" must define livenessProbe'
            " (e.g. httpGet /readyz and /healthz on port http).",
            kinds=LONG_RUNNING,
        ),
    ],
    "K16": [
        Mutation(
            "automount",
            [(("spec", "automountServiceAccountToken"), True)],
            "{d}: set {p}spec.automountServiceAccountToken=false; mount a projected token only"
            " in pods that call the API (or exempt them in the pack config with a reason).",
        ),
    ],
    "K16a": [
        Mutation(
            "default-sa",
            [(("spec", "serviceAccountName"), "default")],
            "{d}: run under a dedicated ServiceAccount (spec.serviceAccountName), not default.",
        ),
    ],
    "K17": [
        Mutation(
            "default-namespace",
            [((OUTER, "metadata", "namespace"), "default")],
            "{d}: set metadata.namespace to the component's own namespace, not default.",
        ),
    ],
    "K18": [
        Mutation(
            "literal-password",
            [((*_C0, "env", 0), {"name": "DB_PASSWORD", "value": "hunter2"})],
            '{d}: env "DB_PASSWORD" carries a literal secret-like value; use'
            " valueFrom.secretKeyRef or a mounted Secret file.",
        ),
        Mutation(
            "url-with-credentials",
            [((*_C0, "env", 0), {"name": "DATABASE_URL", "value": "postgres://u:pw@db/app"})],
            '{d}: env "DATABASE_URL" holds credentials embedded in a URL in its literal value;'
            " use valueFrom.secretKeyRef or a mounted Secret file.",
        ),
        Mutation(
            "private-key-value",
            [((*_C0, "env", 0), {"name": "TLS", "value": _KEY})],
            '{d}: env "TLS" holds a private key in its literal value; use'
            " valueFrom.secretKeyRef or a mounted Secret file.",
        ),
    ],
    "K18a": [
        Mutation(
            "secretKeyRef",
            [((*_C0, "env", 0), _ENV_SECRET)],
            '{d}: env "API_TOKEN" ({p}spec.containers[0].env[0]) reads a Secret into the'
            " environment; prefer a mounted Secret file (env leaks into crash dumps and child"
            " processes).",
        ),
        Mutation(
            "envFrom",
            [((*_C0, "envFrom"), [{"secretRef": {"name": "s"}}])],
            "{d}: {p}spec.containers[0].envFrom imports a whole Secret; mount it as files.",
        ),
    ],
}


_SCALED = ("Deployment", "StatefulSet", "ReplicaSet")
WORKLOAD_MUTATIONS["K25"] = [
    Mutation(
        "no-spread",
        [(("spec", "topologySpreadConstraints"), DELETE)],
        "{d}: spread its replicas across zones and nodes: add topologySpreadConstraints (or"
        " podAntiAffinity) with topologyKey topology.kubernetes.io/zone, kubernetes.io/hostname.",
        kinds=_SCALED,
    ),
    Mutation(
        "hosts-only",
        [(("spec", "topologySpreadConstraints"), SPREAD[1:])],
        "{d}: spread its replicas across zones: add topologySpreadConstraints (or"
        " podAntiAffinity) with topologyKey topology.kubernetes.io/zone.",
        kinds=_SCALED,
    ),
]
WORKLOAD_MUTATIONS["K26"] = [
    Mutation(
        "no-priority-class",
        [(("spec", "priorityClassName"), DELETE)],
        "{d}: set {p}spec.priorityClassName to a PriorityClass of the stack, so the scheduler"
        " preempts batch work before it.",
        kinds=LONG_RUNNING,
    ),
]
WORKLOAD_MUTATIONS["K27"] = [
    Mutation(
        "no-ephemeral-limit",
        [((*_C0, "resources", "limits", "ephemeral-storage"), DELETE)],
        '{d}: container "app" must set resources.limits.ephemeral-storage.',
    ),
]


def display(kind: str, namespace: str = "apps") -> str:
    return f"{kind} {namespace}/hello"


def expected(mutation: Mutation, kind: str) -> str:
    namespace = "default" if mutation.id == "default-namespace" else "apps"
    return mutation.message.format(d=display(kind, namespace), p=PREFIX[kind])
