"""The rule-kind registry (forms.rules): every kind registered, and each kind's scoring,
description, set checks and answer checks reached through it; the docs' rule table kept
in step with it."""

from __future__ import annotations

import dataclasses
import re
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings

from forms.criteria import Choice, CriteriaSet, Field, FieldKind, Indicator, RuleKind, Tier
from forms.criteria_checks import check_set
from forms.i18n import _
from forms.reference import reference_set
from forms.review.scoring import score_from_points
from forms.rule_text import describe_rule, rule_kind_name
from forms.rules import REGISTRY, rule_kind
from forms.scoring import indicator_points, score
from forms.validation import validate_indicator
from tests.forms.sample_sets import kinds_set
from tests.forms.test_scoring_properties import CS as REFERENCE
from tests.forms.test_scoring_properties import answers as reference_answers

DOCS = Path(__file__).resolve().parents[2] / "docs" / "criteria-format.md"
TINY = kinds_set()
# one indicator of each kind in the tiny set
SAMPLE = {
    RuleKind.COUNT_TIERS: "1.1",
    RuleKind.RATIO: "1.2",
    RuleKind.CHOICE: "2.1",
    RuleKind.YES_NO: "2.2.1",
    RuleKind.PERCENT_TIERS: "2.2.2",
    RuleKind.SUM: "2.2",
    RuleKind.DIRECT: "3.1",
    RuleKind.INFO: "4.1",
    RuleKind.TARGET: "5.1",
}


def test_every_rule_kind_is_registered_under_its_own_name():
    assert set(REGISTRY) == set(RuleKind)
    for kind, spec in REGISTRY.items():
        assert spec.kind is kind and rule_kind(kind) is spec
        assert spec.name and rule_kind_name(kind) == _(spec.name)


def test_the_sample_set_uses_every_kind():
    assert {TINY.indicator(code).rule.kind: code for code in SAMPLE.values()} == SAMPLE


@pytest.mark.parametrize("kind", list(RuleKind))
def test_description_comes_from_the_kind(kind):
    ind = TINY.indicator(SAMPLE[kind])
    assert describe_rule(ind) == REGISTRY[kind].describe(ind) != ""


@pytest.mark.parametrize("kind", list(RuleKind))
def test_each_kind_reads_fields_of_its_declared_kinds(kind):
    ind = TINY.indicator(SAMPLE[kind])
    spec = REGISTRY[kind]
    keys = spec.read_keys(ind.rule)
    assert len(keys) == len(spec.reads)
    for key in keys:
        fld = ind.field(key)
        assert fld is not None and fld.kind in spec.field_kinds
    assert spec.sums_children == bool(ind.children)


# (indicator, values, points): every kind scored through the registry, clamped by scoring
SCORING = [
    ("1.1", {"count": 5}, D(20)),
    ("1.1", {"count": 3}, D(15)),
    ("1.1", {"count": 0}, D(0)),
    ("1.1", {"count": "x"}, D(0)),
    ("1.2", {"a": 1, "b": 4}, D("2.5")),
    # issue 15: an invalid value scores 0 while it is invalid (it showed 15/20, 10/10, 10/10)
    ("1.1", {"count": "3,5"}, D(0)),
    ("1.1", {"count": "3.0"}, D(15)),  # a whole number written with a decimal is one
    ("1.2", {"a": 9, "b": 4}, D(0)),
    ("2.2.2", {"pct": 120}, D(0)),
    ("2.2.2", {"pct": "100"}, D(10)),
    ("2.1", {"choice": 5}, D(0)),
    ("1.2", {"a": 0, "b": 0}, D(0)),  # b = 0 as the rule says: zero
    ("1.2", {"a": -1, "b": 4}, D(0)),
    ("2.1", {"choice": "vice"}, D(5)),
    ("2.1", {"choice": "other"}, D(0)),
    ("2.2.1", {"yes": True}, D(5)),
    ("2.2.1", {"yes": "không"}, D(0)),
    ("2.2.2", {"pct": "75,5"}, D(5)),
    ("2.2.2", {"pct": 90}, D(10)),
    ("3.1", {"points": "7.5"}, D("7.5")),
    ("3.1", {"points": 99}, D(0)),  # above the maximum: a typo, not full marks
    ("3.1", {"points": "8"}, D(8)),
    ("3.1", {"points": -3}, D(0)),
]


@pytest.mark.parametrize(("code", "values", "points"), SCORING)
def test_scoring_per_kind(code, values, points):
    ind = TINY.indicator(code)
    assert indicator_points(ind, {code: values}) == points
    assert score(TINY, {code: values}).indicators[code] == points


def test_a_sum_adds_its_children_through_the_registry():
    answers = {"2.2.1": {"yes": True}, "2.2.2": {"pct": 95}}
    assert indicator_points(TINY.indicator("2.2"), answers) == D(12)  # 15 capped at 12


def _swap(ind: Indicator, changed: Indicator) -> Indicator:
    if ind.code == changed.code:
        return changed
    return dataclasses.replace(ind, children=tuple(_swap(c, changed) for c in ind.children))


def _set_with(changed: Indicator) -> CriteriaSet:
    """The tiny set with the indicator of ``changed``'s code (at any depth) replaced."""
    pillars = tuple(
        dataclasses.replace(p, indicators=tuple(_swap(i, changed) for i in p.indicators))
        for p in TINY.pillars
    )
    return dataclasses.replace(TINY, pillars=pillars)


def _with_rule(code: str, **changes) -> list[str]:
    """The problem codes of the tiny set with ``code``'s rule changed."""
    ind = TINY.indicator(code)
    changed = dataclasses.replace(ind, rule=dataclasses.replace(ind.rule, **changes))
    return [p.code for p in check_set(_set_with(changed))]


def test_the_sample_set_is_clean():
    assert check_set(TINY) == []


# (indicator, rule changes, the problem each kind's own checks report)
SET_CHECKS = [
    ("2.2.1", {"tiers": (Tier(D(1), D(5)),)}, "rule_extra"),
    ("2.2.1", {"field": "nope"}, "rule_field_unknown"),
    ("2.1", {"choices": (Choice("only", "Một", D(10)),)}, "no_choices"),
    ("2.1", {"tiers": (Tier(D(1), D(5)),)}, "rule_extra"),
    ("1.1", {"tiers": ()}, "no_tiers"),
    ("1.1", {"tiers": (Tier(D("1.5"), D(20)),)}, "tier_not_integer"),
    ("1.1", {"choices": (Choice("a", "A", D(1)),)}, "rule_extra"),
    ("2.2.2", {"tiers": (Tier(D(150), D(10)),)}, "tier_range"),
    ("1.2", {"denominator": "a"}, "ratio_same_field"),
    ("1.2", {"numerator": ""}, "rule_field_missing"),
    ("3.1", {"choices": (Choice("a", "A", D(1)),)}, "rule_extra"),
    ("3.1", {"kind": RuleKind.SUM}, "sum_without_children"),
    ("2.2", {"kind": RuleKind.YES_NO}, "children_need_sum"),
]


@pytest.mark.parametrize(("code", "changes", "problem"), SET_CHECKS)
def test_set_checks_per_kind(code, changes, problem):
    assert problem in _with_rule(code, **changes)


@pytest.mark.parametrize("kind", [k for k in RuleKind if REGISTRY[k].reads])
def test_a_field_of_the_wrong_kind_is_named_with_the_kinds_allowed(kind):
    ind = TINY.indicator(SAMPLE[kind])
    wrong = next(k for k in FieldKind if k not in REGISTRY[kind].field_kinds)
    fields = tuple(dataclasses.replace(f, kind=wrong) for f in ind.fields)
    problems = check_set(_set_with(dataclasses.replace(ind, fields=fields)))
    allowed = " / ".join(k.value for k in REGISTRY[kind].field_kinds)
    assert any(p.code == "rule_field_kind" and f"loại {allowed}," in p.message for p in problems)


# (indicator, values, the problem the kind's answer checks report)
ANSWER_CHECKS = [
    ("3.1", {"points": 9}, "above_max"),  # direct: its field's ceiling is the maximum
    ("1.2", {"a": 5, "b": 4}, "numerator_gt_denominator"),  # ratio: across fields
    ("2.1", {"choice": "other"}, "unknown_choice"),  # choice: the rule's options
]


@pytest.mark.parametrize(("code", "values", "problem"), ANSWER_CHECKS)
def test_answer_checks_per_kind(code, values, problem):
    assert [p.code for p in validate_indicator(TINY, code, values)] == [problem]


def test_only_the_rule_field_is_held_to_the_maximum_or_the_options():
    number = Field("other", FieldKind.NUMBER, "Khác")
    option = Field("other", FieldKind.CHOICE, "Khác")
    assert REGISTRY[RuleKind.DIRECT].ceiling(TINY.indicator("3.1"), number) is None
    assert REGISTRY[RuleKind.CHOICE].choice_keys(TINY.indicator("2.1"), option) is None
    assert REGISTRY[RuleKind.RATIO].ceiling(TINY.indicator("1.2"), number) is None


@settings(max_examples=40, deadline=None)
@given(reference_answers())
def test_one_roll_up_for_answers_and_for_verified_points(given_answers):
    """score and score_from_points share the pillar roll-up: the leaves' points from one
    give the other's pillars, total and classification exactly (to the exponent)."""
    scored = score(REFERENCE, given_answers)
    leaves = {ind.code: scored.indicators[ind.code] for ind in REFERENCE.leaves()}
    again = score_from_points(REFERENCE, leaves)
    assert [(k, str(v)) for k, v in again.pillars.items()] == [
        (k, str(v)) for k, v in scored.pillars.items()
    ]
    assert str(again.total) == str(scored.total)
    assert again.published_total == scored.published_total
    assert again.classification == scored.classification


# --- the docs' rule table ----------------------------------------------------------------


def _reads_text(kind: RuleKind) -> str:
    spec = REGISTRY[kind]
    if not spec.reads:
        return "—"
    kinds = " / ".join(k.value for k in spec.field_kinds)
    return ", ".join(f"`{attr}`" for attr in spec.reads) + ": " + kinds


def _docs_rule_rows() -> dict[str, list[str]]:
    text = DOCS.read_text(encoding="utf-8")
    section = text.split("## Scoring rules", 1)[1].split("\n\n", 2)[1]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines()[2:]:  # the header and its rule line
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        found = re.fullmatch(r"`([a-z_]+)`", cells[1])
        assert found, line
        rows[found.group(1)] = cells
    return rows


def test_the_docs_rule_table_lists_exactly_the_registered_kinds():
    rows = _docs_rule_rows()
    assert sorted(rows) == sorted(k.value for k in REGISTRY)
    for kind in REGISTRY:
        assert rows[kind.value][2] == _reads_text(kind), kind


def test_every_reference_indicator_is_described_and_checked_through_the_registry():
    cs = reference_set()
    assert check_set(cs) == []
    assert {ind.rule.kind for ind in cs.indicators()} <= set(REGISTRY)
