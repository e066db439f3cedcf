"""Both READMEs quote the latest loopback results file, and nothing else.

The figures come from one benchmark (`make bench-loopback`); a README that
still shows an older run, or hand-edited numbers, fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scripts import bench_figures as bf


@pytest.fixture(scope="module")
def latest() -> tuple[bf.Results, Path]:
    """The latest results file, parsed, and its path."""
    path = bf.latest()
    return bf.load(path), path


def test_app_readme_quotes_the_latest_results_file(latest: tuple[bf.Results, Path]) -> None:
    text = bf.APP_README.read_text("utf-8")
    assert text.count(bf.BEGIN) == 1
    assert text.count(bf.END) == 1
    assert bf.app_block(*latest) in text, "run scripts/bench_figures.py --write"


def test_top_readme_quotes_the_latest_results_file(latest: tuple[bf.Results, Path]) -> None:
    text = bf.TOP_README.read_text("utf-8")
    rows = [line for line in text.splitlines() if line.startswith(bf.TOP_ROW_KEY)]
    assert rows == [bf.top_row(*latest)], "run scripts/bench_figures.py --write"


def test_results_file_has_every_setup_machine_and_go_version(
    latest: tuple[bf.Results, Path],
) -> None:
    results, _ = latest
    assert [s.setup for s in results.summary] == ["bare", "off", "unsampled", "ratio-0.1", "all"]
    assert results.machine.go_version.startswith("go")
    assert results.machine.cpus >= 1
    assert len(results.runs) == results.config.rounds * 5
    assert len(results.targets) == 4
    # Every server ran with the GOGC loadbench read back from its /metrics.
    assert results.config.gc_percent == -1 or results.config.gc_percent >= 1


def test_latest_is_the_newest_by_name(tmp_path: Path) -> None:
    for name in ("20261201T100000Z.json", "20261202T090000Z.json", "20261130T235959Z.json"):
        (tmp_path / name).write_text(json.dumps({}))
    assert bf.latest(tmp_path).name == "20261202T090000Z.json"


def test_a_stale_figure_is_caught(latest: tuple[bf.Results, Path]) -> None:
    results, path = latest
    stale = results.model_copy(deep=True)
    stale.summary[3].throughput_vs_bare += 0.05
    assert bf.top_row(stale, path) != bf.top_row(*latest)
    assert bf.app_block(stale, path) != bf.app_block(*latest)
