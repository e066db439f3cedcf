"""The service's figures, as both READMEs quote them, from the latest loopback results file.

`make bench-loopback` writes app/bench/loopback/<UTC time>.json. This renders
that file as the block in app/README.md (between the loopback-figures
markers) and the row in README.md's figures table; `--write` puts them in
place. tests/test_app_bench_figures.py fails when a README does not quote
the latest file, so that one benchmark gives one set of figures.

Usage: bench_figures.py [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

from pydantic import BaseModel

REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "app" / "bench" / "loopback"
APP_README = REPO / "app" / "README.md"
TOP_README = REPO / "README.md"
BEGIN = "<!-- loopback-figures:begin (scripts/bench_figures.py --write) -->"
END = "<!-- loopback-figures:end -->"
# The first cell of README.md's figures row, by which --write finds it.
TOP_ROW_KEY = "| Service vs bare `net/http`, loopback benchmark |"


class Machine(BaseModel):
    cpus: int
    cpu_model: str
    kernel: str
    go_version: str
    server_cpu: int
    load_cpu: int
    loadavg_start: tuple[float, float, float]
    loadavg_end: tuple[float, float, float]


class Config(BaseModel):
    path: str
    body_bytes: int
    conns: int
    rounds: int
    seconds_per_run: float
    gc_percent: int


class Summary(BaseModel):
    setup: str
    description: str
    req_per_s: float
    server_cpu_us_per_req: float
    allocs_per_req: float
    throughput_vs_bare: float
    server_cpu_added_us: float
    server_cpu_vs_bare: float
    server_core_use: float
    spans_per_req: float


class Target(BaseModel):
    what: str
    op: str
    limit: float
    value: float
    met: bool


class Run(BaseModel):
    setup: str
    others_on_server_core: float


class Results(BaseModel):
    created: str
    machine: Machine
    config: Config
    summary: list[Summary]
    targets: list[Target]
    runs: list[Run]

    def setup(self, name: str) -> Summary:
        """The summary of one setup."""
        return next(s for s in self.summary if s.setup == name)


def latest(results_dir: Path = RESULTS_DIR) -> Path:
    """The newest results file: names are UTC times, so they sort by age."""
    files = sorted(results_dir.glob("*.json"))
    if not files:
        msg = f"no results in {results_dir}: run `make bench-loopback`"
        raise FileNotFoundError(msg)
    return files[-1]


def load(path: Path) -> Results:
    """Parse one results file."""
    return Results.model_validate_json(path.read_text(encoding="utf-8"))


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def app_block(results: Results, path: Path) -> str:
    """The block app/README.md shows between the markers."""
    m, c = results.machine, results.config
    rel = path.relative_to(REPO / "app").as_posix()
    pinned = (
        f"server pinned to core {m.server_cpu}, load generator to core {m.load_cpu}"
        if m.server_cpu >= 0
        else "not pinned (one core)"
    )
    others = statistics.median(r.others_on_server_core for r in results.runs)
    lines = [
        BEGIN,
        f"Results file: [`{rel}`]({rel}). {m.cpus} cores ({m.cpu_model}), Linux {m.kernel}, "
        f"{m.go_version}; {pinned}. {c.rounds} rounds of {c.seconds_per_run:g} s per setup, "
        f"`GET {c.path}` ({c.body_bytes}-byte body) on {c.conns} keep-alive connections, "
        f"every server at GOGC={c.gc_percent} (the service's default). "
        f"Load average {m.loadavg_start[0]:g} at the start, {m.loadavg_end[0]:g} at the end; "
        f"other processes used a median {_pct(others)} of the server's core during the runs.",
        "",
        "| Setup | req/s | x bare req/s | server CPU µs/req | added over bare | "
        "x bare CPU | allocs/req | spans/req | server core use |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in results.summary:
        spans = "-" if s.spans_per_req < 0 else f"{s.spans_per_req:.3f}"
        lines.append(
            f"| `{s.setup}`: {s.description} | {s.req_per_s:,.0f} | {s.throughput_vs_bare:.2f} | "
            f"{s.server_cpu_us_per_req:.1f} | {s.server_cpu_added_us:+.1f} µs | "
            f"{s.server_cpu_vs_bare:.2f} | {s.allocs_per_req:.1f} | {spans} | "
            f"{_pct(s.server_core_use)} |"
        )
    lines += ["", "| Target | Median | Met |", "|---|---:|---|"]
    lines += [
        f"| {t.what} | {t.value:g} ({t.op} {t.limit:g}) | {'yes' if t.met else '**no**'} |"
        for t in results.targets
    ]
    lines.append(END)
    return "\n".join(lines)


def top_row(results: Results, path: Path) -> str:
    """The row of README.md's figures table."""
    ratio, unsampled = results.setup("ratio-0.1"), results.setup("unsampled")
    off, every = results.setup("off"), results.setup("all")
    figure = (
        f"prod's default (ratio 0.1): {_pct(ratio.throughput_vs_bare)} of bare req/s; "
        f"server CPU per request +{unsampled.server_cpu_added_us:.1f} µs unsampled, "
        f"+{off.server_cpu_added_us:.1f} µs tracing off, "
        f"{every.server_cpu_vs_bare:.2f}x bare CPU with every request sampled"
    )
    rel = path.relative_to(REPO).as_posix()
    return f"{TOP_ROW_KEY} {figure} | [app/README.md](app/README.md#figures), `{rel}` |"


def _replace_block(text: str, block: str) -> str:
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + block + text[end:]


def _replace_row(text: str, row: str) -> str:
    lines = text.split("\n")
    index = next(i for i, line in enumerate(lines) if line.startswith(TOP_ROW_KEY))
    lines[index] = row
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update both READMEs in place")
    args = parser.parse_args(argv)
    path = latest()
    results = load(path)
    block, row = app_block(results, path), top_row(results, path)
    if args.write:
        APP_README.write_text(_replace_block(APP_README.read_text("utf-8"), block), "utf-8")
        TOP_README.write_text(_replace_row(TOP_README.read_text("utf-8"), row), "utf-8")
    sys.stdout.write(f"{block}\n\n{row}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
