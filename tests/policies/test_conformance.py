"""Kubernetes' own Pod Security fixtures, classified by the pack at their level and version.

Each fail/ Pod must be denied with a message naming the control in its file
name; each pass/ Pod allowed; and the same with the spec as every kind's template.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import POD_TYPES, run, wrap_pod
from pod_security_fixtures import FixturesMissingError, load_fixtures

PSS_RULES = ["K01", "K02", "K03", "K04", "K05", "K06", "K07", "K08", "K09", "K10"]


def _cases() -> list[Any]:
    """One case per fixture; if they cannot be read, one case that fails saying how to get them.

    A collection error would hide every other test of the run, so the
    missing fixtures fail here, alone, with the command that fetches them.
    """
    try:
        fixtures = load_fixtures()
    except FixturesMissingError as error:
        return [pytest.param("", "", "", None, str(error), id="fixtures-missing")]
    return [
        pytest.param(
            f.version,
            f.level,
            f.expect,
            f.path,
            None,
            id=f"{f.version}-{f.level}-{f.expect}-{f.path.stem}",
        )
        for f in fixtures
    ]


CASES = _cases()


def _messages(kind: str, level: str, version: str, pod: dict[str, object]) -> list[str]:
    config = {"podSecurity": {"level": level, "version": version}}
    props = wrap_pod(kind, pod)
    return [m for rule in PSS_RULES for m in run(rule, POD_TYPES[kind], props, config)]


@pytest.mark.parametrize("kind", list(POD_TYPES))
@pytest.mark.parametrize(("version", "level", "expect", "path", "missing"), CASES)
def test_fixture_is_classified(
    *, kind: str, version: str, level: str, expect: str, path: Path | None, missing: str | None
) -> None:
    if missing is not None or path is None:
        pytest.fail(f"Pod Security fixtures unavailable: {missing}")
    pod = yaml.safe_load(path.read_text(encoding="utf-8"))
    messages = _messages(kind, level, version, pod)
    if expect == "pass":
        assert messages == []
        return
    control = re.sub(r"\d+$", "", path.stem)
    named = [m for m in messages if re.search(rf"\(([^)]*\b)?{control}\b", m, re.IGNORECASE)]
    assert named, f"{path.name}: no message names {control}: {messages}"
    assert all(f'Pod Security "{level}"' in m for m in messages)
