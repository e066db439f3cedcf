"""Operations an interrupted run left in progress, reconciled without a person.

The engine records an operation as pending before it calls the provider and
clears it when the call returns. A run stopped in between leaves the record;
the engine keeps pending creates forever (pending updates and deletes are
dropped by the next update) and `pulumi refresh` only resolves them
interactively or with a URN/ID list. The driver decides for each one, from
the exported state:

- a Kubernetes object (whose ID follows from its name and namespace) is put
  into the state with that ID and refreshed, so the provider itself looks it
  up: found, it is adopted with its live state; not found, the refresh drops
  it. Nothing is created twice and nothing is left unmanaged in the cluster.
- a component (no provider object) is adopted as it is: there is nothing to
  look up.
- anything else (the image build, a generated password, a provider) is
  cleared: it has no object to look for, and the update makes it again.
- a pending update or delete: its resource is refreshed, which reads it back
  (or finds it gone) and clears the record.

This module only decides and edits the state document; `recovery.py` runs it.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

Action = Literal["adopt", "clear", "refresh"]
PROVIDER_TYPE_PREFIX = "pulumi:providers:"
KUBERNETES_PREFIX = "kubernetes:"
# Server-side apply: the provider names itself `pulumi-kubernetes-<random>` per resource
# and keeps that name in the state; an adopted object must keep the one it was created with.
FIELD_MANAGER_KEY = "__fieldManager"
PULUMI_MANAGER_PREFIX = "pulumi-kubernetes-"


@dataclass(frozen=True)
class Decision:
    """What happens to one pending operation, and why (printed as is)."""

    urn: str
    operation: str
    action: Action
    reason: str

    def line(self) -> str:
        kind, _, name = self.urn.rpartition("::")
        kind = kind.rpartition("::")[2].rpartition("$")[2]
        return f"  {self.action:<7} {kind}::{name} (was {self.operation}): {self.reason}"


@dataclass(frozen=True)
class Plan:
    """The edited state, every decision, and the URNs to refresh afterwards."""

    deployment: dict[str, Any]
    decisions: tuple[Decision, ...]
    refresh: tuple[str, ...]

    @property
    def adopted(self) -> tuple[str, ...]:
        return tuple(d.urn for d in self.decisions if d.action == "adopt")


def pending_operations(deployment: dict[str, Any]) -> list[dict[str, Any]]:
    return list(deployment.get("pending_operations") or [])


def kubernetes_id(resource: dict[str, Any]) -> str | None:
    """The provider's ID for a Kubernetes object: `namespace/name`, or `name` when the
    inputs name no namespace (cluster-scoped kinds); None without a name."""
    metadata = (resource.get("inputs") or {}).get("metadata") or {}
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        return None
    namespace = metadata.get("namespace")
    return f"{namespace}/{name}" if isinstance(namespace, str) and namespace else name


def provider_urn(reference: str | None) -> str | None:
    """`urn::id` of a provider reference → the provider's URN."""
    return reference.rsplit("::", 1)[0] if reference else None


def _missing_owner(resource: dict[str, Any], present: set[str]) -> str | None:
    parent = resource.get("parent")
    if parent and parent not in present:
        return "its parent is not in the state"
    provider = provider_urn(resource.get("provider"))
    if provider and provider not in present:
        return "its provider is not in the state"
    return None


def _keep_known(resource: dict[str, Any], present: set[str]) -> dict[str, Any]:
    """The resource with its dependency lists cut to what the state holds (the update
    that follows records the program's real dependencies again)."""
    kept = copy.deepcopy(resource)
    kept["dependencies"] = [u for u in kept.get("dependencies") or [] if u in present]
    kept["propertyDependencies"] = {
        key: [u for u in urns if u in present]
        for key, urns in (kept.get("propertyDependencies") or {}).items()
    }
    if kept.get("deletedWith") not in present:
        kept.pop("deletedWith", None)
    return kept


def _decide_create(resource: dict[str, Any], present: set[str]) -> tuple[Action, str, str | None]:
    """(action, reason, id) for one pending create."""
    kind = str(resource.get("type", ""))
    if not resource.get("custom"):
        missing = _missing_owner(resource, present)
        if missing:
            return "clear", f"a component, but {missing}", None
        return "adopt", "a component: nothing to look up", None
    object_id = kubernetes_id(resource)
    if kind.startswith(KUBERNETES_PREFIX) and object_id is not None:
        missing = _missing_owner(resource, present)
        if missing:
            return "clear", f"cannot be looked up: {missing}", None
        return "adopt", f"looked up as {object_id}: kept if it exists, dropped if not", object_id
    if kind.startswith(PROVIDER_TYPE_PREFIX):
        return "clear", "a provider: the update configures it again", None
    return "clear", "no object to look up: the update makes it again", None


def plan(deployment: dict[str, Any]) -> Plan:
    """Decide every pending operation of an exported `deployment` (left unchanged)."""
    edited = copy.deepcopy(deployment)
    resources: list[dict[str, Any]] = list(edited.get("resources") or [])
    present = {str(r["urn"]) for r in resources}
    decisions: list[Decision] = []
    refresh: list[str] = []
    for operation in pending_operations(deployment):
        resource = operation["resource"]
        urn = str(resource["urn"])
        kind = str(operation.get("type", "?"))
        if kind != "creating":
            if urn in present:
                refresh.append(urn)
                decisions.append(Decision(urn, kind, "refresh", "read back from the provider"))
            else:
                decisions.append(Decision(urn, kind, "clear", "not in the state"))
            continue
        action, reason, object_id = _decide_create(resource, present)
        if action == "adopt" and urn not in present:
            adopted = _keep_known(resource, present)
            if object_id is not None:
                adopted["id"] = object_id
                refresh.append(urn)
            resources.append(adopted)
            present.add(urn)
        elif action == "adopt":
            action, reason = "clear", "already in the state"
        decisions.append(Decision(urn, kind, action, reason))
    edited["resources"] = resources
    edited["pending_operations"] = []
    return Plan(deployment=edited, decisions=tuple(decisions), refresh=tuple(refresh))


def pulumi_managers(resource: dict[str, Any]) -> list[str]:
    """The provider's field managers recorded on the live object (its managedFields)."""
    metadata = (resource.get("outputs") or {}).get("metadata") or {}
    names = {
        str(entry.get("manager"))
        for entry in metadata.get("managedFields") or []
        if str(entry.get("manager", "")).startswith(PULUMI_MANAGER_PREFIX)
        and entry.get("operation") == "Apply"
    }
    return sorted(names)


def restore_field_managers(
    deployment: dict[str, Any], adopted: Iterable[str]
) -> tuple[dict[str, Any], list[str]]:
    """After the refresh: give each adopted object the field manager that created it.

    The refresh names a new manager; the next update would then share every field
    with the old one and fail on the first value it changes. Returns the edited
    state and the URNs whose manager was restored.
    """
    wanted = set(adopted)
    edited = copy.deepcopy(deployment)
    restored: list[str] = []
    for resource in edited.get("resources") or []:
        if resource.get("urn") not in wanted:
            continue
        managers = pulumi_managers(resource)
        outputs = resource.get("outputs") or {}
        if len(managers) == 1 and outputs.get(FIELD_MANAGER_KEY) != managers[0]:
            outputs[FIELD_MANAGER_KEY] = managers[0]
            resource["outputs"] = outputs
            restored.append(str(resource["urn"]))
    return edited, restored
