"""The one chart source the tests use, and a pinned chart's files from it.

`GANTRY_CHART_MIRROR` names a directory of unpacked charts, one folder per
pin, `<chart>-<version>/` (each with its dependencies under its own
`charts/`). Unset, it defaults to `../shared/charts` beside the checkout when
that exists; set to the empty string, or with neither, charts come from the
upstream repositories pinned in components/versions.py (index.yaml, then the
chart archive), which needs internet. Each failure names the setting that
fixes it. The program reads the same variable (gantry/program.py).
"""

from __future__ import annotations

import io
import os
import tarfile
import urllib.request
from collections.abc import Mapping
from functools import cache
from pathlib import Path, PurePosixPath

import yaml

from components.versions import CHARTS, ChartPin

ENV = "GANTRY_CHART_MIRROR"
DEFAULT_MIRROR = Path(__file__).resolve().parents[1].parent / "shared" / "charts"


class ChartMirrorError(ValueError):
    """GANTRY_CHART_MIRROR names something that is not a chart mirror."""


class ChartUnavailableError(RuntimeError):
    """Neither a mirror nor the upstream repository gave the chart."""


def chart_mirror(environ: Mapping[str, str] | None = None) -> Path | None:
    """The mirror directory to read charts from, or None for the upstream repositories."""
    env = os.environ if environ is None else environ
    value = env.get(ENV)
    if value is None:
        return DEFAULT_MIRROR if DEFAULT_MIRROR.is_dir() else None
    if not value:
        return None
    mirror = Path(value).expanduser()
    if not mirror.is_dir():
        msg = f"{ENV}={value}: not a directory (unset it to use the upstream repositories)"
        raise ChartMirrorError(msg)
    return mirror


def mirrored_chart(mirror: Path, pin: ChartPin) -> Path:
    """The unpacked chart of `pin` in `mirror`; a missing pin is an error naming the folder."""
    path = mirror / f"{pin.chart}-{pin.version}"
    if not (path / "Chart.yaml").is_file():
        msg = f"{ENV} mirror {mirror} has no {path.name}/Chart.yaml (pinned in versions.py)"
        raise ChartMirrorError(msg)
    return path


def _download(url: str) -> bytes:
    if not url.startswith("https://"):
        raise ChartUnavailableError(f"refusing a non-https chart URL: {url}")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:  # noqa: S310 (https only)
            return bytes(response.read())
    except OSError as error:
        msg = (
            f"{url}: {error}. Without internet, point {ENV} at a directory of unpacked "
            "charts (<chart>-<version>/), e.g. ../shared/charts"
        )
        raise ChartUnavailableError(msg) from error


def _upstream(pin: ChartPin, *, whole_tree: bool = False) -> dict[str, bytes]:
    index = yaml.safe_load(_download(f"{pin.repository.rstrip('/')}/index.yaml"))
    entry = next(
        (e for e in index.get("entries", {}).get(pin.chart, []) if e.get("version") == pin.version),
        None,
    )
    if entry is None:
        raise ChartUnavailableError(f"{pin.repository} has no {pin.chart} {pin.version}")
    url = entry["urls"][0]
    if "://" not in url:
        url = f"{pin.repository.rstrip('/')}/{url}"
    files: dict[str, bytes] = {}
    with tarfile.open(fileobj=io.BytesIO(_download(url)), mode="r:gz") as archive:
        for member in archive.getmembers():
            parts = PurePosixPath(member.name).parts
            # <chart>/<file>: the chart's own top level, unless the whole tree is asked for
            if member.isfile() and (len(parts) == 2 or (whole_tree and len(parts) > 2)):
                extracted = archive.extractfile(member)
                files["/".join(parts[1:])] = extracted.read() if extracted else b""
    return files


@cache
def chart_files(chart: str) -> dict[str, bytes]:
    """Top-level files of the pinned `chart` (Chart.yaml, values.yaml, values.schema.json...)."""
    pin = CHARTS[chart]
    mirror = chart_mirror()
    if mirror is None:
        return _upstream(pin)
    folder = mirrored_chart(mirror, pin)
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def chart_tree(chart: str) -> dict[str, bytes]:
    """Every file of the pinned `chart`, its vendored dependencies included, by relative path."""
    pin = CHARTS[chart]
    mirror = chart_mirror()
    if mirror is None:
        return _upstream(pin, whole_tree=True)
    folder = mirrored_chart(mirror, pin)
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def source_name() -> str:
    mirror = chart_mirror()
    return f"mirror {mirror}" if mirror else "the upstream repositories"
