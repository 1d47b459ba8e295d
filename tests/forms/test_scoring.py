from decimal import Decimal as D

import pytest

from forms.criteria import Rounding
from forms.scoring import classify, indicator_points, round_points, score

from .sample_sets import tiny_set


@pytest.mark.parametrize(
    ("count", "points"),
    [(0, 0), (1, 5), (2, 10), (3, 15), (4, 20), (9, 20), (-1, 0), ("abc", 0), (None, 0), ("3", 15)],
)
def test_count_tiers(count, points):
    cs = tiny_set()
    assert indicator_points(cs.indicator("1.1"), {"1.1": {"count": count}}) == D(points)


@pytest.mark.parametrize(
    ("a", "b", "points"),
    [
        (1, 2, "5"),
        (2, 2, "10"),
        (3, 2, "0"),  # the numerator above the denominator is invalid (issue 15: it showed 10/10)
        (0, 4, "0"),
        (0, 0, "0"),
        (1, 3, "3.333333333333333333333333333"),
    ],
)
def test_ratio(a, b, points):
    cs = tiny_set()
    assert indicator_points(cs.indicator("1.2"), {"1.2": {"a": a, "b": b}}) == D(points)


@pytest.mark.parametrize(
    ("choice", "points"), [("chair", 10), ("vice", 5), ("none", 0), ("other", 0)]
)
def test_choice(choice, points):
    cs = tiny_set()
    assert indicator_points(cs.indicator("2.1"), {"2.1": {"choice": choice}}) == D(points)


def test_sum_is_capped_at_parent_max():
    cs = tiny_set()
    answers = {"2.2.1": {"yes": True}, "2.2.2": {"pct": 95}}
    assert indicator_points(cs.indicator("2.2"), answers) == D(12)


def test_direct_is_within_its_range():
    cs = tiny_set()
    assert indicator_points(cs.indicator("3.1"), {"3.1": {"points": "7,5"}}) == D("7.5")
    # above the maximum is a typo to correct, not full marks (issue 15)
    assert indicator_points(cs.indicator("3.1"), {"3.1": {"points": 99}}) == D(0)
    assert indicator_points(cs.indicator("3.1"), {"3.1": {"points": -3}}) == D(0)


def test_total_and_classification():
    cs = tiny_set()
    answers = {
        "1.1": {"count": 4},
        "1.2": {"a": 1, "b": 3},
        "2.1": {"choice": "chair"},
        "2.2.1": {"yes": True},
        "2.2.2": {"pct": 80},
        "3.1": {"points": 8},
    }
    result = score(cs, answers)
    assert result.pillars == {"1": D("23.33333333333333333333333333"), "2": D(20), "3": D(8)}
    assert result.published_total == D("51.33")
    assert result.classification == "Tốt"


def test_rounding_half_up_and_classify():
    assert round_points(D("649.995"), Rounding(2, "half_up")) == D("650.00")
    assert round_points(D("0.125"), Rounding(2, "half_even")) == D("0.12")
    bands = tiny_set().bands
    assert [classify(D(x), bands) for x in (60, 48, 47.99, 39, 0)] == [
        "Tốt",
        "Tốt",
        "Khá",
        "Khá",
        "Trung bình",
    ]


def test_content_hash_is_stable_and_sensitive():
    a, b = tiny_set(), tiny_set()
    assert a.content_hash == b.content_hash
    from dataclasses import replace

    assert replace(a, version="2").content_hash != a.content_hash
