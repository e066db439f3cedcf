"""Security contexts that satisfy the restricted Pod Security Standard.

Charts spell these in different places; the values modules put these blocks
where each chart reads them.
"""

from __future__ import annotations

from typing import Any

RUNTIME_DEFAULT = {"type": "RuntimeDefault"}


def pod_security_context(uid: int, gid: int | None = None) -> dict[str, Any]:
    """Non-root pod with the runtime's default seccomp profile; fsGroup owns the volumes."""
    group = uid if gid is None else gid
    return {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": group,
        "fsGroup": group,
        "seccompProfile": dict(RUNTIME_DEFAULT),
    }


def container_security_context(*, read_only_root: bool = True) -> dict[str, Any]:
    """No privilege escalation, no capabilities, read-only root filesystem."""
    return {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": read_only_root,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": dict(RUNTIME_DEFAULT),
    }
