"""Every gantry rule, in table order. Importing this starts nothing."""

from __future__ import annotations

from pulumi_policy import Policy

from . import (
    apis,
    aws,
    azure,
    disruption,
    gcp,
    images,
    network,
    pod_security,
    rbac,
    reliability,
    supply_chain,
    workload,
)
from .rule import Rule, to_policy

_FAMILIES: tuple[list[Rule], ...] = (
    pod_security.RULES,
    workload.RULES,
    disruption.RULES,
    images.RULES,
    network.RULES,
    rbac.RULES,
    reliability.RULES,
    apis.RULES,
    aws.RULES,
    gcp.RULES,
    azure.RULES,
    supply_chain.RULES,
)
_FAMILY_ORDER = "KAGZS"  # the order of REFERENCE.md section 6


def _order(rule: Rule) -> tuple[int, int, str]:
    prefix = rule.id.rstrip("abcdefghijklmnopqrstuvwxyz")
    return (_FAMILY_ORDER.index(prefix[0]), int(prefix[1:]), rule.id)


RULES: list[Rule] = sorted((r for family in _FAMILIES for r in family), key=_order)
POLICIES: list[Policy] = [to_policy(r) for r in RULES if r.scope != "ci"]
