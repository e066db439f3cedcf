"""Runbook links, added to every alert in one pass after generation.

Generators never spell a URL: this pass gives each alert
`<base>/<AlertName>.md`, so moving the runbooks means changing one argument.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from .model import Alert, RuleGroup

DEFAULT_RUNBOOK_BASE_URL = "docs/runbooks"
"""Relative to the repository root; set a full URL (e.g. a forge's blob/main/docs/runbooks)
so the link is clickable from Alertmanager and Grafana."""

RUNBOOK_DIR = Path(__file__).resolve().parents[2] / "docs" / "runbooks"


def runbook_url(alert: str, base_url: str = DEFAULT_RUNBOOK_BASE_URL) -> str:
    """The link of one alert's runbook."""
    return f"{base_url.rstrip('/')}/{alert}.md"


def with_runbook_urls(
    groups: list[RuleGroup], base_url: str = DEFAULT_RUNBOOK_BASE_URL
) -> list[RuleGroup]:
    """Every group again, each alert carrying its `runbook_url` annotation."""
    return [
        replace(
            group,
            rules=tuple(
                replace(rule, runbook_url=runbook_url(rule.alert, base_url))
                if isinstance(rule, Alert)
                else rule
                for rule in group.rules
            ),
        )
        for group in groups
    ]
