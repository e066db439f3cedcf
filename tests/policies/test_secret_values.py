"""K18 by value: every true positive of the corpus is found, no realistic negative is.

The rate in docs/policies.md (false positives / negatives) comes from this corpus;
the test fails on the first value that moves it.
"""

from __future__ import annotations

import pytest
from engine import Engine
from gantry_policies.secret_values import secret_in
from helpers import POD_TYPES, policy
from secret_corpus import NEGATIVES, POSITIVES
from test_rule_contract import pack_config

CM = "kubernetes:core/v1:ConfigMap"


def test_corpus_is_large_enough() -> None:
    assert len(POSITIVES) >= 30 and len(NEGATIVES) >= 30


@pytest.mark.parametrize(("name", "value"), POSITIVES, ids=[n for n, _ in POSITIVES])
def test_true_positive_is_found(name: str, value: str) -> None:
    assert secret_in(value) is not None, name


@pytest.mark.parametrize(("name", "value"), NEGATIVES, ids=[n for n, _ in NEGATIVES])
def test_realistic_negative_passes(name: str, value: str) -> None:
    assert secret_in(value) is None, name


def test_every_positive_is_denied_in_a_config_map_under_an_innocent_key() -> None:
    engine = Engine(pack_config({}))
    k18 = policy("K18").name
    for name, value in POSITIVES:
        props = {"metadata": {"name": "cfg", "namespace": "apps"}, "data": {"app.conf": value}}
        found = engine.analyze(CM, props, "cfg").of(k18)
        assert [d.level for d in found] == ["mandatory"], name


def test_negatives_pass_as_config_map_and_env() -> None:
    engine = Engine(pack_config({}))
    k18 = policy("K18").name
    data = {f"k{i}": value for i, (_, value) in enumerate(NEGATIVES)}
    props = {"metadata": {"name": "cfg", "namespace": "apps"}, "data": data}
    assert engine.analyze(CM, props, "cfg").of(k18) == []
    env = [{"name": f"V{i}", "value": value} for i, (_, value) in enumerate(NEGATIVES)]
    pod = {
        "metadata": {"name": "p", "namespace": "apps"},
        "spec": {"containers": [{"name": "app", "image": "reg.example/x:1", "env": env}]},
    }
    assert engine.analyze(POD_TYPES["Pod"], pod, "p").of(k18) == []
