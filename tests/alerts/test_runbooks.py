"""Every alert links to a runbook that exists and has the four sections."""

from __future__ import annotations

from components.alerts import RuleGroup
from components.alerts.runbooks import RUNBOOK_DIR, runbook_url, with_runbook_urls


def test_every_alert_has_a_runbook(groups: list[RuleGroup]) -> None:
    for alert in (a for g in groups for a in g.alerts):
        assert alert.runbook_url == runbook_url(alert.alert)
        text = (RUNBOOK_DIR / f"{alert.alert}.md").read_text(encoding="utf-8")
        for section in ("## Meaning", "## Impact", "## Diagnosis", "## Mitigation"):
            assert section in text, f"{alert.alert}.md lacks {section}"


def test_runbook_base_url_is_applied_in_one_pass(groups: list[RuleGroup]) -> None:
    relinked = with_runbook_urls(groups, "https://example.org/gantry/docs/runbooks/")
    urls = {a.runbook_url for g in relinked for a in g.alerts}
    assert "https://example.org/gantry/docs/runbooks/ErrorBudgetBurnFast.md" in urls
    assert all(u and u.startswith("https://example.org/gantry/docs/runbooks/") for u in urls)
