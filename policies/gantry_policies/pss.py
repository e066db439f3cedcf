"""Kubernetes Pod Security Standards, evaluated like the pod-security-admission controller.

Semantics follow kubernetes/pod-security-admission ``policy/check_*.go`` up to
v1.37 (read, not copied): each control has the level and the first Kubernetes
minor it applies to; at ``restricted`` the stricter control replaces its
baseline counterpart (capabilities, seccomp, volumes, procMount), and a finding
names every control it violates so the reader sees both.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final

from .podspec import CONTAINER_FIELDS, containers
from .settings import Level
from .values import Path

Version = tuple[int, int]
Detail = str | None
CheckFn = Callable[[dict[str, Any], dict[str, Any], Version], Detail]

_LEVEL_ORDER: Final = {"privileged": 0, "baseline": 1, "restricted": 2}

DEFAULT_CAPABILITIES: Final = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)

# Safe sysctls by the Kubernetes minor that allowed them.
_SYSCTLS: Final[tuple[tuple[Version, frozenset[str]], ...]] = (
    (
        (1, 0),
        frozenset(
            {
                "kernel.shm_rmid_forced",
                "net.ipv4.ip_local_port_range",
                "net.ipv4.tcp_syncookies",
                "net.ipv4.ping_group_range",
                "net.ipv4.ip_unprivileged_port_start",
            }
        ),
    ),
    ((1, 27), frozenset({"net.ipv4.ip_local_reserved_ports"})),
    (
        (1, 29),
        frozenset(
            {
                "net.ipv4.tcp_keepalive_time",
                "net.ipv4.tcp_fin_timeout",
                "net.ipv4.tcp_keepalive_intvl",
                "net.ipv4.tcp_keepalive_probes",
            }
        ),
    ),
    ((1, 32), frozenset({"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"})),
    ((1, 37), frozenset({"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"})),
)

_SELINUX_TYPES: Final = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
_SELINUX_TYPES_1_31: Final = _SELINUX_TYPES | {"container_engine_t"}

_ALLOWED_VOLUMES: Final = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)
_RESTRICTED_VOLUMES: Final = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)
_APPARMOR_ANNOTATION: Final = "container.apparmor.security.beta.kubernetes.io/"
_PROBES: Final = ("livenessProbe", "readinessProbe", "startupProbe")


def safe_sysctls(version: Version) -> frozenset[str]:
    """The sysctls baseline allows at ``version``."""
    allowed: frozenset[str] = frozenset()
    for since, names in _SYSCTLS:
        if version >= since:
            allowed |= names
    return allowed


# --- small helpers -----------------------------------------------------------------


def _plural(one: str, many: str, count: int) -> str:
    return one if count == 1 else many


def _quoted(items: Iterable[object]) -> str:
    return ", ".join(f'"{item}"' for item in items)


def _who(names: list[str]) -> str:
    return f"{_plural('container', 'containers', len(names))} {_quoted(names)}"


def _sc(obj: dict[str, Any]) -> dict[str, Any]:
    value = obj.get("securityContext")
    return value if isinstance(value, dict) else {}


def _pod_sc(spec: dict[str, Any]) -> dict[str, Any]:
    return _sc(spec)


def _name(container: dict[str, Any]) -> str:
    return str(container.get("name"))


WINDOWS_EXEMPT_SINCE: Final[Version] = (1, 25)
"""From 1.25 the evaluator admits a pod with ``spec.os.name: windows`` past the Linux-only
restricted controls (allowPrivilegeEscalation, capabilities_restricted,
seccompProfile_restricted); the evaluators of 1.24 and older judge it like any other pod."""


def _windows_exempt(spec: dict[str, Any], version: Version) -> bool:
    os_ = spec.get("os")
    is_windows = isinstance(os_, dict) and os_.get("name") == "windows"
    return is_windows and version >= WINDOWS_EXEMPT_SINCE


def _user_namespace(spec: dict[str, Any], version: Version) -> bool:
    """Since 1.35 a pod with hostUsers=false gets the user-namespace relaxations."""
    return version >= (1, 35) and spec.get("hostUsers") is False


def _setters(pod: bool, bad_containers: list[str]) -> str:
    parts = ["pod"] if pod else []
    if bad_containers:
        parts.append(_who(bad_containers))
    return " and ".join(parts)


# --- the controls ------------------------------------------------------------------


def _privileged(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    bad = [_name(c) for _, _, c in containers(spec) if _sc(c).get("privileged") is True]
    return f"{_who(bad)} must not set securityContext.privileged=true" if bad else None


def _host_namespaces(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    bad = [f"{k}=true" for k in ("hostNetwork", "hostPID", "hostIPC") if spec.get(k) is True]
    return f"pod must not set {', '.join(bad)}" if bad else None


def _host_path(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    bad = [str(v.get("name")) for v in _volumes(spec) if v.get("hostPath") is not None]
    if not bad:
        return None
    return f"{_plural('volume', 'volumes', len(bad))} {_quoted(bad)} must not use hostPath"


def _host_ports(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    bad: list[str] = []
    ports: set[int] = set()
    for _, _, c in containers(spec):
        found = [p.get("hostPort") for p in c.get("ports") or [] if isinstance(p, dict)]
        used = [int(p) for p in found if isinstance(p, int | float) and p != 0]
        if used:
            bad.append(_name(c))
            ports.update(used)
    if not bad:
        return None
    listed = ", ".join(str(p) for p in sorted(ports))
    return (
        f"{_who(bad)} must not set hostPort (uses {_plural('hostPort', 'hostPorts', len(ports))} "
        f"{listed})"
    )


def _caps(c: dict[str, Any], key: str) -> list[str]:
    caps = _sc(c).get("capabilities")
    values = caps.get(key) if isinstance(caps, dict) else None
    return [str(v) for v in values] if isinstance(values, list) else []


def _capabilities_baseline(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    bad: list[str] = []
    added: set[str] = set()
    for _, _, c in containers(spec):
        extra = [cap for cap in _caps(c, "add") if cap not in DEFAULT_CAPABILITIES]
        if extra:
            bad.append(_name(c))
            added.update(extra)
    if not bad:
        return None
    return (
        f"{_who(bad)} must not include {_quoted(sorted(added))} in securityContext.capabilities.add"
    )


def _capabilities_restricted(_m: dict[str, Any], spec: dict[str, Any], version: Version) -> Detail:
    if _windows_exempt(spec, version):
        return None
    no_drop: list[str] = []
    bad_add: list[str] = []
    added: set[str] = set()
    for _, _, c in containers(spec):
        if "ALL" not in _caps(c, "drop"):
            no_drop.append(_name(c))
        extra = [cap for cap in _caps(c, "add") if cap != "NET_BIND_SERVICE"]
        if extra:
            bad_add.append(_name(c))
            added.update(extra)
    parts = []
    if no_drop:
        parts.append(f'{_who(no_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if bad_add:
        parts.append(
            f"{_who(bad_add)} must not include {_quoted(sorted(added))} in "
            "securityContext.capabilities.add"
            ' (only "NET_BIND_SERVICE" may be added)'
        )
    return "; ".join(parts) or None


def _proc_mount_any(spec: dict[str, Any]) -> Detail:
    bad: list[str] = []
    kinds: set[str] = set()
    for _, _, c in containers(spec):
        value = _sc(c).get("procMount")
        if value not in (None, "Default"):
            bad.append(_name(c))
            kinds.add(str(value))
    if not bad:
        return None
    return (
        f"{_who(bad)} must not set securityContext.procMount to {_quoted(sorted(kinds))} (use "
        "Default)"
    )


def _proc_mount_baseline(_m: dict[str, Any], spec: dict[str, Any], version: Version) -> Detail:
    return None if _user_namespace(spec, version) else _proc_mount_any(spec)


def _proc_mount_restricted(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    return _proc_mount_any(spec)


def _se_linux(_m: dict[str, Any], spec: dict[str, Any], version: Version) -> Detail:
    allowed = _SELINUX_TYPES_1_31 if version >= (1, 31) else _SELINUX_TYPES
    bad_types: set[str] = set()
    flags = {"user": False, "role": False}

    def invalid(opts: object) -> bool:
        if not isinstance(opts, dict):
            return False
        wrong = False
        kind = str(opts.get("type") or "")
        if kind not in allowed:
            bad_types.add(kind)
            wrong = True
        for key in flags:
            if opts.get(key):
                flags[key] = wrong = True
        return wrong

    pod_bad = invalid(_pod_sc(spec).get("seLinuxOptions"))
    bad = [_name(c) for _, _, c in containers(spec) if invalid(_sc(c).get("seLinuxOptions"))]
    if not pod_bad and not bad:
        return None
    what = []
    if bad_types:
        what.append(f"{_plural('type', 'types', len(bad_types))} {_quoted(sorted(bad_types))}")
    what.extend(f"{key} may not be set" for key, is_set in flags.items() if is_set)
    return (
        f"{_setters(pod_bad, bad)} set forbidden securityContext.seLinuxOptions: {'; '.join(what)}"
    )


def _app_armor(meta: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    values: set[str] = set()

    def invalid(profile: object) -> bool:
        if not isinstance(profile, dict):
            return False
        kind = str(profile.get("type") or "")
        if kind in ("RuntimeDefault", "Localhost"):
            return False
        values.add(kind)
        return True

    pod_bad = invalid(_pod_sc(spec).get("appArmorProfile"))
    bad = [_name(c) for _, _, c in containers(spec) if invalid(_sc(c).get("appArmorProfile"))]
    annotations = meta.get("annotations")
    bad_annotations = sorted(
        f'{key}="{value}"'
        for key, value in (annotations.items() if isinstance(annotations, dict) else [])
        if key.startswith(_APPARMOR_ANNOTATION)
        and not (not value or value == "runtime/default" or str(value).startswith("localhost/"))
    )
    setters = [s for s in (_setters(pod_bad, bad),) if s]
    if bad_annotations:
        setters.append(_plural("annotation", "annotations", len(bad_annotations)))
    if not setters:
        return None
    listed = _quoted([*sorted(values), *bad_annotations]) if values else ", ".join(bad_annotations)
    return (
        f"{' and '.join(setters)} must not set AppArmor profile type to {listed}"
        " (use RuntimeDefault or Localhost)"
    )


def _seccomp_explicit(spec: dict[str, Any]) -> tuple[bool, list[str], set[str]]:
    values: set[str] = set()

    def invalid(profile: object) -> bool:
        if not isinstance(profile, dict):
            return False
        kind = str(profile.get("type") or "")
        if kind in ("RuntimeDefault", "Localhost"):
            return False
        values.add(kind)
        return True

    pod_bad = invalid(_pod_sc(spec).get("seccompProfile"))
    bad = [_name(c) for _, _, c in containers(spec) if invalid(_sc(c).get("seccompProfile"))]
    return pod_bad, bad, values


_SECCOMP_FIELDS_SINCE: Final[Version] = (1, 19)
"""Before 1.19 seccomp was set by alpha annotations, and the evaluator reads those instead."""
_SECCOMP_POD_ANNOTATION: Final = "seccomp.security.alpha.kubernetes.io/pod"
_SECCOMP_CONTAINER_ANNOTATION: Final = "container.seccomp.security.alpha.kubernetes.io/"


def _seccomp_annotations(meta: dict[str, Any], spec: dict[str, Any]) -> Detail:
    annotations = meta.get("annotations")
    given = annotations if isinstance(annotations, dict) else {}
    keys = [
        _SECCOMP_POD_ANNOTATION,
        *(_SECCOMP_CONTAINER_ANNOTATION + _name(c) for _, _, c in containers(spec)),
    ]
    bad = sorted(
        f'{key}="{value}"'
        for key in dict.fromkeys(keys)
        if key in given
        and not (
            (value := str(given[key])) in ("runtime/default", "docker/default")
            or value.startswith("localhost/")
        )
    )
    if not bad:
        return None
    return f"forbidden {_plural('annotation', 'annotations', len(bad))} {', '.join(bad)}"


def _seccomp_baseline(meta: dict[str, Any], spec: dict[str, Any], version: Version) -> Detail:
    if version < _SECCOMP_FIELDS_SINCE:
        return _seccomp_annotations(meta, spec)
    pod_bad, bad, values = _seccomp_explicit(spec)
    if not pod_bad and not bad:
        return None
    return (
        f"{_setters(pod_bad, bad)} must not set securityContext.seccompProfile.type to "
        f"{_quoted(sorted(values))}"
    )


def _seccomp_restricted(meta: dict[str, Any], spec: dict[str, Any], version: Version) -> Detail:
    if _windows_exempt(spec, version):
        return None
    explicit = _seccomp_baseline(meta, spec, version)
    if explicit:
        return explicit
    pod_set = isinstance(_pod_sc(spec).get("seccompProfile"), dict)
    missing = [
        _name(c)
        for _, _, c in containers(spec)
        if not pod_set and not isinstance(_sc(c).get("seccompProfile"), dict)
    ]
    if not missing:
        return None
    return (
        f"pod or {_who(missing)} must set securityContext.seccompProfile.type to"
        ' "RuntimeDefault" or "Localhost"'
    )


def _windows_host_process(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    def host_process(sc: dict[str, Any]) -> bool:
        opts = sc.get("windowsOptions")
        return isinstance(opts, dict) and opts.get("hostProcess") is True

    pod_bad = host_process(_pod_sc(spec))
    bad = [_name(c) for _, _, c in containers(spec) if host_process(_sc(c))]
    if not pod_bad and not bad:
        return None
    return f"{_setters(pod_bad, bad)} must not set securityContext.windowsOptions.hostProcess=true"


def _sysctls(_m: dict[str, Any], spec: dict[str, Any], version: Version) -> Detail:
    allowed = safe_sysctls(version)
    entries = _pod_sc(spec).get("sysctls")
    bad = [
        str(s.get("name"))
        for s in (entries if isinstance(entries, list) else [])
        if isinstance(s, dict) and s.get("name") not in allowed
    ]
    return (
        f"forbidden sysctls {', '.join(bad)}: only the namespaced safe set is allowed"
        if bad
        else None
    )


def _handler_hosts(handler: object) -> list[str]:
    if not isinstance(handler, dict):
        return []
    hosts = []
    for kind in ("httpGet", "tcpSocket"):
        action = handler.get(kind)
        if isinstance(action, dict) and action.get("host"):
            hosts.append(str(action["host"]))
    return hosts


def _host_probes(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    bad: list[str] = []
    hosts: set[str] = set()
    for _, _, c in containers(spec):
        found = [h for probe in _PROBES for h in _handler_hosts(c.get(probe))]
        lifecycle = c.get("lifecycle")
        if isinstance(lifecycle, dict):
            found += [
                h for hook in ("postStart", "preStop") for h in _handler_hosts(lifecycle.get(hook))
            ]
        if found:
            bad.append(_name(c))
            hosts.update(found)
    if not bad:
        return None
    return (
        f"{_who(bad)} must not set a probe or lifecycle host"
        f" (uses {_plural('host', 'hosts', len(hosts))} {_quoted(sorted(hosts))})"
    )


def _volumes(spec: dict[str, Any]) -> list[dict[str, Any]]:
    volumes = spec.get("volumes")
    return [v for v in volumes if isinstance(v, dict)] if isinstance(volumes, list) else []


def _restricted_volumes(_m: dict[str, Any], spec: dict[str, Any], _v: Version) -> Detail:
    bad: list[str] = []
    kinds: set[str] = set()
    for volume in _volumes(spec):
        sources = {k for k, v in volume.items() if k != "name" and v is not None}
        # A volume with no source is defaulted to emptyDir by the API server.
        if not sources or sources & _ALLOWED_VOLUMES:
            continue
        bad.append(str(volume.get("name")))
        kinds.add(next((k for k in _RESTRICTED_VOLUMES if k in sources), "unknown"))
    if not bad:
        return None
    return (
        f"{_plural('volume', 'volumes', len(bad))} {_quoted(bad)} must not use restricted volume"
        f" {_plural('type', 'types', len(kinds))} {_quoted(sorted(kinds))}"
    )


def _allow_privilege_escalation(
    _m: dict[str, Any], spec: dict[str, Any], version: Version
) -> Detail:
    if _windows_exempt(spec, version):
        return None
    bad = [
        _name(c)
        for _, _, c in containers(spec)
        if _sc(c).get("allowPrivilegeEscalation") is not False
    ]
    return f"{_who(bad)} must set securityContext.allowPrivilegeEscalation=false" if bad else None


def _run_as_non_root(_m: dict[str, Any], spec: dict[str, Any], version: Version) -> Detail:
    if _user_namespace(spec, version):
        return None
    pod_value = _pod_sc(spec).get("runAsNonRoot")
    explicit = [_name(c) for _, _, c in containers(spec) if _sc(c).get("runAsNonRoot") is False]
    if pod_value is False or explicit:
        return (
            f"{_setters(pod_value is False, explicit)} must not set "
            "securityContext.runAsNonRoot=false"
        )
    implicit = [
        _name(c)
        for _, _, c in containers(spec)
        if _sc(c).get("runAsNonRoot") is None and pod_value is not True
    ]
    if implicit:
        return f"pod or {_who(implicit)} must set securityContext.runAsNonRoot=true"
    return None


def _run_as_user(_m: dict[str, Any], spec: dict[str, Any], version: Version) -> Detail:
    if _user_namespace(spec, version):
        return None
    pod_root = _pod_sc(spec).get("runAsUser") == 0
    bad = [_name(c) for _, _, c in containers(spec) if _sc(c).get("runAsUser") == 0]
    if not pod_root and not bad:
        return None
    return f"{_setters(pod_root, bad)} must not set runAsUser=0 (use a non-zero uid such as 65532)"


# --- registry ----------------------------------------------------------------------

_C = "*containers"  # stands for initContainers, containers and ephemeralContainers
_OS = ("spec", "os", "name")
_HOST_USERS = ("spec", "hostUsers")
_CNAME = ("spec", _C, "*", "name")


@dataclass(frozen=True)
class Control:
    """One Pod Security Standards control.

    ``reads`` are the pod-relative fields it depends on (for preview unknowns);
    ``later_reads``: from each listed version on, the fields it reads instead (the
    evaluator's check changed); ``replaces`` is the baseline control it supersedes at
    restricted level.
    """

    id: str
    level: Level
    rule: str
    since: Version
    check: CheckFn
    reads: tuple[Path, ...]
    replaces: str | None = None
    later_reads: tuple[tuple[Version, tuple[Path, ...]], ...] = ()

    def active(self, level: Level, version: Version) -> bool:
        return _LEVEL_ORDER[self.level] <= _LEVEL_ORDER[level] and version >= self.since

    def reads_at(self, version: Version) -> tuple[Path, ...]:
        """The fields the control reads at ``version``."""
        reads = self.reads
        for since, later in self.later_reads:
            if version >= since:
                reads = later
        return reads


def _and_os_from_1_25(reads: tuple[Path, ...]) -> tuple[tuple[Version, tuple[Path, ...]], ...]:
    """``later_reads`` of a control that exempts Windows pods: ``spec.os.name`` from 1.25."""
    return ((WINDOWS_EXEMPT_SINCE, (*reads, _OS)),)


_CAPABILITIES = (("spec", _C, "*", "securityContext", "capabilities"), _CNAME)
_ESCALATION = (("spec", _C, "*", "securityContext", "allowPrivilegeEscalation"), _CNAME)
_SECCOMP = (
    ("spec", "securityContext", "seccompProfile"),
    ("spec", _C, "*", "securityContext", "seccompProfile"),
    _CNAME,
)


CONTROLS: Final[tuple[Control, ...]] = (
    Control(
        "privileged",
        "baseline",
        "K01",
        (1, 0),
        _privileged,
        (("spec", _C, "*", "securityContext", "privileged"), _CNAME),
    ),
    Control(
        "hostNamespaces",
        "baseline",
        "K02",
        (1, 0),
        _host_namespaces,
        (("spec", "hostNetwork"), ("spec", "hostPID"), ("spec", "hostIPC")),
    ),
    Control("hostPathVolumes", "baseline", "K03", (1, 0), _host_path, (("spec", "volumes"),)),
    Control(
        "hostPorts",
        "baseline",
        "K04",
        (1, 0),
        _host_ports,
        (("spec", _C, "*", "ports", "*", "hostPort"), _CNAME),
    ),
    Control(
        "capabilities_baseline",
        "baseline",
        "K05",
        (1, 0),
        _capabilities_baseline,
        (("spec", _C, "*", "securityContext", "capabilities", "add"), _CNAME),
    ),
    Control(
        "appArmorProfile",
        "baseline",
        "K06",
        (1, 0),
        _app_armor,
        (
            ("metadata", "annotations"),
            ("spec", "securityContext", "appArmorProfile"),
            ("spec", _C, "*", "securityContext", "appArmorProfile"),
            _CNAME,
        ),
    ),
    Control(
        "procMount",
        "baseline",
        "K06",
        (1, 0),
        _proc_mount_baseline,
        (("spec", _C, "*", "securityContext", "procMount"), _HOST_USERS, _CNAME),
    ),
    Control(
        "seLinuxOptions",
        "baseline",
        "K06",
        (1, 0),
        _se_linux,
        (
            ("spec", "securityContext", "seLinuxOptions"),
            ("spec", _C, "*", "securityContext", "seLinuxOptions"),
            _CNAME,
        ),
    ),
    Control(
        "seccompProfile_baseline",
        "baseline",
        "K06",
        (1, 0),
        _seccomp_baseline,
        (("metadata", "annotations"), _CNAME),
        later_reads=((_SECCOMP_FIELDS_SINCE, _SECCOMP),),
    ),
    Control(
        "sysctls", "baseline", "K06", (1, 0), _sysctls, (("spec", "securityContext", "sysctls"),)
    ),
    Control(
        "windowsHostProcess",
        "baseline",
        "K06",
        (1, 0),
        _windows_host_process,
        (
            ("spec", "securityContext", "windowsOptions"),
            ("spec", _C, "*", "securityContext", "windowsOptions"),
            _CNAME,
        ),
    ),
    Control(
        "hostProbesAndHostLifecycle",
        "baseline",
        "K06",
        (1, 34),
        _host_probes,
        (*(("spec", _C, "*", p) for p in _PROBES), ("spec", _C, "*", "lifecycle"), _CNAME),
    ),
    Control(
        "capabilities_restricted",
        "restricted",
        "K05",
        (1, 22),
        _capabilities_restricted,
        _CAPABILITIES,
        replaces="capabilities_baseline",
        later_reads=_and_os_from_1_25(_CAPABILITIES),
    ),
    Control(
        "procMount_restricted",
        "restricted",
        "K06",
        (1, 35),
        _proc_mount_restricted,
        (("spec", _C, "*", "securityContext", "procMount"), _CNAME),
        replaces="procMount",
    ),
    Control(
        "restrictedVolumes",
        "restricted",
        "K07",
        (1, 0),
        _restricted_volumes,
        (("spec", "volumes"),),
        replaces="hostPathVolumes",
    ),
    Control(
        "allowPrivilegeEscalation",
        "restricted",
        "K08",
        (1, 8),
        _allow_privilege_escalation,
        _ESCALATION,
        later_reads=_and_os_from_1_25(_ESCALATION),
    ),
    Control(
        "runAsNonRoot",
        "restricted",
        "K09",
        (1, 0),
        _run_as_non_root,
        (
            ("spec", "securityContext", "runAsNonRoot"),
            ("spec", _C, "*", "securityContext", "runAsNonRoot"),
            _HOST_USERS,
            _CNAME,
        ),
    ),
    Control(
        "runAsUser",
        "restricted",
        "K09",
        (1, 23),
        _run_as_user,
        (
            ("spec", "securityContext", "runAsUser"),
            ("spec", _C, "*", "securityContext", "runAsUser"),
            _HOST_USERS,
            _CNAME,
        ),
    ),
    Control(
        "seccompProfile_restricted",
        "restricted",
        "K10",
        (1, 19),
        _seccomp_restricted,
        _SECCOMP,
        replaces="seccompProfile_baseline",
        later_reads=_and_os_from_1_25(_SECCOMP),
    ),
)
_BY_ID: Final = {c.id: c for c in CONTROLS}


@dataclass(frozen=True)
class PssResult:
    """A violated control (``detail`` set) or one that preview cannot decide (``unknown`` set)."""

    rule: str
    controls: tuple[str, ...]
    detail: str | None = None
    unknown: Path | None = None


def _expand(pattern: Path) -> Iterable[Path]:
    if _C in pattern:
        at = pattern.index(_C)
        for field_name in CONTAINER_FIELDS:
            yield (*pattern[:at], field_name, *pattern[at + 1 :])
    else:
        yield pattern


def _touches(unknown: Path, pattern: Path) -> bool:
    """True if an unknown at ``unknown`` may hide a value ``pattern`` reads."""
    for got, want in zip(unknown, pattern, strict=False):
        if want == "*":
            if not isinstance(got, int):
                return False
        elif got != want:
            return False
    return True


def _blocking_unknown(control: Control, unknowns: Iterable[Path], version: Version) -> Path | None:
    patterns = [p for r in control.reads_at(version) for p in _expand(r)]
    for unknown in unknowns:
        if any(_touches(unknown, p) for p in patterns):
            return unknown
    return None


def evaluate(
    metadata: dict[str, Any],
    spec: dict[str, Any],
    level: Level,
    version: Version,
    *,
    unknowns: tuple[Path, ...] = (),
    rules: frozenset[str] | None = None,
) -> list[PssResult]:
    """Every control of ``level`` at ``version`` that the pod violates or cannot be verified."""
    active = [c for c in CONTROLS if c.active(level, version)]
    replaced = {c.replaces for c in active if c.replaces}
    results: list[PssResult] = []
    for control in active:
        if control.id in replaced or (rules is not None and control.rule not in rules):
            continue
        blocked = _blocking_unknown(control, unknowns, version) if unknowns else None
        if blocked is not None:
            results.append(PssResult(control.rule, (control.id,), unknown=blocked))
            continue
        detail = control.check(metadata, spec, version)
        if detail is None:
            continue
        names: tuple[str, ...] = (control.id,)
        if control.replaces:
            base = _BY_ID[control.replaces]
            if base.active(level, version) and base.check(metadata, spec, version):
                names = (control.id, base.id)
        results.append(PssResult(control.rule, names, detail))
    return results
