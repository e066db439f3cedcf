"""Alertmanager configuration: receivers from secret config, grouping and inhibition.

Severity decides the path (kubernetes-mixin convention): `critical` pages,
`warning` is a ticket queue; each receiver lists the severities it takes.
The rendered config holds webhook URLs and routing keys, so the component
stores it in a Secret and never in chart values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from .settings import Receiver

NULL_RECEIVER = "null"
GROUP_BY = ["alertname", "namespace", "severity"]


def _receiver(receiver: Receiver, secret: str) -> dict[str, Any]:
    if receiver.type == "slack":
        slack: dict[str, Any] = {
            "api_url": secret,
            "send_resolved": True,
            "title": '{{ template "slack.default.title" . }}',
            "text": (
                "{{ range .Alerts }}*{{ .Annotations.summary }}*\n{{ .Annotations.description }}\n"
                "Runbook: {{ .Annotations.runbook_url }}\n{{ end }}"
            ),
        }
        if receiver.channel:
            slack["channel"] = receiver.channel
        return {"name": receiver.name, "slack_configs": [slack]}
    if receiver.type == "pagerduty":
        return {
            "name": receiver.name,
            "pagerduty_configs": [
                {
                    "routing_key": secret,
                    "send_resolved": True,
                    "description": '{{ template "pagerduty.default.description" . }}',
                }
            ],
        }
    return {"name": receiver.name, "webhook_configs": [{"url": secret, "send_resolved": True}]}


def _route(receiver: Receiver) -> dict[str, Any]:
    severities = "|".join(sorted(receiver.severities))
    route: dict[str, Any] = {
        "receiver": receiver.name,
        "matchers": [f'severity=~"{severities}"'],
        "continue": True,
    }
    if tuple(receiver.severities) == ("critical",):
        route["repeat_interval"] = "1h"
    return route


def alertmanager_config(
    receivers: Sequence[Receiver], secrets: Mapping[str, str]
) -> dict[str, Any]:
    """The alertmanager.yaml content; `secrets` maps each receiver's secret key to its value."""
    missing = sorted({r.secret for r in receivers} - set(secrets))
    if missing:
        msg = (
            f"no value for receiver secrets: {', '.join(missing)} (pulumi config set --secret ...)"
        )
        raise ValueError(msg)
    routes: list[dict[str, Any]] = [
        # Watchdog fires all the time to prove the pipeline works; InfoInhibitor only
        # feeds inhibition. Neither should reach a person.
        {"receiver": NULL_RECEIVER, "matchers": ['alertname=~"Watchdog|InfoInhibitor"']},
    ]
    routes += [_route(r) for r in receivers]
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": NULL_RECEIVER,
            "group_by": GROUP_BY,
            "group_wait": "30s",
            "group_interval": "5m",
            "repeat_interval": "4h",
            "routes": routes,
        },
        "inhibit_rules": [
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity="warning"'],
                "equal": ["alertname", "namespace"],
            },
            {
                "source_matchers": ['alertname="InfoInhibitor"'],
                "target_matchers": ['severity="info"'],
                "equal": ["namespace"],
            },
        ],
        "receivers": [{"name": NULL_RECEIVER}]
        + [_receiver(r, secrets[r.secret]) for r in receivers],
    }


def render(receivers: Sequence[Receiver], secrets: Mapping[str, str]) -> str:
    """alertmanager.yaml as text, for the Secret's `alertmanager.yaml` key."""
    return yaml.safe_dump(alertmanager_config(receivers, secrets), sort_keys=False)
