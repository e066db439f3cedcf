"""A small client for the cluster's API server: the admin identity, JSON in and out.

The cluster scripts run before any virtualenv exists, so this uses the
standard library only; the tests use the official client.
"""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from .settings import ClusterSettings


class ApiError(RuntimeError):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status


class Api:
    def __init__(self, s: ClusterSettings, timeout: float = 10) -> None:
        self._settings = s
        self._server = s.server
        self._timeout = timeout
        self._context: ssl.SSLContext | None = None

    def _tls(self) -> ssl.SSLContext:
        """The admin identity, read when first used (the certificates may not exist yet)."""
        if self._context is None:
            pki = self._settings.pki
            context = ssl.create_default_context(cafile=str(pki / "ca.crt"))
            context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
            self._context = context
        return self._context

    def request(
        self, method: str, path: str, body: Any = None, content_type: str = "application/json"
    ) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(  # noqa: S310 - the URL is the cluster's own https server
            self._server + path, data=data, method=method, headers={"Content-Type": content_type}
        )
        try:
            with urllib.request.urlopen(req, timeout=self._timeout, context=self._tls()) as resp:  # noqa: S310
                raw = resp.read()
        except urllib.error.HTTPError as err:
            raise ApiError(err.code, err.read().decode(errors="replace")[:500]) from None
        text = raw.decode()
        return json.loads(text) if text.startswith(("{", "[")) else text

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def ready(self) -> bool:
        return bool(self.get("/readyz") == "ok")

    def apply(self, obj: dict[str, Any], manager: str = "gantry-localcluster") -> Any:
        """Server-side apply of OBJ: create or converge, owned by MANAGER."""
        return self.request(
            "PATCH",
            f"{object_path(obj)}?fieldManager={manager}&force=true",
            obj,
            "application/apply-patch+yaml",
        )

    def delete(self, path: str) -> None:
        try:
            self.request("DELETE", path)
        except ApiError as err:
            if err.status != 404:
                raise


CORE_KINDS = {
    "Namespace": "namespaces",
    "Node": "nodes",
    "ServiceAccount": "serviceaccounts",
    "ConfigMap": "configmaps",
    "Service": "services",
    "Pod": "pods",
}
GROUP_KINDS = {
    "ClusterRole": "clusterroles",
    "ClusterRoleBinding": "clusterrolebindings",
    "Role": "roles",
    "RoleBinding": "rolebindings",
    "Deployment": "deployments",
    "DaemonSet": "daemonsets",
    "APIService": "apiservices",
}
CLUSTER_SCOPED = {"Namespace", "Node", "ClusterRole", "ClusterRoleBinding", "APIService"}


def object_path(obj: dict[str, Any]) -> str:
    """The REST path of OBJ (the kinds this package applies)."""
    kind, version = obj["kind"], obj["apiVersion"]
    meta = obj["metadata"]
    base = f"/api/{version}" if "/" not in version else f"/apis/{version}"
    plural = CORE_KINDS.get(kind) or GROUP_KINDS[kind]
    scope = "" if kind in CLUSTER_SCOPED else f"/namespaces/{meta['namespace']}"
    return f"{base}{scope}/{plural}/{meta['name']}"
