"""Implausible values are warnings, with the plausible maximum given per field by the criteria
set (issue 15: 1,000,000 meetings a year went through without a word)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal as D

import pytest

from forms.criteria import FieldKind, to_dict
from forms.criteria_checks import check_set
from forms.criteria_io import load_criteria
from forms.criteria_json import from_dict
from forms.problems import Level
from forms.reference import reference_set
from forms.scoring import indicator_points
from forms.validation import validate_indicator

from .sample_sets import tiny_set


def _with_limit(limit, key="count", code="1.1"):
    cs = tiny_set()
    p1 = cs.pillars[0]
    meetings = p1.indicators[0]
    assert meetings.code == code
    fields = tuple(
        dataclasses.replace(f, plausible_max=limit) if f.key == key else f for f in meetings.fields
    )
    meetings = dataclasses.replace(meetings, fields=fields)
    return dataclasses.replace(
        cs,
        pillars=(
            dataclasses.replace(p1, indicators=(meetings, *p1.indicators[1:])),
            *cs.pillars[1:],
        ),
    )


def test_a_count_above_the_plausible_maximum_is_a_warning_that_still_counts():
    cs = _with_limit(D(52))
    problems = validate_indicator(cs, "1.1", {"count": 1000000}, evidence_count=1)
    assert [(p.code, p.level) for p in problems] == [("implausible", Level.WARNING)]
    assert "1.000.000" in problems[0].message and "tối đa 52" in problems[0].message
    assert indicator_points(cs.indicator("1.1"), {"1.1": {"count": 1000000}}) == 20
    assert validate_indicator(cs, "1.1", {"count": 52}, evidence_count=1) == []


def test_without_a_plausible_maximum_nothing_is_said_and_the_hash_is_unchanged():
    assert validate_indicator(tiny_set(), "1.1", {"count": 1000000}, evidence_count=1) == []
    assert "plausible_max" not in str(to_dict(tiny_set()))
    assert _with_limit(None).content_hash == tiny_set().content_hash
    assert _with_limit(D(52)).content_hash != tiny_set().content_hash


def test_the_plausible_maximum_round_trips_through_json_and_the_workbook(tmp_path):
    from forms.criteria_xlsx import dump_xlsx

    cs = _with_limit(D(52))
    again = from_dict(to_dict(cs))
    assert again.indicator("1.1").fields[0].plausible_max == D(52)
    assert again.content_hash == cs.content_hash
    path = tmp_path / "bo.xlsx"
    dump_xlsx(cs, path)
    assert load_criteria(path).content_hash == cs.content_hash


@pytest.mark.parametrize(
    ("limit", "key", "code"),
    [(D(0), "count", "plausible_max_range"), (D(-5), "count", "plausible_max_range")],
)
def test_a_bad_plausible_maximum_is_a_set_problem(limit, key, code):
    problems = check_set(_with_limit(limit, key))
    assert code in {p.code for p in problems}


def test_a_plausible_maximum_on_a_choice_is_a_set_problem():
    cs = tiny_set()
    p2 = cs.pillars[1]
    head = p2.indicators[0]
    head = dataclasses.replace(
        head, fields=(dataclasses.replace(head.fields[0], plausible_max=D(3)),)
    )
    cs = dataclasses.replace(
        cs,
        pillars=(
            cs.pillars[0],
            dataclasses.replace(p2, indicators=(head, *p2.indicators[1:])),
            cs.pillars[2],
        ),
    )
    assert "plausible_max_not_number" in {p.code for p in check_set(cs)}


def test_the_reference_set_gives_every_count_a_plausible_maximum():
    cs = reference_set()
    counts = [f for ind in cs.leaves() for f in ind.fields if f.kind is FieldKind.COUNT]
    assert counts and all(f.plausible_max is not None and f.plausible_max > 0 for f in counts)
    meetings = cs.indicator("1.2").field("so_luong")
    assert meetings is not None and meetings.plausible_max == D(52)
    assert not [p for p in check_set(cs) if p.level is Level.ERROR]
