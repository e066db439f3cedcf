"""Service level objectives: what the alert rules are generated from.

An SLO here is request-based over a rolling 30-day window, as in the Google
SRE workbook: availability counts non-5xx responses as good, latency counts
responses faster than a threshold as good. The latency threshold has to be a
bound of the service's classic histogram buckets, because the SLI is read from
`http_request_duration_seconds_bucket{le=...}` and no other bound exists.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from .base import DnsLabel, Model

LATENCY_BUCKETS: tuple[float, ...] = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""The classic bucket bounds of `http_request_duration_seconds` (the metric contract)."""

SloKind = Literal["availability", "latency"]


class SloConfig(Model):
    """One SLO of the service (`gantry:slos[i]`)."""

    name: DnsLabel = Field(description="Rule-safe name, e.g. availability; unique per stack")
    kind: SloKind
    """availability: share of non-5xx; latency: share faster than the threshold."""
    objective: float = Field(gt=0, lt=1, description="Target share of good requests, e.g. 0.999")
    latency_threshold_seconds: float | None = Field(
        default=None,
        description="latency only: a request is good when faster; one of the classic bucket bounds",
    )
    window: Literal["30d"] = Field(
        default="30d", description="Rolling compliance window; the burn-rate windows assume 30d"
    )
    description: str | None = Field(default=None, description="Shown in alert descriptions")

    @model_validator(mode="after")
    def _threshold_fits_kind(self) -> SloConfig:
        threshold = self.latency_threshold_seconds
        if self.kind == "availability" and threshold is not None:
            msg = "latency_threshold_seconds applies to latency SLOs only"
            raise ValueError(msg)
        if self.kind == "latency":
            if threshold is None:
                msg = "a latency SLO needs latency_threshold_seconds"
                raise ValueError(msg)
            if threshold not in LATENCY_BUCKETS:
                bounds = ", ".join(f"{b:g}" for b in LATENCY_BUCKETS)
                msg = (
                    f"latency_threshold_seconds {threshold:g} is not a histogram bucket bound "
                    f"({bounds})"
                )
                raise ValueError(msg)
        return self


_PROFILE_TARGETS: dict[str, tuple[float, float, float]] = {
    # profile: (availability objective, latency objective, latency threshold in seconds)
    "local": (0.99, 0.95, 0.5),
    "dev": (0.99, 0.95, 0.25),
    "prod": (0.999, 0.99, 0.25),
}


def default_slos(profile: str, service: str) -> list[SloConfig]:
    """The SLOs a stack gets when its file names none: looser on local/dev, tighter on prod."""
    if profile not in _PROFILE_TARGETS:
        msg = f"no default SLOs for profile '{profile}' (known: {', '.join(_PROFILE_TARGETS)})"
        raise ValueError(msg)
    availability, latency, threshold = _PROFILE_TARGETS[profile]
    return [
        SloConfig(
            name="availability",
            kind="availability",
            objective=availability,
            description=f"{availability:.2%} of {service} API requests succeed (not 5xx)",
        ),
        SloConfig(
            name="latency",
            kind="latency",
            objective=latency,
            latency_threshold_seconds=threshold,
            description=f"{latency:.2%} of {service} API requests complete within {threshold:g}s",
        ),
    ]
