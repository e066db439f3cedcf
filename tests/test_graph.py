"""Each committed stack registers exactly the graph in tests/graphs/<stack>.txt.

One line per resource (type, name, parent, provider and a hash of its inputs,
tests/graph_dump.py), so a refactor that must not change what is deployed
proves it, and a change that should shows up in review as the lines it moves.
After an intended change: `make graphs`, and say in the commit why the lines moved.
"""

from __future__ import annotations

import difflib

import graph_dump
import pytest


@pytest.mark.parametrize("stack", graph_dump.STACKS)
def test_the_stack_graph_is_the_committed_one(stack: str) -> None:
    committed = (graph_dump.GRAPHS / f"{stack}.txt").read_text().splitlines()
    current = graph_dump.lines(*graph_dump.run(stack))
    diff = list(difflib.unified_diff(committed, current, "committed", "now", lineterm="", n=0))
    assert not diff, (
        f"the {stack} stack's graph changed (if that is intended, run `make graphs` and say"
        " why in the commit):\n" + "\n".join(diff)
    )
