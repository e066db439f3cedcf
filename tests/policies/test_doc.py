"""The committed rule table must match the rules' metadata."""

from gantry_policies import RULES, doc


def test_rule_table_is_current() -> None:
    current = doc.DOC.read_text(encoding="utf-8")
    assert doc.render(current) == current, "run: cd policies && python -m gantry_policies.doc"


def test_every_rule_has_a_row_and_metadata() -> None:
    text = doc.table()
    for rule in RULES:
        assert f"| {rule.id} | `{rule.name}` |" in text
        assert rule.description and rule.remediation and rule.resources
