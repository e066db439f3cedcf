"""Render the rule table from the rules' metadata into docs/policies.md.

``python -m gantry_policies.doc`` rewrites the table between the markers;
``scripts/generated.py --check`` (``make check``) finds a drifted table.
"""

from __future__ import annotations

from pathlib import Path

from .catalog import RULES

BEGIN = "<!-- BEGIN RULE TABLE (python -m gantry_policies.doc) -->"
END = "<!-- END RULE TABLE -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "policies.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def table() -> str:
    """The markdown rule table, one row per rule, in catalog order."""
    rows = [
        "| ID | Name | Enforces | Resources | Severity | Default level | Where | Remediation |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in RULES:
        where = {"resource": "resource policy", "stack": "stack policy", "ci": "CI step"}[r.scope]
        rows.append(
            f"| {r.id} | `{r.name}` | {_cell(r.description)} | {_cell(r.resources)} | "
            f"{r.severity.value}"
            f" | {r.enforcement.value} | {where} | {_cell(r.remediation)} |"
        )
    return "\n".join(rows)


def render(document: str) -> str:
    """``document`` with the text between the markers replaced by the current table."""
    start, end = document.index(BEGIN) + len(BEGIN), document.index(END)
    return f"{document[:start]}\n{table()}\n{document[end:]}"


def main() -> int:
    DOC.write_text(render(DOC.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
