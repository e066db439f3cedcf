"""Alert rules as code: SLO burn-rate and health rules generated from stack data.

Everything here is a pure function of the stack's SLOs and scope; the
`AlertRules` component (components/alert_rules.py) and `make rules`
(scripts/render_rules.py) both call `build_rule_groups`, so the cluster and the
rule files never differ.
"""

from .build import build_rule_groups
from .model import Alert, Record, RuleGroup
from .scope import AlertScope

__all__ = ["Alert", "AlertScope", "Record", "RuleGroup", "build_rule_groups"]
