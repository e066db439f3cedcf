"""Every metric an expression reads exists: recorded by us, served by the Go service, or
documented by an exporter (known_metrics.py). The service's names come from the real binary."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import promql_parser
import pytest

from components.alerts import Record, RuleGroup
from components.alerts.known_metrics import KNOWN_METRICS, SERVICE_METRICS

REPO = Path(__file__).resolve().parents[2]


def metric_names(node: object) -> set[str]:
    """Metric names of every vector selector in a parsed PromQL expression."""
    if isinstance(node, promql_parser.VectorSelector):
        return {node.name} if node.name else set()
    if isinstance(node, promql_parser.MatrixSelector):
        return metric_names(node.vector_selector)
    found: set[str] = set()
    for attr in ("lhs", "rhs", "expr", "param"):
        child = getattr(node, attr, None)
        if child is not None:
            found |= metric_names(child)
    for arg in getattr(node, "args", None) or []:
        found |= metric_names(arg)
    return found


def test_metric_names_walks_every_node() -> None:
    expr = promql_parser.parse(
        "sum by (a) (rate(a_total[5m])) / on() group_left -round(b, 0.1)"
        " and absent(c == 1) or avg_over_time(d[1h:5m]) + vector(1)"
    )
    assert metric_names(expr) == {"a_total", "b", "c", "d"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback only
        return str(response.read().decode())


@pytest.fixture(scope="module")
def service_metrics(tmp_path_factory: pytest.TempPathFactory) -> Iterator[set[str]]:
    """Series names on the real service's /metrics after one API request."""
    go = shutil.which("go")
    assert go, "go toolchain not found"
    binary = tmp_path_factory.mktemp("hello") / "hello"
    subprocess.run(
        [go, "build", "-o", str(binary), "./cmd/hello"], cwd=REPO / "app", check=True, timeout=300
    )
    addr = f"127.0.0.1:{_free_port()}"
    env = {**os.environ, "HTTP_ADDR": addr, "SHUTDOWN_DRAIN_DELAY": "0s", "LOG_LEVEL": "error"}
    proc = subprocess.Popen([str(binary)], env=env, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                _get(f"http://{addr}/api/v1/hello?name=alerts")
                break
            except OSError:
                assert time.monotonic() < deadline, f"service did not answer on {addr} in 20s"
                time.sleep(0.2)
        yield _series_names(_get(f"http://{addr}/metrics"))
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=25)
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


def _series_names(text: str) -> set[str]:
    """Stored series names from the text exposition: histograms give _bucket/_count/_sum."""
    names: set[str] = set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            if kind == "histogram":
                names |= {f"{name}_bucket", f"{name}_count", f"{name}_sum"}
            elif kind == "summary":
                names |= {name, f"{name}_count", f"{name}_sum"}
            else:
                names.add(name)
    return names


def test_service_serves_the_metrics_the_rules_expect(service_metrics: set[str]) -> None:
    assert set(SERVICE_METRICS) <= service_metrics


def test_every_expression_metric_is_known(
    groups: list[RuleGroup], service_metrics: set[str]
) -> None:
    recorded = {rule.record for g in groups for rule in g.rules if isinstance(rule, Record)}
    allowed = recorded | service_metrics | set(KNOWN_METRICS)
    unknown = {
        f"{group.name}: {name}"
        for group in groups
        for rule in group.rules
        for name in metric_names(promql_parser.parse(rule.expr))
        if name not in allowed
    }
    assert unknown == set()


def test_known_metrics_are_all_used(groups: list[RuleGroup]) -> None:
    used = {
        name
        for g in groups
        for rule in g.rules
        for name in metric_names(promql_parser.parse(rule.expr))
    }
    assert set(KNOWN_METRICS) - used == set(), "stale entries in known_metrics.py"
    assert set(SERVICE_METRICS) <= used
