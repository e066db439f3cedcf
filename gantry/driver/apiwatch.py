"""Watch the Kubernetes API servers a run talks to, and end the run when one goes away.

When the API server stops in the middle of an update, the Kubernetes
provider keeps waiting for its objects to become ready, up to its 10-minute
timeout per object, and then blames the object ("timed out waiting to be
Ready"). The driver knows better and sooner: it asks every endpoint it can
name before the run (the targets whose kubeconfig exists already: the local
control plane, or a kubeconfig file a local target names) once every few
seconds, and when one has not answered for `limit` seconds it cancels the
run with one message naming that endpoint. Any HTTP answer counts as alive,
401 included: the question is whether the server is there, not who we are.
Cloud clusters are created by the run itself; their provider's timeouts apply.
"""

from __future__ import annotations

import base64
import http.client
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from components.targets.local import local_control_plane_kubeconfig
from gantry.config.stack import StackConfig
from gantry.config.targets import LocalTarget

PROBE_TIMEOUT = 3.0


@dataclass(frozen=True)
class Endpoint:
    """One API server: the target that uses it, its URL, and the CA to verify it with."""

    target: str
    server: str
    ca_pem: str | None = None


def _cluster_of(kubeconfig: dict[str, Any], context: str | None) -> dict[str, Any]:
    name = context or kubeconfig.get("current-context")
    contexts = {c["name"]: c["context"] for c in kubeconfig.get("contexts") or []}
    clusters = {c["name"]: c["cluster"] for c in kubeconfig.get("clusters") or []}
    return dict(clusters[contexts[name]["cluster"]])


def endpoint_from_kubeconfig(target: str, path: Path, context: str | None = None) -> Endpoint:
    """The API server a kubeconfig's (current) context points at."""
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    cluster = _cluster_of(document, context)
    ca: str | None = None
    if data := cluster.get("certificate-authority-data"):
        ca = base64.b64decode(data).decode()
    elif file := cluster.get("certificate-authority"):
        ca = (path.parent / file).read_text(encoding="utf-8")
    return Endpoint(target=target, server=str(cluster["server"]), ca_pem=ca)


def endpoints(config: StackConfig, env: Mapping[str, str]) -> list[Endpoint]:
    """The endpoints of the stack's targets whose kubeconfig exists now."""
    found: list[Endpoint] = []
    for target in config.targets:
        if not isinstance(target, LocalTarget) or target.mode != "cluster":
            continue
        path = (
            Path(target.kubeconfig).expanduser()
            if target.kubeconfig
            else local_control_plane_kubeconfig(env)
        )
        try:
            found.append(endpoint_from_kubeconfig(target.name, path, target.kubeconfig_context))
        except (OSError, KeyError, TypeError, ValueError, yaml.YAMLError):
            continue  # no usable kubeconfig yet: the program's own check reports it
    return found


def probe(endpoint: Endpoint, timeout: float = PROBE_TIMEOUT) -> str | None:
    """None when the server answers HTTP at all; else why not (refused, timed out, ...)."""
    url = urlsplit(endpoint.server)
    host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    connection: http.client.HTTPConnection
    if url.scheme == "https":
        context = ssl.create_default_context(cadata=endpoint.ca_pem)
        connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=context)
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        connection.request("GET", "/livez")
        connection.getresponse().read()
    except ConnectionRefusedError:
        return "connection refused"
    except TimeoutError:
        return f"no answer within {timeout:g}s"
    except (OSError, http.client.HTTPException) as error:
        return str(error) or type(error).__name__
    finally:
        connection.close()
    return None


class ApiWatch:
    """Probes `targets` every `interval` seconds in a thread; `on_outage(message)` is called
    once, when one has been down for `limit` seconds."""

    def __init__(
        self,
        targets: list[Endpoint],
        on_outage: Callable[[str], None],
        limit: float = 20.0,
        interval: float = 2.0,
        check: Callable[[Endpoint], str | None] = probe,
    ) -> None:
        self.targets = targets
        self.on_outage = on_outage
        self.limit = limit
        self.interval = interval
        self.check = check
        self.outage: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def __enter__(self) -> ApiWatch:
        if self.targets:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=PROBE_TIMEOUT + self.interval)

    def _watch(self) -> None:
        down_since: dict[str, float] = {}
        while not self._stop.wait(self.interval):
            for endpoint in self.targets:
                reason = self.check(endpoint)
                if reason is None:
                    down_since.pop(endpoint.server, None)
                    continue
                since = down_since.setdefault(endpoint.server, time.monotonic())
                if time.monotonic() - since >= self.limit:
                    self.outage = outage_message(endpoint, reason, self.limit)
                    self.on_outage(self.outage)
                    return


def first_unreachable(
    targets: list[Endpoint], check: Callable[[Endpoint], str | None] = probe
) -> str | None:
    """Before a run: the message for the first endpoint that does not answer, if any."""
    for endpoint in targets:
        if (reason := check(endpoint)) is not None:
            return (
                f"the Kubernetes API server of target '{endpoint.target}' at {endpoint.server} "
                f"does not answer ({reason}): start it (the local control plane: `make cluster`) "
                "and run the command again"
            )
    return None


def outage_message(endpoint: Endpoint, reason: str, limit: float) -> str:
    return (
        f"the Kubernetes API server of target '{endpoint.target}' at {endpoint.server} "
        f"stopped answering ({reason}) for {limit:.0f}s, so the run was cancelled; bring it "
        "back (the local control plane: `make cluster`) and run `up` again"
    )
