"""K18 by value: every true positive of the corpus is found, no realistic negative is.

The rate in docs/policies.md (false positives / negatives) comes from this corpus and
from the pinned charts and this repository, where nothing may be found; the tests fail
on the first value that moves either.
"""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import pytest
from cases import workload
from engine import Engine
from gantry_policies.secret_values import secret_in
from helpers import POD_TYPES, policy
from secret_corpus import NEGATIVES, POSITIVES
from test_rule_contract import pack_config

from components.versions import CHARTS
from tests.charts import chart_tree

CM = "kubernetes:core/v1:ConfigMap"
REPO = Path(__file__).resolve().parents[2]
HOLDS_FAKE_SECRETS = {
    "tests/policies/secret_corpus.py": "the corpus: fakes assembled from pieces",
    "tests/policies/cases.py": "K18's failing workload cases",
    "tests/policies/cluster_cases.py": "K18's failing ConfigMap cases",
    "policies/gantry_policies/secret_values.py": "the patterns themselves",
    "docs/policies.md": "K18's documentation quotes the formats",
}
"""Committed files that show a secret format on purpose, and why; nothing else may."""


def test_corpus_is_large_enough() -> None:
    assert len(POSITIVES) >= 60 and len(NEGATIVES) >= 60


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


def test_negatives_pass_as_config_map_data() -> None:
    data = {f"k{i}": value for i, (_, value) in enumerate(NEGATIVES)}
    props = {"metadata": {"name": "cfg", "namespace": "apps"}, "data": data}
    assert Engine(pack_config({})).analyze(CM, props, "cfg").of(policy("K18").name) == []


@pytest.mark.parametrize("kind", list(POD_TYPES))
def test_negatives_pass_as_env_values_of_every_kind(kind: str) -> None:
    env = [{"name": f"V{i}", "value": value} for i, (_, value) in enumerate(NEGATIVES)]
    props = workload(kind, [(("spec", "containers", 0, "env"), env)])
    found = Engine(pack_config({})).analyze(POD_TYPES[kind], props, "hello")
    assert found.of(policy("K18").name) == []


@pytest.mark.parametrize("kind", list(POD_TYPES))
def test_every_positive_is_denied_in_an_env_value_of_every_kind(kind: str) -> None:
    env = [{"name": f"V{i}", "value": value} for i, (_, value) in enumerate(POSITIVES)]
    props = workload(kind, [(("spec", "containers", 0, "env"), env)])
    found = Engine(pack_config({})).analyze(POD_TYPES[kind], props, "hello").of(policy("K18").name)
    flagged = {d.message.split('"')[1] for d in found if d.level == "mandatory"}
    assert flagged == {f"V{i}" for i in range(len(POSITIVES))}


def _binary_data(values: list[tuple[str, str]]) -> dict[str, object]:
    encoded = {f"k{i}": base64.b64encode(v.encode()).decode() for i, (_, v) in enumerate(values)}
    return {"metadata": {"name": "cfg", "namespace": "apps"}, "binaryData": encoded}


def test_binary_data_holds_the_same_findings_as_data() -> None:
    engine = Engine(pack_config({}))
    found = engine.analyze(CM, _binary_data(POSITIVES), "cfg").of(policy("K18").name)
    assert {d.message.split('"')[1] for d in found} == {f"k{i}" for i in range(len(POSITIVES))}
    assert engine.analyze(CM, _binary_data(NEGATIVES), "cfg").of(policy("K18").name) == []


def _texts(files: dict[str, bytes]) -> dict[str, str]:
    texts = {}
    for name, blob in files.items():
        try:
            texts[name] = blob.decode("utf-8")
        except UnicodeDecodeError:
            continue  # images and archives: never a ConfigMap value or an env value as text
    return texts


@pytest.mark.parametrize("chart", sorted(CHARTS))
def test_nothing_is_found_in_the_pinned_charts(chart: str) -> None:
    """Values, templates, dashboards and READMEs of each pinned chart and its dependencies."""
    texts = _texts(chart_tree(chart))
    assert len(texts) > 10
    found = {name: what for name, text in texts.items() if (what := secret_in(text))}
    assert found == {}


def test_nothing_is_found_in_the_repository_but_its_fixtures() -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True
    ).stdout.decode()
    paths = [p for p in listed.split("\0") if p and (REPO / p).is_file()]
    texts = _texts({p: (REPO / p).read_bytes() for p in paths if p not in HOLDS_FAKE_SECRETS})
    assert len(texts) > 200
    found = {name: what for name, text in texts.items() if (what := secret_in(text))}
    assert found == {}
    assert all(secret_in((REPO / p).read_text()) for p in HOLDS_FAKE_SECRETS), "a stale entry"
