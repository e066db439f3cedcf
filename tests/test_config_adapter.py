"""gantry/config_adapter.py: the components' own args mirror the stack config.

Each args class has the defaults of the config key it is filled from, so a
component built without the adapter behaves as the stack config's reference
says; each config field reaches a field of the same name (or is listed here as
the wiring's); and every args field says its default.
"""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from components.alerts import settings as alerts
from components.go_service import spec
from components.observability import settings as observability
from components.targets import settings as targets
from gantry.config.observability import ChartSource as ChartSourceConfig
from gantry.config.observability import ObservabilityConfig
from gantry.config.observability import Receiver as ReceiverConfig
from gantry.config.observability import Retention as RetentionConfig
from gantry.config.observability import Storage as StorageConfig
from gantry.config.service import Autoscaling, Ingress, Replicas, Resources, ServiceConfig
from gantry.config.service import Shutdown as ShutdownConfig
from gantry.config.slo import SloConfig
from gantry.config.targets import (
    AwsTarget,
    AzureTarget,
    ExistingTarget,
    GcpTarget,
    LocalTarget,
    NodePoolConfig,
    RegistryCredentials,
)
from gantry.config_adapter import (
    observability_settings,
    receiver,
    service_settings,
    slo,
    target_settings,
)

REPO = Path(__file__).resolve().parents[1]
POOL = {"name": "general", "arch": "amd64", "instance_type": "t3.large"}

PAIRS: list[tuple[type[BaseModel], type[Any], set[str]]] = [
    (ServiceConfig, spec.ServiceSettings, set()),
    (Resources, spec.ServiceResources, set()),
    (Replicas, spec.ServiceReplicas, set()),
    (Autoscaling, spec.ServiceAutoscaling, set()),
    (Ingress, spec.ServiceIngress, set()),
    (ShutdownConfig, spec.ServiceShutdown, set()),
    (ObservabilityConfig, observability.ObservabilitySettings, {"enabled"}),
    (RetentionConfig, observability.Retention, set()),
    (StorageConfig, observability.Storage, set()),
    (ChartSourceConfig, observability.ChartSource, set()),
    (ReceiverConfig, observability.Receiver, set()),
    (LocalTarget, targets.LocalSettings, {"cloud"}),
    (ExistingTarget, targets.ExistingSettings, {"cloud"}),
    (RegistryCredentials, targets.ExistingRegistry, set()),
    (AwsTarget, targets.AwsSettings, {"cloud"}),
    (GcpTarget, targets.GcpSettings, {"cloud"}),
    (AzureTarget, targets.AzureSettings, {"cloud"}),
    (NodePoolConfig, targets.NodePool, set()),
    (SloConfig, alerts.Slo, set()),
]
"""(config model, the component's args class, config fields the wiring reads instead:
`enabled` decides whether the stack is created at all, `cloud` which module builds it)."""


@pytest.mark.parametrize(("model", "args", "wiring"), PAIRS, ids=[a.__name__ for _, a, _ in PAIRS])
def test_every_config_field_reaches_the_args(
    model: type[BaseModel], args: type[Any], wiring: set[str]
) -> None:
    fields = {f.name for f in dataclasses.fields(args)}
    assert set(model.model_fields) - wiring == fields


@pytest.mark.parametrize(
    ("mapped", "default"),
    [
        (lambda: service_settings(ServiceConfig()), spec.ServiceSettings),
        (
            lambda: observability_settings(ObservabilityConfig()),
            observability.ObservabilitySettings,
        ),
        (
            lambda: receiver(ReceiverConfig(name="r", type="webhook", secret="k")),
            lambda: observability.Receiver(name="r", type="webhook", secret="k"),
        ),
        (
            lambda: target_settings(LocalTarget(cloud="local", name="t")),
            lambda: targets.LocalSettings(name="t"),
        ),
        (
            lambda: target_settings(
                ExistingTarget.model_validate(
                    {
                        "cloud": "existing",
                        "name": "t",
                        "kubeconfig_secret": "kc",
                        "registry": {"address": "r.example"},
                    }
                )
            ),
            lambda: targets.ExistingSettings(
                name="t",
                kubeconfig_secret="kc",
                registry=targets.ExistingRegistry(address="r.example"),
            ),
        ),
        (
            lambda: target_settings(
                AwsTarget.model_validate(
                    {"cloud": "aws", "name": "t", "region": "eu-west-1", "node_pools": [POOL]}
                )
            ),
            lambda: targets.AwsSettings(
                name="t", region="eu-west-1", node_pools=(targets.NodePool(**POOL),)
            ),
        ),
        (
            lambda: target_settings(
                GcpTarget.model_validate(
                    {
                        "cloud": "gcp",
                        "name": "t",
                        "project": "gantry-example",
                        "region": "europe-west1",
                        "node_pools": [POOL],
                    }
                )
            ),
            lambda: targets.GcpSettings(
                name="t",
                project="gantry-example",
                region="europe-west1",
                node_pools=(targets.NodePool(**POOL),),
            ),
        ),
        (
            lambda: target_settings(
                AzureTarget.model_validate(
                    {
                        "cloud": "azure",
                        "name": "t",
                        "location": "westeurope",
                        "admin_group_object_ids": ["g"],
                        "node_pools": [POOL],
                    }
                )
            ),
            lambda: targets.AzureSettings(
                name="t",
                location="westeurope",
                admin_group_object_ids=("g",),
                node_pools=(targets.NodePool(**POOL),),
            ),
        ),
        (
            lambda: slo(SloConfig(name="a", kind="availability", objective=0.999)),
            lambda: alerts.Slo(name="a", kind="availability", objective=0.999),
        ),
    ],
    ids=["service", "observability", "receiver", "local", "existing", "aws", "gcp", "azure", "slo"],
)
def test_the_args_defaults_are_the_configs(mapped: Any, default: Any) -> None:
    """What the adapter makes of a config left at its defaults is the args class's default."""
    assert mapped() == default()


ARGS_MODULES = (
    "components/alerts/settings.py",
    "components/go_service/spec.py",
    "components/observability/settings.py",
    "components/targets/settings.py",
)


@pytest.mark.parametrize("module", ARGS_MODULES)
def test_every_args_field_is_documented(module: str) -> None:
    """Each field is followed by a docstring, which names its default when it has one
    (ServiceSpec's required fields are described in its class docstring)."""
    tree = ast.parse((REPO / module).read_text())
    undocumented = []
    for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
        body = cls.body
        for index, node in enumerate(body):
            if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
                continue
            following = body[index + 1] if index + 1 < len(body) else None
            doc = (
                following.value.value
                if isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
                else None
            )
            if doc is None or (node.value is not None and "default" not in doc.lower()):
                undocumented.append(f"{cls.name}.{node.target.id}")
    if module != "components/go_service/spec.py":
        assert undocumented == [], undocumented
    else:  # ServiceSpec documents its required fields in the class docstring
        assert set(undocumented) <= {
            f"ServiceSpec.{f}" for f in ("service", "image", "app_version", "environment")
        }
