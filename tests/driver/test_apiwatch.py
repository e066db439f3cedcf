"""The API-server watch: which endpoints it knows, how it tells up from down, when it gives up.

Probes go to real sockets on 127.0.0.1: a server that answers (with an error
status, as an API server does to a stranger), a port nobody listens on, and
a listener that accepts and never answers (a stopped process).
"""

from __future__ import annotations

import base64
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from gantry.driver.apiwatch import (
    ApiWatch,
    Endpoint,
    endpoint_from_kubeconfig,
    endpoints,
    first_unreachable,
    probe,
)
from gantry.driver.stack import load_config
from tests.loopback import QuietHandler, closed_address, serving

REPO = Path(__file__).resolve().parents[2]


class _Refuses(QuietHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server names the handler
        self.send_response(401)
        self.end_headers()


@pytest.fixture
def answering() -> Iterator[Endpoint]:
    with serving(_Refuses) as address:
        yield Endpoint("local", f"http://{address}")


def test_any_http_answer_is_alive_even_401(answering: Endpoint) -> None:
    assert probe(answering) is None


def test_nobody_listening_is_connection_refused() -> None:
    assert probe(Endpoint("local", f"http://{closed_address()}")) == "connection refused"


def test_a_listener_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        endpoint = Endpoint("local", f"http://127.0.0.1:{silent.getsockname()[1]}")
        assert probe(endpoint, timeout=0.5) == "no answer within 0.5s"


def test_the_watch_reports_once_after_the_limit_and_not_for_a_blip() -> None:
    endpoint = Endpoint("local", "https://127.0.0.1:6443")
    answers = iter([None, "connection refused", None] + ["connection refused"] * 100)
    reports: list[str] = []
    with ApiWatch(
        [endpoint], reports.append, limit=0.3, interval=0.05, check=lambda _: next(answers)
    ):
        deadline = time.monotonic() + 5
        while not reports and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
    assert len(reports) == 1
    assert "https://127.0.0.1:6443" in reports[0]
    assert "target 'local'" in reports[0]
    assert "connection refused" in reports[0]


def test_a_healthy_endpoint_is_never_reported(answering: Endpoint) -> None:
    reports: list[str] = []
    with ApiWatch([answering], reports.append, limit=0.2, interval=0.05):
        time.sleep(0.6)
    assert reports == []


def test_before_a_run_the_first_silent_endpoint_is_named(answering: Endpoint) -> None:
    down = Endpoint("other", f"http://{closed_address()}")
    assert first_unreachable([answering]) is None
    message = first_unreachable([answering, down])
    assert message is not None
    assert down.server in message
    assert "does not answer (connection refused)" in message


def _kubeconfig(path: Path, server: str) -> Path:
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": "admin",
        "contexts": [{"name": "admin", "context": {"cluster": "c", "user": "u"}}],
        "clusters": [
            {
                "name": "c",
                "cluster": {
                    "server": server,
                    "certificate-authority-data": base64.b64encode(b"PEM").decode(),
                },
            }
        ],
        "users": [{"name": "u", "user": {}}],
    }
    path.write_text(yaml.safe_dump(document))
    return path


def test_the_local_control_planes_kubeconfig_names_the_endpoint(tmp_path: Path) -> None:
    _kubeconfig(tmp_path / "kubeconfig", "https://127.0.0.1:16443")
    config = load_config(REPO, "local")
    found = endpoints(config, {"GANTRY_CLUSTER_DIR": str(tmp_path)})
    assert found == [Endpoint("local", "https://127.0.0.1:16443", "PEM")]
    assert endpoints(config, {"GANTRY_CLUSTER_DIR": str(tmp_path / "none")}) == []
    assert endpoints(load_config(REPO, "dev"), {}) == [], "cloud clusters are made by the run"


def test_a_named_context_picks_its_cluster(tmp_path: Path) -> None:
    path = _kubeconfig(tmp_path / "k", "https://a:1")
    document = yaml.safe_load(path.read_text())
    document["clusters"].append({"name": "d", "cluster": {"server": "https://b:2"}})
    document["contexts"].append({"name": "other", "context": {"cluster": "d"}})
    path.write_text(yaml.safe_dump(document))
    assert endpoint_from_kubeconfig("t", path, "other") == Endpoint("t", "https://b:2")
