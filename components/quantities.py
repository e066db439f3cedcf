"""Kubernetes resource quantities as numbers: `250m` CPU, `512Mi` of memory.

Pure unit arithmetic, shared by the config models (which validate quantities
when the stack is parsed) and the components (which sum requests and derive
GOMEMLIMIT); it knows nothing of either.
"""

from __future__ import annotations

import re
from decimal import Decimal

BINARY_SUFFIXES = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
"""Power-of-two suffixes (bytes)."""
_DECIMAL = {
    "m": Decimal("0.001"),
    "": Decimal(1),
    "k": Decimal(10**3),
    "M": Decimal(10**6),
    "G": Decimal(10**9),
    "T": Decimal(10**12),
    "P": Decimal(10**15),
    "E": Decimal(10**18),
}
_QUANTITY = re.compile(
    r"^(?P<number>[0-9]+(\.[0-9]+)?)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)?$"
)


def parse_quantity(text: str) -> Decimal:
    """Return the value of a Kubernetes quantity in base units (cores or bytes)."""
    match = _QUANTITY.match(text)
    if match is None:
        msg = f"'{text}' is not a Kubernetes quantity (e.g. 250m, 1, 512Mi, 2Gi)"
        raise ValueError(msg)
    number = Decimal(match["number"])
    suffix = match["suffix"] or ""
    if suffix in BINARY_SUFFIXES:
        return number * BINARY_SUFFIXES[suffix]
    return number * _DECIMAL[suffix]


def millicores(text: str) -> int:
    """CPU quantity in millicores, for budgets and sums."""
    return int(parse_quantity(text) * 1000)


def mebibytes(text: str) -> int:
    """Memory quantity in MiB (rounded down), for budgets and GOMEMLIMIT."""
    return int(parse_quantity(text) / 2**20)
