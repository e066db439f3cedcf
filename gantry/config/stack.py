"""The whole stack config as one typed model, with defaults per profile."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from .base import Model
from .image import ImageConfig
from .observability import ObservabilityConfig
from .policy import PolicyConfig
from .secrets import secret_key_values
from .service import ServiceConfig
from .slo import SloConfig, default_slos
from .targets import LocalTarget, TargetConfig

Profile = Literal["local", "dev", "prod"]

PROFILE_DEFAULTS: dict[str, dict[str, Any]] = {
    # Laptop/CI: one replica, the whole observability stack (its charts come from the
    # upstream repositories or GANTRY_CHART_MIRROR). The local cluster has no volume
    # provisioner, so every volume is an emptyDir.
    "local": {
        "image": {"builder": "ko"},
        "service": {"replicas": {"min": 1, "max": 2}},
        "observability": {"enabled": True, "profile": "small", "storage": {"persistent": False}},
    },
    # Small and cheap: the whole observability stack within 2 vCPU / 4 GiB of requests.
    "dev": {
        "service": {"replicas": {"min": 1, "max": 3}},
        "observability": {
            "profile": "small",
            "retention": {"metrics": "7d", "logs": "3d", "traces": "24h"},
        },
    },
    # Highly available: at least three replicas spread across zones, object storage for logs/traces.
    "prod": {
        # Only images CI signed (keyless, this repository's workflows) start in prod.
        # warn, not enforce: CI signs a digest after `up` has rolled it out (promote.yml),
        # so enforcing would refuse every new pod. Enforce once signing precedes rollout.
        "image": {"signature_verification": {"enabled": True, "mode": "warn"}},
        "service": {
            "replicas": {"min": 3, "max": 12},
            # One trace in ten: exemplars and trace-to-log links stay, at a third of the cost.
            "trace_sample_ratio": 0.1,
            "zone_spread": "required",
            "resources": {
                "cpu_request": "250m",
                "memory_request": "128Mi",
                "memory_limit": "256Mi",
            },
        },
        "observability": {
            "profile": "ha",
            "retention": {"metrics": "30d", "logs": "30d", "traces": "14d"},
            "storage": {"prometheus": "100Gi", "alertmanager": "2Gi"},
        },
    },
}


def _merge(defaults: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge `given` over `defaults`; what the stack file says always wins."""
    merged = dict(defaults)
    for key, value in given.items():
        base = merged.get(key)
        merged[key] = (
            _merge(base, value) if isinstance(base, dict) and isinstance(value, dict) else value
        )
    return merged


class StackConfig(Model):
    """Everything a stack file can say, parsed once before any resource exists."""

    profile: Profile
    """Picks the defaults for everything else (table below)."""
    targets: list[TargetConfig] = Field(min_length=1)
    """Clusters to deploy to; every component is created once per target."""
    image: ImageConfig = Field(default_factory=ImageConfig)
    """How the service image is built."""
    service: ServiceConfig = Field(default_factory=ServiceConfig)
    """The service's workload settings."""
    observability: ObservabilityConfig = Field(default_factory=ObservabilityConfig)
    """The observability stack."""
    slos: list[SloConfig] = Field(default_factory=list)
    """SLOs the alerts are generated from; default per profile."""
    policy: PolicyConfig
    """The policy-pack config this stack is previewed with."""

    @model_validator(mode="before")
    @classmethod
    def _apply_profile_defaults(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("profile") not in PROFILE_DEFAULTS:
            return data
        profile = data["profile"]
        merged = _merge(PROFILE_DEFAULTS[profile], data)
        if "slos" not in merged:
            service = merged.get("service", {})
            name = service.get("name", "hello") if isinstance(service, dict) else "hello"
            merged["slos"] = default_slos(profile, name)
        return merged

    @field_validator("targets")
    @classmethod
    def _unique_target_names(cls, targets: list[TargetConfig]) -> list[TargetConfig]:
        names = [t.name for t in targets]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            msg = f"target names are not unique: {', '.join(dupes)}"
            raise ValueError(msg)
        return targets

    @model_validator(mode="after")
    def _local_targets_only_locally(self) -> StackConfig:
        local = [t.name for t in self.targets if isinstance(t, LocalTarget)]
        if local and self.profile != "local":
            msg = f"local targets ({', '.join(local)}) belong to the local profile only"
            raise ValueError(msg)
        return self

    def secret_keys(self) -> list[str]:
        """Every config key this stack expects to hold a secret value: the value of
        every field typed `SecretKey`, found by walking the models."""
        return sorted(set(secret_key_values(self)))
