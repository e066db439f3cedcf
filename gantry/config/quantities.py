"""Kubernetes resource quantities, validated when the config is parsed.

The API server would reject a bad quantity only after half the stack exists;
parsing here lets `pulumi preview` fail before any resource is registered.
The arithmetic itself is `components/quantities.py`, which components use too.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from components.quantities import BINARY_SUFFIXES, parse_quantity


def _cpu(text: str) -> str:
    value = parse_quantity(text)
    if value <= 0:
        msg = f"CPU quantity '{text}' must be greater than zero"
        raise ValueError(msg)
    if text.endswith(tuple(BINARY_SUFFIXES)):
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
