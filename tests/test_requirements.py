"""Every pinned package is used: imported by some Python file, or run as a tool.

A pin nobody imports still gets installed, scanned and upgraded by hand; this
test names each one so that it is removed (or its tool use written down).
"""

from __future__ import annotations

import ast
import re
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIPPED_DIRS = {".venv", ".git", "node_modules", "out", ".pulumi", "__pycache__"}

TOOLS: dict[str, str] = {
    "pytest": "pytest",
    "ruff": "ruff",
    "mypy": "mypy",
    "checkov": "checkov",
}
"""Packages used as commands, never imported: package -> the command the build runs."""

PYTEST_PLUGINS: dict[str, str] = {"pytest-xdist": "-n"}
"""pytest plugins, never imported: package -> the option of theirs the build passes to pytest."""

STUBS: dict[str, str] = {"types-pyyaml": "yaml"}
"""Type stubs: used when the module they describe is imported."""

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^]]*\])?\s*==")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _files(pattern: str) -> list[Path]:
    return sorted(
        p for p in REPO.rglob(pattern) if not SKIPPED_DIRS.intersection(p.relative_to(REPO).parts)
    )


def pinned_packages() -> dict[str, Path]:
    """Every `name==version` line of every requirements*.txt: normalized name -> its file."""
    pins: dict[str, Path] = {}
    for path in _files("requirements*.txt"):
        for line in path.read_text().splitlines():
            if match := _PIN.match(line.strip()):
                pins[_normalize(match.group(1))] = path
    return pins


def imported_modules() -> set[str]:
    """Top-level module names imported anywhere in the repository's Python files."""
    modules: set[str] = set()
    for path in _files("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                modules.add(node.module.split(".")[0])
    return modules


def _modules_of(package: str) -> set[str]:
    """The top-level modules an installed distribution provides."""
    provided = metadata.packages_distributions()
    return {module for module, dists in provided.items() if package in map(_normalize, dists)}


def _build_text() -> str:
    files = [REPO / "Makefile", REPO / ".ci" / "run", *_files("*.sh"), *_files("*.yml")]
    return "\n".join(p.read_text() for p in files if p.is_file())


def unused_packages(pins: dict[str, Path] | None = None) -> list[str]:
    """The pinned packages nothing imports (or, for tools, nothing runs), with their file."""
    imported = imported_modules()
    build = _build_text()
    unused = []
    for package, path in sorted((pins if pins is not None else pinned_packages()).items()):
        if package in TOOLS:
            if not re.search(rf"\b{re.escape(TOOLS[package])}\b", build):
                unused.append(f"{package} ({path.name}: tool never run)")
        elif package in PYTEST_PLUGINS:
            option = re.escape(PYTEST_PLUGINS[package])
            if not re.search(rf"\bpytest\b[^\n]*\s{option}\s", build):
                unused.append(f"{package} ({path.name}: pytest option never passed)")
        elif package in STUBS:
            if STUBS[package] not in imported:
                unused.append(f"{package} ({path.name}: stubs for a module nobody imports)")
        elif not _modules_of(package) & imported:
            unused.append(f"{package} ({path.name})")
    return unused


def test_the_pins_are_read() -> None:
    pins = pinned_packages()
    assert {"pulumi", "pulumi-kubernetes", "pydantic", "pytest", "pulumi-policy"} <= set(pins)


def test_every_pinned_package_is_imported_or_run() -> None:
    unused = unused_packages()
    assert unused == [], "pinned but never imported or run: " + ", ".join(unused)


def test_the_check_catches_an_unused_pin() -> None:
    """pip is installed and never imported, as pulumi-eks was: pinned, it would be reported."""
    requirements = REPO / "requirements.txt"
    assert _modules_of("pip"), "pip provides modules, so the check below is not vacuous"
    assert unused_packages({"pip": requirements, "pydantic": requirements}) == [
        "pip (requirements.txt)"
    ]
