"""The metrics API (metrics-server), so that a HorizontalPodAutoscaler has something to read.

The objects are upstream's own manifests, read from the pinned module
(scripts/bootstrap.sh copies `manifests/base` of sigs.k8s.io/metrics-server
into $GANTRY_CACHE/metrics-server), with what its kustomization adds (the
`k8s-app` label) and what this cluster needs: gantry's image by digest,
the node's InternalIP, and the cluster CA to check the kubelet's serving
certificate instead of skipping the check.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .settings import ClusterSettings

MANIFESTS = ("rbac.yaml", "service.yaml", "deployment.yaml", "apiservice.yaml")
LABEL = {"k8s-app": "metrics-server"}
CA_MOUNT = "/etc/gantry-cluster-ca"
ADDRESS_TYPES = "--kubelet-preferred-address-types"


def manifest_dir(s: ClusterSettings) -> Path:
    return s.cache / "metrics-server"


def _with_label(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj.setdefault("metadata", {})
    meta["labels"] = {**meta.get("labels", {}), **LABEL}
    if obj["kind"] == "Service":
        obj["spec"]["selector"] = dict(LABEL)
    if obj["kind"] == "Deployment":
        obj["spec"]["selector"] = {"matchLabels": dict(LABEL)}
        template_meta = obj["spec"]["template"].setdefault("metadata", {})
        template_meta["labels"] = {**template_meta.get("labels", {}), **LABEL}
    return obj


def adapt(docs: list[dict[str, Any]], image: str) -> list[dict[str, Any]]:
    """Upstream's objects with the label, the image and this cluster's kubelet settings."""
    objects = [_with_label(d) for d in docs if d]
    for obj in objects:
        if obj["kind"] != "Deployment":
            continue
        pod = obj["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        container["image"] = image
        args = [
            a for a in container["args"] if not a.startswith("--kubelet-preferred-address-types")
        ]
        container["args"] = [
            *args,
            f"{ADDRESS_TYPES}=InternalIP",
            f"--kubelet-certificate-authority={CA_MOUNT}/ca.crt",
        ]
        container["volumeMounts"].append(
            {"name": "cluster-ca", "mountPath": CA_MOUNT, "readOnly": True}
        )
        # Published in every namespace by the controller-manager (--root-ca-file).
        pod["volumes"].append({"name": "cluster-ca", "configMap": {"name": "kube-root-ca.crt"}})
    return objects


def objects(s: ClusterSettings, image: str) -> list[dict[str, Any]]:
    import yaml  # noqa: PLC0415 - only the node needs it; the control plane runs without

    docs: list[dict[str, Any]] = []
    for name in MANIFESTS:
        path = manifest_dir(s) / name
        if not path.is_file():
            raise RuntimeError(f"{path} is missing: run scripts/bootstrap.sh cluster")
        docs += list(yaml.safe_load_all(path.read_text()))
    return adapt(docs, image)
