"""Kubernetes' own Pod Security fixtures, classified by the pack at their level and version.

Each fail/ Pod must be denied with a message naming the control in its file
name; each pass/ Pod allowed; and the same with the spec as every kind's template.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import POD_TYPES, run, wrap_pod

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "conformance" / "pod-security"
PSS_RULES = ["K01", "K02", "K03", "K04", "K05", "K06", "K07", "K08", "K09", "K10"]


def _cases() -> list[tuple[str, str, str, Path]]:
    if not FIXTURES.is_dir():
        raise RuntimeError(
            f"Pod Security fixtures missing: expected {FIXTURES} (shared/ beside the repo)"
        )
    cases = []
    for path in sorted(FIXTURES.glob("v1.*/*/*/*.yaml")):
        version, level, expect = path.parts[-4], path.parts[-3], path.parts[-2]
        cases.append((version.removeprefix("v"), level, expect, path))
    if len(cases) < 100:
        raise RuntimeError(f"only {len(cases)} fixtures under {FIXTURES}")
    return cases


CASES = _cases()


def _messages(kind: str, level: str, version: str, pod: dict[str, object]) -> list[str]:
    config = {"podSecurity": {"level": level, "version": version}}
    props = wrap_pod(kind, pod)
    return [m for rule in PSS_RULES for m in run(rule, POD_TYPES[kind], props, config)]


@pytest.mark.parametrize("kind", list(POD_TYPES))
@pytest.mark.parametrize(
    ("version", "level", "expect", "path"),
    CASES,
    ids=[f"{v}-{lvl}-{e}-{p.stem}" for v, lvl, e, p in CASES],
)
def test_fixture_is_classified(
    kind: str, version: str, level: str, expect: str, path: Path
) -> None:
    pod = yaml.safe_load(path.read_text(encoding="utf-8"))
    messages = _messages(kind, level, version, pod)
    if expect == "pass":
        assert messages == []
        return
    control = re.sub(r"\d+$", "", path.stem)
    named = [m for m in messages if re.search(rf"\(([^)]*\b)?{control}\b", m, re.IGNORECASE)]
    assert named, f"{path.name}: no message names {control}: {messages}"
    assert all(f'Pod Security "{level}"' in m for m in messages)
