"""SLO config validation and profile defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from components.alerts.settings import Slo
from gantry.config.slo import SloConfig, default_slos


def test_latency_threshold_must_be_a_bucket_bound() -> None:
    with pytest.raises(ValidationError, match="not a histogram bucket bound"):
        SloConfig(name="latency", kind="latency", objective=0.99, latency_threshold_seconds=0.3)
    assert SloConfig(name="l", kind="latency", objective=0.99, latency_threshold_seconds=1.0)


@pytest.mark.parametrize("objective", [0.0, 1.0, -0.1, 1.5])
def test_objective_is_exclusive_between_0_and_1(objective: float) -> None:
    with pytest.raises(ValidationError):
        SloConfig(name="availability", kind="availability", objective=objective)


def test_error_budget_has_no_float_noise() -> None:
    assert Slo(name="a", kind="availability", objective=0.999).error_budget == 0.001


def test_prod_defaults_are_stricter_than_dev() -> None:
    prod = {s.name: s for s in default_slos("prod", "hello")}
    dev = {s.name: s for s in default_slos("dev", "hello")}
    assert prod["availability"].objective > dev["availability"].objective
    assert prod["latency"].latency_threshold_seconds == 0.25
    with pytest.raises(ValueError, match="no default SLOs"):
        default_slos("staging", "hello")
