"""Read the GitHub Actions workflows and local composite actions as data for the tests.

Small helpers only: where the files are, how to load them (PyYAML reads the key
``on`` as ``True``), and what a step does (which action, which Pulumi command).
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
ACTIONS = REPO / ".github" / "actions"
SCRIPTS = REPO / ".github" / "scripts"

# Actions that exchange the job's OIDC token for cloud credentials.
OIDC_ACTIONS = frozenset(
    {
        "aws-actions/configure-aws-credentials",
        "google-github-actions/auth",
        "azure/login",
    }
)
PULUMI_ACTION = "pulumi/actions"
SHA_PIN = re.compile(r"^(?P<action>[\w.-]+/[\w./-]+)@(?P<ref>[0-9a-f]{40})$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\s*$")


def actionlint_path() -> Path:
    """Where scripts/install-actionlint.sh puts the binary."""
    cache = os.environ.get("GANTRY_CACHE") or str(Path.home() / ".cache" / "gantry")
    return Path(cache) / "bin" / "actionlint"


def pinned_actionlint_version() -> str:
    """The version scripts/install-actionlint.sh builds."""
    text = (REPO / "scripts" / "install-actionlint.sh").read_text(encoding="utf-8")
    match = re.search(r'ACTIONLINT_VERSION="\$\{ACTIONLINT_VERSION:-(v[0-9.]+)\}"', text)
    if not match:
        raise AssertionError("scripts/install-actionlint.sh does not pin ACTIONLINT_VERSION")
    return match.group(1)


def load_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise AssertionError(f"{path} is not a YAML mapping")
    return data


def workflow_files() -> list[Path]:
    return sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])


def action_files() -> list[Path]:
    return sorted([*ACTIONS.glob("*/action.yml"), *ACTIONS.glob("*/action.yaml")])


def triggers(workflow: Mapping[Any, Any]) -> Mapping[str, Any]:
    """The ``on:`` block (YAML 1.1 loads the bare key ``on`` as ``True``)."""
    value = workflow.get("on", workflow.get(True))
    if isinstance(value, str):
        return {value: None}
    if isinstance(value, list):
        return dict.fromkeys(value)
    return value or {}


def action_name(uses: str) -> str:
    """``owner/repo/sub@ref`` -> ``owner/repo``, lower-cased (GitHub ignores case)."""
    ref_less = uses.split("@", 1)[0]
    return "/".join(ref_less.split("/")[:2]).lower()


def local_action(uses: str) -> Path | None:
    """The action.yml behind ``uses: ./.github/actions/x``, or None for remote actions."""
    if not uses.startswith("./"):
        return None
    folder = REPO / uses[2:]
    for name in ("action.yml", "action.yaml"):
        if (folder / name).exists():
            return folder / name
    raise AssertionError(f"local action {uses} has no action.yml")


def expanded_steps(steps: list[Mapping[str, Any]]) -> Iterator[Mapping[str, Any]]:
    """Steps, with local composite actions replaced by their own steps (recursively)."""
    for step in steps:
        yield step
        uses = str(step.get("uses", ""))
        path = local_action(uses)
        if path is not None:
            action = load_yaml(path)
            yield from expanded_steps(action.get("runs", {}).get("steps", []))


def uses_oidc(job: Mapping[str, Any]) -> bool:
    """True when a step of the job (or of a local action it calls) is a cloud OIDC login."""
    return any(
        action_name(str(step.get("uses", ""))) in OIDC_ACTIONS
        for step in expanded_steps(job.get("steps", []))
    )


@dataclass(frozen=True)
class PulumiOp:
    """One Pulumi operation a step runs: the command, its stack, its policy flags."""

    command: str  # preview | up | refresh | destroy ...
    stack: str  # literal or the shell/expression form used in the step
    policy_packs: tuple[str, ...]
    policy_pack_configs: tuple[str, ...]
    flags: tuple[str, ...]
    source: str  # "run" | "action" | "make"


def _shell_ops(script: str) -> Iterator[PulumiOp]:
    """Find ``pulumi <cmd> ...`` and ``make preview|up`` invocations in a run script."""
    joined = re.sub(r"\\\n\s*", " ", script)
    for raw in joined.splitlines():
        command = raw.split(" | ", 1)[0].split(" > ", 1)[0].strip()
        try:
            words = shlex.split(command, comments=True)
        except ValueError:
            continue
        if (
            len(words) >= 2
            and words[0] == "pulumi"
            and words[1]
            in {
                "preview",
                "up",
                "update",
                "refresh",
                "destroy",
            }
        ):
            packs, configs, stack = [], [], ""
            for i, word in enumerate(words):
                nxt = words[i + 1] if i + 1 < len(words) else ""
                if word == "--policy-pack":
                    packs.append(nxt)
                elif word == "--policy-pack-config":
                    configs.append(nxt)
                elif word in {"--stack", "-s"}:
                    stack = nxt
            yield PulumiOp(words[1], stack, tuple(packs), tuple(configs), tuple(words[2:]), "run")
        elif len(words) >= 2 and words[0] == "make" and words[1] in {"preview", "up"}:
            stack = next((w.split("=", 1)[1] for w in words if w.startswith("STACK=")), "")
            yield PulumiOp(words[1], stack, (), (), tuple(words[2:]), "make")


_EXPRESSION_OR_WORD = re.compile(r"\$\{\{.*?\}\}|\S+")
"""A list input's items: words, with a ``${{ ... }}`` expression kept whole."""


def pulumi_ops(step: Mapping[str, Any]) -> list[PulumiOp]:
    """The Pulumi operations one step performs (none for most steps)."""
    uses = str(step.get("uses", ""))
    if action_name(uses) == PULUMI_ACTION:
        with_ = step.get("with") or {}
        command = str(with_.get("command", ""))
        if not command:
            return []  # install-only mode
        packs = tuple(str(with_.get("policyPacks", "")).split()) if "policyPacks" in with_ else ()
        configs = (
            tuple(_EXPRESSION_OR_WORD.findall(str(with_.get("policyPackConfigs", ""))))
            if "policyPackConfigs" in with_
            else ()
        )
        flags = tuple(f"{k}={v}" for k, v in with_.items())
        return [
            PulumiOp(command, str(with_.get("stack-name", "")), packs, configs, flags, "action")
        ]
    return list(_shell_ops(str(step.get("run", ""))))


def job_ops(job: Mapping[str, Any]) -> list[PulumiOp]:
    return [op for step in expanded_steps(job.get("steps", [])) for op in pulumi_ops(step)]


MUTATING = frozenset({"up", "update", "destroy", "refresh"})


def mutates(op: PulumiOp) -> bool:
    """An operation that can change a stack's state (refresh --preview-only cannot)."""
    if op.command not in MUTATING:
        return False
    return not (op.command == "refresh" and "--preview-only" in op.flags)
