"""GeneratedPassword: the offline stand-in for pulumi-random's RandomPassword."""

from __future__ import annotations

import string

import pytest

from components.generated_password import ALPHABET, GeneratedPasswordProvider, generate


def test_generate_draws_the_length_asked_from_letters_and_digits() -> None:
    values = {generate(32) for _ in range(50)}
    assert len(values) == 50, "every draw differs"
    for value in values:
        assert len(value) == 32
        assert set(value) <= set(ALPHABET)
    assert set(ALPHABET) == set(string.ascii_letters + string.digits)


def test_generate_refuses_a_short_password() -> None:
    with pytest.raises(ValueError, match="at least 16 characters"):
        generate(8)


def test_create_returns_the_password_and_keeps_the_length() -> None:
    created = GeneratedPasswordProvider().create({"length": 24, "result": None})
    assert created.outs is not None
    assert created.outs["length"] == 24
    assert len(created.outs["result"]) == 24


def test_diff_keeps_the_password_unless_the_length_changes() -> None:
    provider = GeneratedPasswordProvider()
    olds = {"length": 32, "result": "x" * 32}
    same = provider.diff("id", olds, {"length": 32, "result": None})
    assert not same.changes
    assert same.replaces == []
    longer = provider.diff("id", olds, {"length": 40, "result": None})
    assert longer.changes
    assert longer.replaces == ["length"]
