"""Ask a credential-less registry (the ko path's) whether it answers and holds a digest.

The ko builder's image is a dynamic resource whose digest sits in the state.
An unchanged source never rebuilds, so without a look at the registry an
`up` would deploy that digest even when the registry is down or has lost it
(a reset registry, a new machine with an old state). These checks use the
Distribution API's plain endpoints: `GET /v2/` answers when the registry is
up; `HEAD /v2/<name>/manifests/<digest>` says whether it holds the image.
Loopback registries speak HTTP (as ko and crane assume), any other HTTPS.
"""

from __future__ import annotations

import http.client
import ipaddress

MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)
TIMEOUT_SECONDS = 5.0
NOT_FOUND = 404


class RegistryUnavailableError(RuntimeError):
    """The registry did not answer; the message names it and what to do."""


def registry_host(repository: str) -> str:
    """`host[:port]` of `host[:port]/path`."""
    return repository.split("/", 1)[0]


def _hostname(host: str) -> str:
    """`127.0.0.1` of `127.0.0.1:5001`, `::1` of `[::1]:5001`."""
    if host.startswith("["):
        return host[1 : host.index("]")]
    return host.rsplit(":", 1)[0]


def _is_loopback(host: str) -> bool:
    name = _hostname(host)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _connection(host: str) -> http.client.HTTPConnection:
    if _is_loopback(host):
        return http.client.HTTPConnection(host, timeout=TIMEOUT_SECONDS)
    return http.client.HTTPSConnection(host, timeout=TIMEOUT_SECONDS)


def _status(host: str, method: str, path: str, headers: dict[str, str]) -> int:
    connection = _connection(host)
    try:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException) as error:
        reason = "connection refused" if isinstance(error, ConnectionRefusedError) else str(error)
        msg = (
            f"the registry {host} does not answer ({reason or type(error).__name__}): start it "
            "(the local one: `make registry`) and run `up` again; nothing was deployed "
            "with an image it cannot serve"
        )
        raise RegistryUnavailableError(msg) from error
    finally:
        connection.close()


def check_answers(repository: str) -> None:
    """Raise `RegistryUnavailableError` unless the repository's registry answers at all."""
    _status(registry_host(repository), "GET", "/v2/", {})


def holds(repository: str, digest: str) -> bool:
    """Whether the registry still serves `repository@digest` (an auth challenge counts
    as yes: this cannot look, and the ko path's registries need none)."""
    host = registry_host(repository)
    name = repository.split("/", 1)[1] if "/" in repository else repository
    status = _status(host, "HEAD", f"/v2/{name}/manifests/{digest}", {"Accept": MANIFEST_TYPES})
    return status != NOT_FOUND
