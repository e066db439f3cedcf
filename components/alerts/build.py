"""All rule groups of a stack, in one call, with runbook links."""

from __future__ import annotations

from .health import HealthThresholds, health_rule_groups
from .model import RuleGroup
from .runbooks import DEFAULT_RUNBOOK_BASE_URL, with_runbook_urls
from .scope import AlertScope
from .settings import Slos
from .slo import slo_rule_groups


def build_rule_groups(
    scope: AlertScope,
    slos: Slos,
    runbook_base_url: str = DEFAULT_RUNBOOK_BASE_URL,
    thresholds: HealthThresholds | None = None,
) -> list[RuleGroup]:
    """SLO groups (one per SLO) then health groups, every alert linked to its runbook."""
    groups = [*slo_rule_groups(scope, slos), *health_rule_groups(scope, thresholds)]
    return with_runbook_urls(groups, runbook_base_url)
