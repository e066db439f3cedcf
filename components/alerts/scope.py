"""Which service and namespaces the generated rules look at."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_OBSERVABILITY_NAMESPACE = "observability"


@dataclass(frozen=True)
class AlertScope:
    """Where the rules point.

    service: the Kubernetes Service name of the Go service, which is also its
        Prometheus `job` label (the metric contract).
    namespace: the namespace the service runs in.
    observability_namespace: where Prometheus, Alertmanager, Loki and Tempo run;
        default `observability`.
    """

    service: str
    namespace: str
    observability_namespace: str = DEFAULT_OBSERVABILITY_NAMESPACE

    @property
    def api_selector(self) -> str:
        """The label matchers of the service's API traffic (health and metrics excluded)."""
        return f'job="{self.service}", route=~"/api/.+"'

    @property
    def namespaces_regex(self) -> str:
        """A regex matching the namespaces whose workloads the health rules watch."""
        names = dict.fromkeys([self.namespace, self.observability_namespace])
        return "|".join(names)
