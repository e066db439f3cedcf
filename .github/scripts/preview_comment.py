"""Turn a ``pulumi preview --diff`` log into one pull-request comment per stack.

GitHub rejects comment bodies over 65,536 characters, and a preview of a whole
platform can be far larger. The comment keeps the parts a reviewer needs, always:
the outcome, the policy violations and the resource summary, then as much of the
diff as fits, cutting lines out of the middle (the start holds the first changes,
the end holds the policy report and summary) with a note that says how much was
cut and where the full log is.

The first line is a hidden marker (``<!-- gantry-preview:<stack> -->``) so that the
workflow updates its own comment for that stack instead of adding a new one per push.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

GITHUB_COMMENT_LIMIT = 65_536
# Stay a little under the hard limit: GitHub counts characters after its own
# normalisation, and a margin costs nothing.
DEFAULT_BUDGET = 65_000

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_VIOLATION = re.compile(r"\[(?P<level>mandatory|advisory)\]", re.IGNORECASE)


def marker(stack: str) -> str:
    """The hidden line that identifies this stack's comment."""
    return f"<!-- gantry-preview:{stack} -->"


@dataclass(frozen=True)
class PreviewResult:
    """What one preview run produced."""

    stack: str
    log: str
    exit_code: int
    run_url: str = ""
    sha: str = ""


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes (they render as noise in Markdown)."""
    return _ANSI.sub("", text).replace("\r\n", "\n")


def count_violations(log: str) -> dict[str, int]:
    """Count the policy violations the engine reported, by enforcement level."""
    counts = {"mandatory": 0, "advisory": 0}
    for line in log.splitlines():
        match = _VIOLATION.search(line)
        if match:
            counts[match.group("level").lower()] += 1
    return counts


def resource_summary(log: str) -> str:
    """The trailing ``Resources:`` block of a preview, or '' when there is none."""
    lines = log.splitlines()
    start = max((i for i, line in enumerate(lines) if line.strip() == "Resources:"), default=-1)
    if start < 0:
        return ""
    block = [lines[start].strip()]
    for line in lines[start + 1 :]:
        if not line.strip() or not line.startswith((" ", "\t")):
            break
        block.append(line.rstrip())
    return "\n".join(block)


def _fence(text: str) -> str:
    """A code fence longer than any backtick run inside ``text``."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def truncate_middle(text: str, limit: int, note: str) -> tuple[str, bool]:
    """Fit ``text`` into ``limit`` characters by dropping whole lines from the middle.

    ``note`` is a format string with ``{lines}`` and ``{chars}``: it replaces the cut.
    Two thirds of the room go to the start, one third to the end.
    """
    if len(text) <= limit:
        return text, False
    lines = text.splitlines(keepends=True)
    room = limit - len(note.format(lines=len(lines), chars=len(text))) - 2
    if room <= 0:
        return note.format(lines=len(lines), chars=len(text))[:limit], True
    head_room, tail_room = (room * 2) // 3, room - (room * 2) // 3
    head: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) > head_room:
            break
        head.append(line)
        used += len(line)
    tail: list[str] = []
    used = 0
    for line in reversed(lines[len(head) :]):
        if used + len(line) > tail_room:
            break
        tail.append(line)
        used += len(line)
    tail.reverse()
    cut = lines[len(head) : len(lines) - len(tail)]
    cut_note = note.format(lines=len(cut), chars=sum(len(line) for line in cut))
    head_text = "".join(head)
    if head_text and not head_text.endswith("\n"):
        head_text += "\n"
    return f"{head_text}{cut_note}\n{''.join(tail)}", True


def render(result: PreviewResult, budget: int = DEFAULT_BUDGET) -> str:
    """Build the Markdown comment body; never longer than ``budget`` characters."""
    log = strip_ansi(result.log).strip("\n")
    violations = count_violations(log)
    if result.exit_code == 0:
        status = "succeeded"
        icon = ":white_check_mark:"
    elif violations["mandatory"]:
        status = f"**blocked by {violations['mandatory']} mandatory policy violation(s)**"
        icon = ":no_entry:"
    else:
        status = f"**failed** (exit code {result.exit_code})"
        icon = ":x:"
    where = f" at `{result.sha[:12]}`" if result.sha else ""
    header = [
        marker(result.stack),
        f"### {icon} Pulumi preview of `{result.stack}`{where}: {status}",
        "",
        f"Policy pack `policies` with `policies/config/{result.stack}.json`: "
        f"{violations['mandatory']} mandatory, {violations['advisory']} advisory violation(s).",
    ]
    summary = resource_summary(log)
    if summary:
        header += ["", "```", summary, "```"]
    run_link = f"[the run log]({result.run_url})" if result.run_url else "the run log"
    fence = _fence(log)
    opening = f"\n\n<details><summary>Full diff</summary>\n\n{fence}diff\n"
    closing = f"\n{fence}\n</details>\n"
    frame = "\n".join(header) + opening + closing
    note = (
        f"... {{lines}} lines ({{chars}} characters) cut to stay under GitHub's "
        f"{GITHUB_COMMENT_LIMIT}-character comment limit; see {run_link} ..."
    )
    body_log, _ = truncate_middle(log, budget - len(frame), note)
    body = "\n".join(header) + opening + body_log + closing
    if len(body) > budget:  # only when the header alone is too long: keep the marker
        body = body[: budget - 1] + "\n"
    return body


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: write the comment body for one stack's preview log to ``--out``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", required=True)
    parser.add_argument("--log", required=True, type=Path, help="pulumi preview output")
    parser.add_argument("--exit-code", required=True, type=int)
    parser.add_argument("--run-url", default="")
    parser.add_argument("--sha", default="")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--budget", type=int, default=DEFAULT_BUDGET)
    args = parser.parse_args(argv)
    log = args.log.read_text(encoding="utf-8", errors="replace") if args.log.exists() else ""
    result = PreviewResult(args.stack, log, args.exit_code, args.run_url, args.sha)
    args.out.write_text(render(result, args.budget), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
