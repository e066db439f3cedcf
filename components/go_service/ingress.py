"""The optional public entry: TLS always, certificate from cert-manager."""

from __future__ import annotations

from typing import Any

from .labels import metadata
from .spec import ServiceSpec
from .workload import PORT_NAME

CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"


def tls_secret_name(spec: ServiceSpec) -> str:
    return f"{spec.name}-tls"


def ingress(spec: ServiceSpec) -> dict[str, Any] | None:
    """None unless enabled. cert-manager's ingress-shim sees the issuer annotation and
    keeps the certificate for `host` in the TLS secret; the class picks the controller."""
    config = spec.service.ingress
    if not config.enabled or config.host is None:
        return None
    body = metadata(spec, spec.name)
    body["annotations"] = {CLUSTER_ISSUER_ANNOTATION: config.cluster_issuer}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": body,
        "spec": {
            "ingressClassName": config.class_name,
            "tls": [{"hosts": [config.host], "secretName": tls_secret_name(spec)}],
            "rules": [
                {
                    "host": config.host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": spec.name, "port": {"name": PORT_NAME}}
                                },
                            }
                        ]
                    },
                }
            ],
        },
    }
