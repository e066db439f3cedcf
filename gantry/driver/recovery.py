"""Run the reconciliation `pending.py` decides, through the CLI, before a command starts.

The state goes out with `pulumi stack export` and back with `pulumi stack
import`, as files in a private temporary directory: without
`--show-secrets`, so secrets stay ciphertext on disk (the SDK's own
`export_stack` asks for them in plaintext). The provider then does the
looking up in a targeted `pulumi refresh`.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi import automation as auto

from .pending import Plan, pending_operations, plan, restore_field_managers


def _cli(stack: auto.Stack, *args: str) -> str:
    workspace = stack.workspace
    assert isinstance(workspace, auto.LocalWorkspace)
    assert workspace.pulumi_command is not None
    result = workspace.pulumi_command.run(
        [*args, "--stack", stack.name], workspace.work_dir, workspace.env_vars
    )
    return result.stdout


def export_state(stack: auto.Stack) -> dict[str, Any]:
    """The stack's checkpoint, secrets as ciphertext: `{"version": ..., "deployment": ...}`."""
    folder = Path(tempfile.mkdtemp(prefix="gantry-state-"))
    try:
        _cli(stack, "stack", "export", "--file", str(folder / "state.json"))
        document: dict[str, Any] = json.loads((folder / "state.json").read_text())
        return document
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def import_state(stack: auto.Stack, document: dict[str, Any]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="gantry-state-"))
    try:
        (folder / "state.json").write_text(json.dumps(document))
        _cli(stack, "stack", "import", "--file", str(folder / "state.json"))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def left_in_progress(stack: auto.Stack) -> list[str]:
    """`operation kind::name` of every pending operation in the stack's state."""
    document = export_state(stack)
    lines = []
    for operation in pending_operations(document.get("deployment") or {}):
        urn = str(operation["resource"]["urn"])
        lines.append(f"{operation.get('type', '?')} {urn.rpartition('$')[2]}")
    return lines


@dataclass(frozen=True)
class Recovered:
    """What the reconciliation did: the plan, and which adopted URNs the refresh kept."""

    plan: Plan
    kept: tuple[str, ...]

    def summary(self) -> str:
        adopted = set(self.plan.adopted)
        dropped = len(adopted) - len(self.kept)
        cleared = sum(d.action == "clear" for d in self.plan.decisions)
        refreshed = sum(d.action == "refresh" for d in self.plan.decisions)
        return (
            f"==> pending operations reconciled: {len(self.kept)} adopted, {dropped} not found "
            f"and dropped, {cleared} cleared, {refreshed} read back"
        )


def recover(
    stack: auto.Stack,
    echo: Callable[[str], None],
    refresh: Callable[[list[str]], None],
) -> Recovered | None:
    """Reconcile the stack's pending operations, if any; `refresh(urns)` runs the engine's
    targeted refresh (with the caller's event printing and config file)."""
    document = export_state(stack)
    deployment = document.get("deployment") or {}
    operations = pending_operations(deployment)
    if not operations:
        return None
    decided = plan(deployment)
    echo(f"==> {len(operations)} operation(s) left in progress by an interrupted run:")
    for decision in decided.decisions:
        echo(decision.line())
    import_state(stack, {**document, "deployment": decided.deployment})
    if decided.refresh:
        refresh(list(decided.refresh))
    after = export_state(stack)
    state_urns = {r["urn"] for r in (after.get("deployment") or {}).get("resources") or []}
    kept = tuple(urn for urn in decided.adopted if urn in state_urns)
    fixed, restored = restore_field_managers(after["deployment"], kept)
    if restored:
        import_state(stack, {**after, "deployment": fixed})
    recovered = Recovered(plan=decided, kept=kept)
    echo(recovered.summary())
    return recovered
