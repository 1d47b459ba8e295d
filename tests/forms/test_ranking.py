"""Ranking: competition ranks, groups, not-ranked units, bands, rounding, Vietnamese order."""

from __future__ import annotations

import random
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from forms.problems import ProblemsError
from forms.ranking import PreviousResult, UnitResult, rank
from forms.text import fold
from forms.vi_collate import sort_key
from tests.forms.sample_sets import tiny_set


def unit(code, name, group, p1, p2, p3, not_ranked=False, total=None):
    return UnitResult(
        code,
        name,
        group,
        {"1": D(p1), "2": D(p2), "3": D(p3)},
        None if total is None else D(total),
        not_ranked,
    )


def test_vietnamese_alphabet_order():
    expected = ["An Bình", "An Châu", "Anh Sơn", "Ân Thi", "Bắc Ninh", "Cẩm Khê", "Dũng Tiến",
                "Đoan Hùng", "Êm", "Hạ Hòa", "Ô Môn", "Ơn", "Uông Bí", "Ứng Hòa", "Yên Lập"]  # fmt: skip
    shuffled = expected[:]
    random.Random(4).shuffle(shuffled)
    assert sorted(shuffled, key=sort_key) == expected


def test_tones_are_secondary_in_cldr_order():
    # no tone < huyền < hỏi < ngã < sắc < nặng; tones only break ties of equal letters
    assert sorted(["Má", "Mạ", "Mà", "Ma", "Mã", "Mả", "Mb"], key=sort_key) == [
        "Ma",
        "Mà",
        "Mả",
        "Mã",
        "Má",
        "Mạ",
        "Mb",
    ]
    assert sort_key("Bác") < sort_key("Bac Ninh")  # letters first, tones only on a full tie


def test_nfd_and_nfc_sort_the_same_and_fold():
    import unicodedata

    nfd = unicodedata.normalize("NFD", "Đoan Hùng")
    assert sort_key(nfd)[:3] == sort_key("Đoan Hùng")[:3]
    assert fold("Đoan Hùng") == fold(nfd) == "doan hung"


def test_competition_ranking_ties_and_groups():
    cs = tiny_set()
    results = [
        unit("01", "Xã Bình", "Huyện A", 30, 22, 8),  # 60
        unit("02", "Xã An", "Huyện B", 30, 22, 8),  # 60, ties: An before Bình
        unit("03", "Xã Cường", "Huyện A", 20, 20, 5),  # 45
        unit("04", "Xã Dân", "Huyện B", 10, 10, 0),  # 20
        unit("05", "Xã Ế", "Huyện A", 30, 22, 8, not_ranked=True),
    ]
    ranking = rank(cs, results, year=2025)
    assert [(r.unit_code, r.rank, r.group_rank) for r in ranking.rows] == [
        ("02", 1, 1), ("01", 1, 1), ("03", 3, 2), ("04", 4, 2), ("05", None, None),
    ]  # fmt: skip
    assert [r.classification for r in ranking.rows] == ["Tốt", "Tốt", "Khá", "Trung bình", "-"]
    assert ranking.classification_counts() == {"Tốt": 2, "Khá": 1, "Trung bình": 1}
    grouped = ranking.by_group()
    assert [(g, [r.unit_code for r in rows]) for g, rows in grouped] == [
        ("Huyện A", ["01", "03", "05"]), ("Huyện B", ["02", "04"]),
    ]  # fmt: skip


def test_ranked_on_published_total_and_rounded_by_the_rule():
    cs = tiny_set()  # 2 decimals, half up
    results = [
        unit("01", "Xã B", "G", "30", "10.004", "8"),  # 48.004 -> 48.00
        unit("02", "Xã A", "G", "30", "9.996", "8"),  # 47.996 -> 48.00: a tie once rounded
        unit("03", "Xã C", "G", "30", "10", "7.995"),  # 47.995 -> 48.00 (half up)
        unit("04", "Xã D", "G", "20", "10", "8.994"),  # 38.994 -> 38.99 -> Trung bình
    ]
    ranking = rank(cs, results)
    assert [(r.unit_code, r.rank, str(r.total)) for r in ranking.rows] == [
        ("02", 1, "48.00"), ("01", 1, "48.00"), ("03", 1, "48.00"), ("04", 4, "38.99"),
    ]  # fmt: skip
    assert ranking.rows[0].pillars == {"1": D("30.00"), "2": D("10.00"), "3": D("8.00")}
    assert [r.classification for r in ranking.rows] == ["Tốt", "Tốt", "Tốt", "Trung bình"]


def test_total_given_separately_wins_over_the_pillar_sum():
    cs = tiny_set()
    ranking = rank(cs, [unit("01", "Xã A", "G", 1, 1, 1, total="47.999")])
    assert ranking.rows[0].total == D("48.00") and ranking.rows[0].classification == "Tốt"


def test_year_over_year_changes():
    cs = tiny_set()
    previous = {"01": PreviousResult(3, D("40")), "02": PreviousResult(None, D("10"))}
    ranking = rank(
        cs,
        [unit("01", "Xã A", "G", 30, 22, 8), unit("02", "Xã B", "G", 1, 1, 1)],
        previous=previous,
    )
    first, second = ranking.rows
    assert (first.rank_change, first.points_change) == (2, D("20.00"))
    assert (second.rank_change, second.points_change) == (None, D("-7.00"))


def test_bad_input_is_reported_not_crashed():
    cs = tiny_set()
    bad = [
        unit("01", "Xã A", "G", 1, 1, 1),
        unit("01", "Xã A again", "G", 1, 1, 1),
        UnitResult("02", "Xã B", "G", {"1": D(1)}),
        unit("03", "Xã C", "G", -1, 1, 1),
    ]
    with pytest.raises(ProblemsError) as err:
        rank(cs, bad)
    assert [p.code for p in err.value.problems] == ["duplicate_unit", "missing_pillar", "bad_value"]
    assert "02 Xã B" in err.value.problems[1].where


totals = st.decimals(min_value=0, max_value=60, places=3, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(totals, st.booleans(), st.sampled_from(["G1", "G2", "G3"])), max_size=30))
def test_rank_is_one_plus_the_number_strictly_ahead(items):
    cs = tiny_set()
    results = [
        UnitResult(f"{i:03}", f"Xã {i}", g, {"1": t, "2": D(0), "3": D(0)}, None, nr)
        for i, (t, nr, g) in enumerate(items)
    ]
    ranking = rank(cs, results)
    ranked = [r for r in ranking.rows if not r.not_ranked]
    assert all(r.not_ranked for r in ranking.rows[len(ranked) :])
    for r in ranked:
        assert r.rank == 1 + sum(1 for o in ranked if o.total > r.total)
        assert r.group_rank == 1 + sum(
            1 for o in ranked if o.group == r.group and o.total > r.total
        )
    assert [r.total for r in ranked] == sorted((r.total for r in ranked), reverse=True)
    # the same input in another order ranks identically
    assert rank(cs, list(reversed(results))).rows == ranking.rows


@given(st.lists(st.text(alphabet="aăâbdđeêoôơuưAĐ àáạảã", max_size=6), min_size=2, max_size=8))
def test_sort_string_orders_like_sort_key(names):
    from forms.vi_collate import sort_string

    assert sorted(names, key=sort_string) == sorted(names, key=sort_key)


def test_units_are_ordered_by_their_name_proper_not_their_kind_word():
    """Regression: "Phường …" sorted before every "Xã …", so an A→Z list of units was two lists
    and "Xã An Bình" came after "Phường Yên Hòa"."""
    from forms.vi_collate import name_proper, unit_sort_key

    names = ["Xã Yên Lạc", "Phường Yên Hòa", "Xã An Bình", "Đặc khu Côn Đảo", "Phường An Bình"]
    assert sorted(names, key=unit_sort_key) == [
        "Phường An Bình",
        "Xã An Bình",
        "Đặc khu Côn Đảo",
        "Phường Yên Hòa",
        "Xã Yên Lạc",
    ]
    assert name_proper("Thị trấn Đông Anh") == "Đông Anh"
    assert name_proper("Xã") == "Xã"  # nothing after the kind word: the name itself
    assert name_proper("Xuân Phương") == "Xuân Phương"
