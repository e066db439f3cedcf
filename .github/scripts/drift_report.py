"""Read ``pulumi refresh --preview-only --json`` and say whether a stack drifted.

A refresh preview compares the real cloud resources with the stack's state without
writing anything. In its JSON digest, resources that still match show up as
``op: refresh`` (or ``same``); a resource that changed outside Pulumi shows up as
``update``, one that disappeared as ``delete``. Anything else than refresh/same is drift.

The workflow keeps one issue per stack: this script writes that issue's body (with a
hidden marker line to find it again) and prints ``drifted=`` and ``count=`` for
``$GITHUB_OUTPUT``. A failed refresh (exit code not 0, or no digest) is an error, not
"no drift": the script then exits 2 so the job fails and the issue is left as it is.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ISSUE_BODY_LIMIT = 65_000
_IN_SYNC_OPS = frozenset({"same", "refresh"})


def marker(stack: str) -> str:
    """The hidden line that identifies this stack's drift issue."""
    return f"<!-- gantry-drift:{stack} -->"


def issue_title(stack: str) -> str:
    """One stable title per stack, so humans can find the issue too."""
    return f"Drift detected in stack {stack}"


@dataclass(frozen=True)
class DriftedResource:
    """One resource whose real state differs from the stack's state."""

    op: str
    type: str
    name: str
    keys: tuple[str, ...]


class DigestError(ValueError):
    """The refresh did not produce a usable digest."""


def parse_urn(urn: str) -> tuple[str, str]:
    """``urn:pulumi:stack::project::parent$type::name`` -> (type, name)."""
    parts = urn.split("::")
    if len(parts) < 4:
        return urn, urn
    qualified_type = parts[2]
    return qualified_type.rsplit("$", 1)[-1], "::".join(parts[3:])


def _changed_keys(step: Mapping[str, Any]) -> tuple[str, ...]:
    detailed = step.get("detailedDiff") or {}
    keys = set(detailed) if isinstance(detailed, Mapping) else set()
    keys |= set(step.get("diffReasons") or [])
    return tuple(sorted(str(key) for key in keys))


def drifted_resources(digest: Mapping[str, Any]) -> list[DriftedResource]:
    """Every step of the digest that is not an in-sync refresh, sorted for stable output."""
    steps = digest.get("steps")
    if not isinstance(steps, list):
        raise DigestError("the refresh digest has no 'steps' list")
    found = []
    for step in steps:
        op = str(step.get("op", ""))
        if op in _IN_SYNC_OPS:
            continue
        rtype, name = parse_urn(str(step.get("urn", "")))
        found.append(DriftedResource(op, rtype, name, _changed_keys(step)))
    return sorted(found, key=lambda r: (r.type, r.name, r.op))


def load_digest(stdout: str, exit_code: int) -> Mapping[str, Any]:
    """Parse the JSON digest; a non-zero exit or unparseable output is an error."""
    if exit_code != 0:
        raise DigestError(f"pulumi refresh --preview-only exited with {exit_code}")
    try:
        digest = json.loads(stdout)
    except json.JSONDecodeError as err:
        raise DigestError(f"the refresh output is not JSON: {err}") from err
    if not isinstance(digest, dict):
        raise DigestError("the refresh digest is not a JSON object")
    return digest


def render_issue(stack: str, drifted: Sequence[DriftedResource], run_url: str = "") -> str:
    """Markdown issue body listing the drifted resources (bounded in size)."""
    lines = [
        marker(stack),
        f"The nightly drift check found **{len(drifted)}** resource(s) in stack `{stack}` "
        "whose real state differs from the Pulumi state.",
        "",
        "| change | type | name | changed properties |",
        "| --- | --- | --- | --- |",
    ]
    footer = [
        "",
        f"Checked by {f'[this run]({run_url})' if run_url else 'the drift workflow'} with "
        f"`pulumi refresh --preview-only --stack {stack}`. Either bring the change into code, "
        f"or restore the resources with `make up STACK={stack}` after review. This issue "
        "closes itself when a later check finds no drift.",
    ]
    size = sum(len(line) + 1 for line in lines + footer)
    for index, res in enumerate(drifted):
        keys = ", ".join(f"`{key}`" for key in res.keys) or "-"
        row = f"| {res.op} | `{res.type}` | `{res.name}` | {keys} |"
        if size + len(row) + 200 > ISSUE_BODY_LIMIT:
            lines.append(f"| ... | {len(drifted) - index} more not shown | | |")
            break
        lines.append(row)
        size += len(row) + 1
    return "\n".join(lines + footer) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: read the refresh JSON, write the issue body, print the outputs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--json", required=True, type=Path, help="refresh --json stdout")
    parser.add_argument("--exit-code", required=True, type=int)
    parser.add_argument("--run-url", default="")
    parser.add_argument("--out", required=True, type=Path, help="where to write the body")
    args = parser.parse_args(argv)
    text = args.json.read_text(encoding="utf-8") if args.json.exists() else ""
    try:
        drifted = drifted_resources(load_digest(text, args.exit_code))
    except DigestError as err:
        sys.stderr.write(f"drift check for {args.stack} failed: {err}\n")
        return 2
    args.out.write_text(render_issue(args.stack, drifted, args.run_url), encoding="utf-8")
    sys.stdout.write(f"drifted={'true' if drifted else 'false'}\ncount={len(drifted)}\n")
    sys.stdout.write(f"title={issue_title(args.stack)}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
