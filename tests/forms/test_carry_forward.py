"""Matching last year's answers to this year's set (forms.carry_forward, issue 16)."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from forms.carry_forward import EvidenceRef, match
from forms.criteria import CarryLink, Choice, FieldKind, Indicator
from tests.forms.carry_sets import edit, next_year, renumbered, with_meeting_date
from tests.forms.sample_sets import tiny_set

LAST_YEAR = {
    "1.1": {"count": 4},
    "1.2": {"a": 2, "b": 4},
    "2.1": {"choice": "chair"},
    "2.2.1": {"yes": True},
    "2.2.2": {"pct": "95"},
    "3.1": {"points": "8"},
}
PLAN = EvidenceRef(7, "Kế hoạch.pdf", "ab" * 32, "12/KH-UBND", "2025-03-15", "UBND xã")


def _match(
    new_cs,
    old_answers=LAST_YEAR,
    new_answers=None,
    old_evidence=None,
    new_evidence=None,
    old_cs=None,
):
    return match(
        old_cs or tiny_set(), old_answers, old_evidence or {}, new_cs, new_answers or {},
        new_evidence or {}, from_year=2025, to_year=2026,
    )  # fmt: skip


def _by_key(plan):
    return {o.key: o for o in plan.fields}


def test_same_code_and_keys_are_offered_in_document_order():
    plan = _match(next_year())
    assert [o.key for o in plan.fields] == [
        "1.1/count", "1.2/a", "1.2/b", "2.1/choice", "2.2.1/yes", "2.2.2/pct", "3.1/points",
    ]  # fmt: skip
    assert all(o.offered and not o.mapped for o in plan.fields)
    assert _by_key(plan)["1.2/b"].value == 4
    assert plan.offered_count() == 7


def test_unanswered_last_year_is_not_listed():
    plan = _match(next_year(), old_answers={"1.1": {"count": 3}, "1.2": {"a": None}})
    assert [o.key for o in plan.fields] == ["1.1/count"]


def test_a_changed_field_kind_is_listed_with_why_not_offered():
    def to_percent(ind: Indicator) -> Indicator:
        return dataclasses.replace(
            ind, fields=(dataclasses.replace(ind.fields[0], kind=FieldKind.PERCENT),)
        )

    offer = _by_key(_match(edit(next_year(), "1.1", to_percent)))["1.1/count"]
    assert not offer.offered
    assert offer.blocked == "loại trường đã đổi (số lượng → tỷ lệ %)"


def test_a_changed_choice_list_is_not_offered_but_new_points_are():
    def relabel(ind: Indicator) -> Indicator:
        choices = (Choice("chair", "Chủ tịch UBND xã", Decimal(10)), *ind.rule.choices[1:])
        return dataclasses.replace(ind, rule=dataclasses.replace(ind.rule, choices=choices))

    def repoint(ind: Indicator) -> Indicator:
        choices = tuple(dataclasses.replace(c, points=c.points / 2) for c in ind.rule.choices)
        return dataclasses.replace(ind, rule=dataclasses.replace(ind.rule, choices=choices))

    assert (
        _by_key(_match(edit(next_year(), "2.1", relabel)))["2.1/choice"].blocked
        == "danh sách lựa chọn đã đổi"
    )
    assert _by_key(_match(edit(next_year(), "2.1", repoint)))["2.1/choice"].offered


def test_a_mapping_row_carries_a_renumbered_indicator_and_its_evidence():
    plan = _match(renumbered(), old_evidence={"1.1": [PLAN]})
    offer = _by_key(plan)["1.3/so_luong"]
    assert (offer.offered, offer.mapped, offer.from_code, offer.from_field, offer.value) == (
        True, True, "1.1", "count", 4,
    )  # fmt: skip
    assert [(e.to_code, e.from_code, e.ref.name, e.offered) for e in plan.evidence] == [
        ("1.3", "1.1", "Kế hoạch.pdf", True)
    ]


def test_a_mapping_row_wins_over_the_same_code_and_key():
    cs = next_year(carry_forward=(CarryLink("1.1", "count", "1.2", "b"),))
    offer = _by_key(_match(cs))["1.2/b"]
    assert (offer.from_code, offer.from_field, offer.mapped, offer.value) == (
        "1.1",
        "count",
        True,
        4,
    )


def test_a_mapping_row_naming_nothing_of_last_year_says_so():
    cs = next_year(carry_forward=(CarryLink("9.9", "x", "1.2", "b"),))
    offer = _by_key(_match(cs, old_answers={"9.9": {"x": 1}}))["1.2/b"]
    assert offer.blocked == "bảng chuyển tiếp nêu trường không có trong bộ năm trước"


def test_a_value_typed_this_year_is_never_offered():
    offer = _by_key(_match(next_year(), new_answers={"1.1": {"count": 1}}))["1.1/count"]
    assert offer.blocked == "năm nay đã có câu trả lời (giữ nguyên)"


def test_a_date_outside_this_year_is_shown_not_offered():
    old = with_meeting_date(tiny_set())
    plan = _match(
        with_meeting_date(next_year()),
        old_answers={"1.1": {"count": 4, "ngay": "2025-05-02"}},
        old_cs=old,
    )
    day = _by_key(plan)["1.1/ngay"]
    assert not day.offered
    assert day.blocked.startswith("không hợp lệ năm nay: ")
    assert "02/05/2025" in day.blocked and "2026" in day.blocked
    assert _by_key(plan)["1.1/count"].offered


def test_a_value_drawing_only_a_warning_is_offered_with_it():
    old = with_meeting_date(tiny_set())
    plan = _match(
        with_meeting_date(next_year(), plausible=10), old_answers={"1.1": {"count": 30}}, old_cs=old
    )
    offer = _by_key(plan)["1.1/count"]
    assert offer.offered
    assert [w.code for w in offer.warnings] == ["implausible"]


def test_evidence_already_attached_this_year_is_listed_not_offered_and_listed_once():
    twice = {"1.1": [PLAN, dataclasses.replace(PLAN, attachment_id=8)]}
    plan = _match(next_year(), old_evidence=twice)
    assert [(e.to_code, e.offered) for e in plan.evidence] == [("1.1", True)]
    plan = _match(next_year(), old_evidence=twice, new_evidence={"1.1": {PLAN.sha256}})
    assert [(e.to_code, e.blocked) for e in plan.evidence] == [
        ("1.1", "tệp này năm nay đã được đính kèm")
    ]
