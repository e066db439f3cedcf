"""Kubernetes resource quantities, validated when the config is parsed.

The API server would reject a bad quantity only after half the stack exists;
parsing here lets `pulumi preview` fail before any resource is registered.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
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
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    return number * _DECIMAL[suffix]


def _cpu(text: str) -> str:
    value = parse_quantity(text)
    if value <= 0:
        msg = f"CPU quantity '{text}' must be greater than zero"
        raise ValueError(msg)
    if text.endswith(tuple(_BINARY)):
        msg = f"CPU quantity '{text}' uses a byte suffix; use cores (1, 0.5) or millicores (250m)"
        raise ValueError(msg)
    return text


def _memory(text: str) -> str:
    value = parse_quantity(text)
    if value < 4 * 2**20:
        msg = f"memory quantity '{text}' is below 4Mi; use e.g. 128Mi or 1Gi"
        raise ValueError(msg)
    if text.endswith("m"):
        msg = f"memory quantity '{text}' uses millis; use Mi or Gi"
        raise ValueError(msg)
    return text


def _storage(text: str) -> str:
    if parse_quantity(text) < 2**30:
        msg = f"storage size '{text}' is below 1Gi"
        raise ValueError(msg)
    return text


CpuQuantity = Annotated[str, AfterValidator(_cpu)]
MemoryQuantity = Annotated[str, AfterValidator(_memory)]
StorageQuantity = Annotated[str, AfterValidator(_storage)]


def millicores(text: str) -> int:
    """CPU quantity in millicores, for budgets and sums."""
    return int(parse_quantity(text) * 1000)


def mebibytes(text: str) -> int:
    """Memory quantity in MiB (rounded down), for budgets and GOMEMLIMIT."""
    return int(parse_quantity(text) / 2**20)
