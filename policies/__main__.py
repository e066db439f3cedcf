"""Entry point the Pulumi engine runs: serve gantry's policies (never returns).

Pack-wide settings can also come from the file named by GANTRY_POLICY_SETTINGS
(same JSON as ``python -m gantry_policies.config``); ``--policy-pack-config``
values override them per policy.
"""

import json
import os
from pathlib import Path
from typing import Any

from gantry_policies import POLICIES
from gantry_policies.config import pack_config
from pulumi_policy import EnforcementLevel, PolicyPack


def _initial_config() -> dict[str, EnforcementLevel | dict[str, Any]] | None:
    """The expanded settings, with levels as the SDK's enum (it rejects plain strings here)."""
    path = os.environ.get("GANTRY_POLICY_SETTINGS")
    if not path:
        return None
    settings = json.loads(Path(path).read_text(encoding="utf-8"))
    expanded = pack_config(settings)
    for entry in expanded.values():
        if "enforcementLevel" in entry:
            entry["enforcementLevel"] = EnforcementLevel(entry["enforcementLevel"])
    return expanded


PolicyPack(
    name="gantry",
    enforcement_level=EnforcementLevel.ADVISORY,
    policies=POLICIES,
    initial_config=_initial_config(),
)
