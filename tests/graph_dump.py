"""The resource graph of a committed stack under mocks, one line per resource.

Each line is a resource's type, name, parent (type and name) and a short hash of
its inputs, sorted, so that a refactor that must not change what is deployed can
be checked by comparing two dumps (tests/test_graph.py compares against the
committed tests/graphs/<stack>.txt).

What differs between machines or checkouts, not between programs, is replaced
before hashing: the checkout's path, and the image's input fingerprint, revision
and time (which move with every change to app/); the chart mirror is fixed.

    .venv/bin/python tests/graph_dump.py            # print every stack's graph
    .venv/bin/python tests/graph_dump.py --write    # regenerate tests/graphs/ (make graphs)
    .venv/bin/python tests/graph_dump.py --json DIR # full inputs per stack, for a diff
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
GRAPHS = TESTS / "graphs"
STACKS = ("local", "dev", "prod")
CHART_MIRROR = "/chart-mirror"
"""Charts are read from here (never opened under mocks), whatever the machine has."""


def _normalise(text: str, replacements: dict[str, str]) -> str:
    for old, new in replacements.items():
        if old:
            text = text.replace(old, new)
    return text


def _replacements(sources: list[Any]) -> dict[str, str]:
    """Machine- and checkout-specific strings, longest first, and their stand-ins."""
    found = {str(REPO): "<repo>"}
    for source in sources:
        found[source.fingerprint] = "<fingerprint>"
        found[source.fingerprint[:12]] = "<fingerprint>"
        found[source.revision] = "<revision>"
        found[source.created] = "<created>"
    return dict(sorted(found.items(), key=lambda item: -len(item[0])))


def _parent(recording: Any, urn: str) -> str:
    for resource in recording.resources:
        if resource.urn == urn:
            return f"{resource.type}::{resource.name}"
    return "-"


def records(recording: Any, sources: list[Any]) -> list[dict[str, Any]]:
    """Every resource as type, name, parent, provider and (normalised) inputs, sorted;
    `sources` are the image's `SourceInfo`s seen during the run."""
    replacements = _replacements(sources)
    out = []
    for resource in recording.resources:
        inputs = _normalise(json.dumps(resource.inputs, sort_keys=True), replacements)
        out.append(
            {
                "type": resource.type,
                "name": resource.name,
                "parent": _parent(recording, resource.parent),
                "provider": (resource.provider or "-").split("::")[-1],
                "inputs": json.loads(inputs),
            }
        )
    return sorted(out, key=lambda r: (r["type"], r["name"], r["parent"]))


def lines(recording: Any, sources: list[Any]) -> list[str]:
    """One line per resource: `type name parent=... provider=... inputs=<12 hex>`."""
    result = []
    for record in records(recording, sources):
        inputs = json.dumps(record["inputs"], sort_keys=True).encode()
        digest = hashlib.sha256(inputs).hexdigest()[:12]
        result.append(
            f"{record['type']} {record['name']} parent={record['parent']}"
            f" provider={record['provider']} inputs={digest}"
        )
    return result


def run(stack: str) -> tuple[Any, list[Any]]:
    """The stack's recording (tests/test_program.py's run), and the image sources it saw."""
    for path in (str(TESTS), str(REPO), str(REPO / "policies")):
        if path not in sys.path:
            sys.path.append(path)
    import pytest  # noqa: PLC0415
    import test_program  # noqa: PLC0415 - needs the paths above

    from components.go_image import component  # noqa: PLC0415

    sources: list[Any] = []
    real = component.source_info

    def recorded(*args: Any, **kwargs: Any) -> Any:
        sources.append(real(*args, **kwargs))
        return sources[-1]

    patch = pytest.MonkeyPatch()
    patch.setattr(component, "source_info", recorded)
    patch.setenv("GANTRY_CHART_MIRROR", CHART_MIRROR)
    try:
        return test_program.run_stack.__wrapped__(stack), sources
    finally:
        patch.undo()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--json"]:
        target = Path(argv[1])
        target.mkdir(parents=True, exist_ok=True)
        for stack in STACKS:
            text = json.dumps(records(*run(stack)), indent=1, sort_keys=True)
            (target / f"{stack}.json").write_text(text + "\n")
        return 0
    for stack in STACKS:
        text = "\n".join(lines(*run(stack))) + "\n"
        if argv[:1] == ["--write"]:
            GRAPHS.mkdir(exist_ok=True)
            (GRAPHS / f"{stack}.txt").write_text(text)
        else:
            sys.stdout.write(f"# {stack}\n{text}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
