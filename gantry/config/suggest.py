""" "Did you mean" for a mistyped key or value: the closest allowed name, if one is close."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(given: str, choices: Iterable[str]) -> str | None:
    """The allowed name nearest to `given`, or None when none is near enough to be a typo."""
    options = [c for c in choices if c != given]
    folded = {c.lower(): c for c in options}
    if given.lower() in folded:
        return folded[given.lower()]
    swapped = [c for low, c in folded.items() if sorted(low) == sorted(given.lower())]
    if len(swapped) == 1:
        return swapped[0]  # two letters swapped: "asw" for "aws"
    matches = difflib.get_close_matches(given.lower(), list(folded), n=1, cutoff=0.75)
    return folded[matches[0]] if matches else None


def did_you_mean(given: object, choices: Iterable[str]) -> str:
    """`; did you mean "x"?` when a close name exists, else an empty string."""
    if not isinstance(given, str):
        return ""
    match = closest(given, choices)
    return f'; did you mean "{match}"?' if match else ""
