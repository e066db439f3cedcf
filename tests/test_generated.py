"""Generated docs and data files are current, `make docs` rewrites each, and every
`make` target the README and docs name exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from scripts import cloud_regions, generated
from scripts.generated import GENERATORS, REGENERATE, stale_messages
from tests.make_runner import run_make

REPO = Path(__file__).resolve().parent.parent


def _make_n(*targets: str) -> subprocess.CompletedProcess[str]:
    return run_make(REPO, "-n", *targets, timeout=60)


def test_every_generated_file_is_current() -> None:
    assert stale_messages() == [], f"run `{REGENERATE}`"


@pytest.mark.parametrize("generator", GENERATORS, ids=[g.target for g in GENERATORS])
def test_make_docs_runs_every_generator(generator: object) -> None:
    target, module = generator.target, generator.module  # type: ignore[attr-defined]
    docs = _make_n("docs")
    assert docs.returncode == 0, docs.stderr
    assert module in docs.stdout, f"`make docs` does not run {module}"
    own = _make_n(target)
    assert own.returncode == 0 and module in own.stdout, own.stderr


def test_make_docs_runs_nothing_else() -> None:
    """A generator in the Makefile but not in scripts/generated.py would go unchecked."""
    makefile = (REPO / "Makefile").read_text()
    listed = re.search(r"^DOC_GENERATORS := (.+)$", makefile, re.MULTILINE)
    assert listed is not None
    assert listed.group(1).split() == [g.target for g in GENERATORS]


def test_cloud_regions_match_the_installed_sdks() -> None:
    text = cloud_regions.DATA.read_text(encoding="utf-8")
    assert text == cloud_regions.render(), f"gantry/config/cloud_regions.json: run `{REGENERATE}`"
    assert "eu-west-1" in cloud_regions.collect()["aws"]["regions"]  # type: ignore[operator]
    assert "westeurope" in cloud_regions.collect()["azure"]["regions"]  # type: ignore[operator]


def test_a_stale_file_is_reported_with_the_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generated, "render_reference", lambda: "something else\n")
    assert stale_messages() == [
        f"docs/config-reference.md: stale, generated from its sources; run `{REGENERATE}`"
    ]


# --- every `make X` the documentation names exists -------------------------------------------

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md")), REPO / "app" / "README.md"]
_INLINE = re.compile(r"`make ([a-z][-a-z0-9]*)[^`]*`")
_FENCED_LINE = re.compile(r"^\s*make ([a-z][-a-z0-9]*)", re.MULTILINE)
_FENCE = re.compile(r"```[a-z]*\n(.*?)```", re.DOTALL)


def documented_targets() -> dict[str, list[str]]:
    """Make target -> the documents that tell a reader to run it."""
    found: dict[str, list[str]] = {}
    for document in DOCUMENTS:
        text = document.read_text(encoding="utf-8")
        names = set(_INLINE.findall(text))
        for block in _FENCE.findall(text):
            names.update(_FENCED_LINE.findall(block))
        for name in names:
            found.setdefault(name, []).append(str(document.relative_to(REPO)))
    return found


def test_the_docs_name_the_everyday_targets() -> None:
    assert {"test", "up", "down", "check", "docs"} <= set(documented_targets())


def _phony() -> set[str]:
    database = _make_n("-p", "help").stdout
    line = next(x for x in database.splitlines() if x.startswith(".PHONY:"))
    return set(line.removeprefix(".PHONY:").split())


@pytest.mark.parametrize("target", sorted(documented_targets()))
def test_documented_make_target_exists(target: str) -> None:
    result = _make_n(target, "STACK=dev")
    where = ", ".join(documented_targets()[target])
    assert result.returncode == 0, f"`make {target}` (named in {where}): {result.stderr.strip()}"
    assert target in _phony(), (
        f"`make {target}` is not .PHONY: a file or folder of that name would make it a no-op"
    )
