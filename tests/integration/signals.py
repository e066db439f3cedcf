"""What the signal-path tests read and run: Prometheus' HTTP API, a webhook receiver for
Alertmanager, and failing traffic for the service. All on this machine: the API and the
service through their ClusterIPs (kube-proxy on the real node), the receiver on the
node's own address, where Alertmanager's pod reaches it."""

from __future__ import annotations

import http.client
import http.server
import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from tests.loopback import QuietHandler

T = TypeVar("T")


def get_json(address: tuple[str, int], path: str, params: dict[str, str] | None = None) -> Any:
    """GET `path` from `address` and decode the JSON body; HTTP errors raise OSError."""
    query = f"?{urllib.parse.urlencode(params)}" if params else ""
    conn = http.client.HTTPConnection(*address, timeout=10)
    try:
        conn.request("GET", f"{path}{query}", headers={"Connection": "close"})
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    if response.status != 200:
        raise OSError(f"GET {path}: HTTP {response.status}: {body[:300]!r}")
    return json.loads(body)


def poll(what: str, check: Callable[[], T | None], timeout: float, every: float = 5) -> T:
    """`check()` until it returns something other than None, for at most `timeout` seconds;
    the last error or value is in the failure message."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            found = check()
        except OSError as err:
            last = err
        else:
            if found is not None:
                return found
        time.sleep(every)
    raise AssertionError(f"{what}: not within {timeout:.0f}s (last: {last!r})")


class _AlertHandler(QuietHandler):
    server: _AlertServer

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        length = int(self.headers.get("Content-Length", "0"))
        payload = json.loads(self.rfile.read(length))
        with self.server.lock:
            self.server.payloads.append(payload)
        self.send_response(200)
        self.end_headers()


class _AlertServer(http.server.ThreadingHTTPServer):
    def __init__(self, address: tuple[str, int]) -> None:
        super().__init__(address, _AlertHandler)
        self.lock = threading.Lock()
        self.payloads: list[dict[str, Any]] = []


class WebhookReceiver:
    """Alertmanager's webhook payloads as they arrive (version 4 of its webhook format)."""

    def __init__(self, server: _AlertServer) -> None:
        self._server = server
        host, port = server.server_address[:2]
        self.url = f"http://{host}:{port}/alertmanager"

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert of every payload so far."""
        with self._server.lock:
            return [alert for payload in self._server.payloads for alert in payload["alerts"]]


@contextmanager
def webhook_receiver(host: str) -> Iterator[WebhookReceiver]:
    """A webhook receiver on `host` (a free port) for the block."""
    server = _AlertServer((host, 0))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield WebhookReceiver(server)
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def steady_requests(address: tuple[str, int], path: str, per_second: float) -> Iterator[list[int]]:
    """GET `path` at about `per_second` for the block; yields the statuses seen so far."""
    statuses: list[int] = []
    stop = threading.Event()

    def send() -> None:
        while not stop.is_set():
            conn = http.client.HTTPConnection(*address, timeout=5)
            try:
                conn.request("GET", path, headers={"Connection": "close"})
                response = conn.getresponse()
                response.read()
                statuses.append(response.status)
            except OSError:
                statuses.append(0)
            finally:
                conn.close()
            stop.wait(1 / per_second)

    worker = threading.Thread(target=send, daemon=True)
    worker.start()
    try:
        yield statuses
    finally:
        stop.set()
        worker.join(timeout=10)
