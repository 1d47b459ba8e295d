"""Scoring rules in plain words."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from forms.criteria import RuleKind
from forms.i18n import set_language
from forms.reference import reference_set
from forms.rule_text import describe_rule, format_number, rule_kind_name

from .sample_sets import tiny_set


def test_count_tiers_as_in_the_criteria_documents():
    assert describe_rule(tiny_set().indicator("1.1")) == (
        "4 cuộc họp trở lên: 20 điểm; 3: 15 điểm; 2: 10 điểm; 1: 5 điểm; còn lại: 0 điểm"
    )


def test_count_tiers_with_gaps_say_the_range():
    assert describe_rule(reference_set().indicator("1.5")) == (
        "24 tin, bài trở lên: 10 điểm; từ 12 đến 23: 7 điểm; từ 6 đến 11: 4 điểm; từ 1 đến 5: 2 điểm; còn lại: 0 điểm"
    )


def test_percent_tiers_with_decimal_comma():
    assert describe_rule(reference_set().indicator("2.5")) == (
        "từ 2% trở lên: 15 điểm; từ 1% đến dưới 2%: 10 điểm; từ 0,5% đến dưới 1%: 5 điểm; dưới 0,5%: 0 điểm"
    )


def test_ratio_states_the_zero_denominator_rule():
    text = describe_rule(tiny_set().indicator("1.2"))
    assert (
        text
        == "a/b × 10 điểm (a = Số cuộc họp do Chủ tịch chủ trì; b = Tổng số cuộc họp; b = 0: 0 điểm)"
    )
    assert describe_rule(reference_set().indicator("5.5")).endswith("b = 0: 15 điểm)")


def test_choices_yes_no_direct_and_sum():
    cs = tiny_set()
    assert (
        describe_rule(cs.indicator("2.1"))
        == "Chủ tịch UBND: 10 điểm; Phó Chủ tịch UBND: 5 điểm; Không có: 0 điểm"
    )
    assert describe_rule(reference_set().indicator("1.1")).startswith(
        "Chủ tịch UBND xã: 15 điểm; Phó Chủ tịch UBND xã: 7,5 điểm"
    )
    assert describe_rule(cs.indicator("2.2.1")) == "Có: 5 điểm; không: 0 điểm"
    assert describe_rule(cs.indicator("3.1")) == "Chấm trực tiếp: từ 0 đến 8 điểm"
    assert (
        describe_rule(cs.indicator("2.2"))
        == "Tổng điểm các chỉ tiêu con (2.2.1, 2.2.2), tối đa 12 điểm"
    )


def test_english():
    set_language("en")
    assert describe_rule(tiny_set().indicator("2.2.1")) == "Yes: 5 points; no: 0 points"
    assert format_number(D("7.5")) == "7.5"
    assert rule_kind_name(RuleKind.RATIO) == "ratio a/b"


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (D("7.50"), None, "7,5"),
        (D(20), None, "20"),
        (D("649.995"), 2, "650,00"),
        (D("1E+3"), None, "1.000"),  # dot thousands, as the GUI and the report write it
    ],
)
def test_format_number(value, decimals, text):
    assert format_number(value, decimals) == text


def test_every_reference_rule_has_a_description():
    for ind in reference_set().indicators():
        assert describe_rule(ind)
        assert rule_kind_name(ind.rule.kind)


def test_absurd_numbers_stay_short():
    assert format_number(D("1e999999")) == "1,000E+999999"
    assert len(format_number(D("-1e-40"))) < 15
