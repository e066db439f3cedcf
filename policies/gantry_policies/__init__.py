"""gantry's CrossGuard rules as importable data.

``gantry_policies.POLICIES`` is every pulumi-policy Policy, ``RULES`` the rule
metadata (ids, severities, CI-only steps too). Importing does not start a
policy pack; ``policies/__main__.py`` does.
"""

from .catalog import POLICIES, RULES

__all__ = ["POLICIES", "RULES"]
