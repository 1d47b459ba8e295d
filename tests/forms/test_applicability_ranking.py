"""Ranking and the published table under a set with applicability (issue 16): units with
different maxima compared by the set's policy."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from forms.criteria import NotApplicablePolicy
from forms.ranking import UnitResult, rank
from forms.ranking_xlsx import csv_text, header

from .sample_sets import applicability_set, tiny_set

OUT_OF = applicability_set(NotApplicablePolicy.OUT_OF_APPLICABLE)
RESCALE = applicability_set(NotApplicablePolicy.RESCALE)


def _unit(code, total, maximum, name=None):
    # pillars are what the table prints; the total is what the ranking compares
    return UnitResult(
        code, name or f"Xã {code}", "A", {"1": total, "2": D(0), "3": D(0)},
        total=total, applicable_max=maximum,
    )  # fmt: skip


def test_out_of_applicable_ranks_and_classes_on_the_percentage():
    ranking = rank(
        OUT_OF,
        [
            _unit("1", D(45), D(60)),  # 75 %: Khá (65 %), below Tốt (80 %)
            _unit("2", D(40), D(45)),  # 88,9 %: first although fewer points
            _unit("3", D(48), D(54)),  # 88,9 %: ties with 2 exactly
        ],
    )
    rows = {r.unit_code: r for r in ranking.rows}
    assert [r.unit_code for r in ranking.rows] == ["2", "3", "1"]
    assert (rows["2"].rank, rows["3"].rank, rows["1"].rank) == (1, 1, 3)
    assert rows["2"].classification == "Tốt" and rows["1"].classification == "Khá"
    assert rows["2"].percent == D("88.89") and rows["1"].percent == D("75.00")
    assert rows["1"].applicable_max == D(60)


def test_rescale_ranks_on_the_rescaled_total_and_shows_the_maximum():
    ranking = rank(RESCALE, [_unit("1", D(50), D(60)), _unit("2", D("53.33"), D(45))])
    assert [r.unit_code for r in ranking.rows] == ["2", "1"]
    assert ranking.rows[0].applicable_max == D(45) and ranking.rows[0].percent is None


def test_the_table_shows_the_maximum_and_the_percentage_when_the_policy_needs_it():
    ranking = rank(OUT_OF, [_unit("1", D(45), D(60))])
    cols = header(ranking)
    assert cols[-3:] == ["Điểm tối đa áp dụng", "Tỷ lệ đạt (%)", "Xếp loại"]
    assert csv_text(ranking).splitlines()[1].split(",")[-3:] == ["60.00", "75.00", "Khá"]
    assert header(rank(RESCALE, [_unit("1", D(45), D(60))]))[-2:] == [
        "Điểm tối đa áp dụng",
        "Xếp loại",
    ]


def test_a_set_without_applicability_ranks_and_prints_as_before():
    plain = tiny_set()
    results = [replace(_unit("1", D(45), None), applicable_max=None)]
    ranking = rank(plain, results)
    assert ranking.rows[0].applicable_max is None and ranking.rows[0].percent is None
    assert "Điểm tối đa áp dụng" not in header(ranking)
