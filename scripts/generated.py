"""Every generated doc and data file, how `make docs` rewrites it and how to tell it is stale.

    python scripts/generated.py --check     (part of `make check`; exit 1 naming `make docs`)

One entry per generator. `make docs` runs each entry's Makefile target (the
`DOC_GENERATORS` list); tests/test_generated.py checks the two lists agree.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
for entry in (REPO, REPO / "policies", REPO / "scripts"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import cloud_regions  # noqa: E402
from gantry_policies import config, doc  # noqa: E402

from gantry.config import StackConfigError  # noqa: E402
from gantry.config.reference import DOC, render_reference  # noqa: E402
from gantry.package import schema_file  # noqa: E402

REGENERATE = "make docs"


@dataclass(frozen=True)
class Generator:
    target: str
    """The Makefile target under `make docs` that rewrites the files."""
    module: str
    """The Python module that target runs (checked against `make -n`)."""
    stale: Callable[[], list[str]]
    """Repository-relative paths whose committed text differs from a fresh render."""


def _differs(path: Path, text: str) -> list[str]:
    current = path.read_text(encoding="utf-8") if path.is_file() else None
    return [] if current == text else [str(path.relative_to(REPO))]


def _config_reference() -> list[str]:
    return _differs(DOC, render_reference())


def _rule_table() -> list[str]:
    return _differs(doc.DOC, doc.render(doc.DOC.read_text(encoding="utf-8")))


def _pack_configs() -> list[str]:
    return [str(path.relative_to(REPO)) for path in config.stale(REPO)]


def _cloud_regions() -> list[str]:
    return _differs(cloud_regions.DATA, cloud_regions.render())


GENERATORS = (
    Generator("docs-config-reference", "gantry.config.reference", _config_reference),
    Generator("policy-config", "gantry_policies.config", _pack_configs),
    Generator("policy-docs", "gantry_policies.doc", _rule_table),
    Generator("docs-cloud-regions", "scripts/cloud_regions.py", _cloud_regions),
    Generator("docs-package-schema", "gantry.package.schema_file", schema_file.stale),
)


def stale_messages(reported: frozenset[str] = frozenset()) -> list[str]:
    """One line per stale file, each naming the command that regenerates it.

    `reported`: stacks whose invalid config the caller already lists; a
    generator that cannot render because of them adds nothing.
    """
    lines = []
    for generator in GENERATORS:
        try:
            stale = generator.stale()
        except StackConfigError as error:  # `make check STACK=<that stack>` says why
            if error.stack in reported:
                continue
            lines.append(
                f"`make {generator.target}` cannot render: stack '{error.stack}' is invalid "
                f"(`make check STACK={error.stack}`)"
            )
            continue
        except ValueError as error:  # a broken source (bad JSON, bad settings): say which
            lines.append(f"`make {generator.target}` cannot render: {error}")
            continue
        lines.extend(
            f"{path}: stale, generated from its sources; run `{REGENERATE}`" for path in stale
        )
    return lines


def main(argv: list[str]) -> int:
    if argv != ["--check"]:
        print("usage: python scripts/generated.py --check", file=sys.stderr)
        return 2
    problems = stale_messages()
    for line in problems:
        print(line, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
