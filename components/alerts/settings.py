"""AlertRules' SLO args: what rule generation reads of each SLO, with its defaults.

The config adapter fills them from `gantry:slos`; nothing here imports the config.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Slo:
    """One SLO, as rule generation reads it (the adapter fills it from `gantry:slos[i]`)."""

    name: str
    """Rule-safe, unique per service; no default."""
    kind: Literal["availability", "latency"]
    """availability: share of non-5xx; latency: share faster than the threshold. No default."""
    objective: float
    """Target share of good requests, e.g. 0.999; no default."""
    latency_threshold_seconds: float | None = None
    """Default None; latency SLOs: a classic histogram bucket bound."""
    window: Literal["30d"] = "30d"
    """Default 30d, the only window: the burn-rate windows are the ones for 30 days."""
    description: str | None = None
    """Default None; shown in alert descriptions."""

    @property
    def error_budget(self) -> float:
        """1 - objective, rounded so that 0.999 gives 0.001 and not 0.0010000000000000009."""
        return round(1.0 - self.objective, 12)


Slos = Sequence[Slo]
