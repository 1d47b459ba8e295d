"""Applicability (issue 16): the model in JSON and in the workbook, its checks, and scoring
with parts that do not apply to a unit (by its kind, its code, or the commune's mark)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

import openpyxl
import pytest

from forms.applicability import UnitFacts, maxima, not_applicable
from forms.criteria import AppliesTo, NotApplicablePolicy, to_dict
from forms.criteria_checks import check_set
from forms.criteria_io import check_criteria_file
from forms.criteria_json import from_dict
from forms.criteria_xlsx import dump_xlsx, read_xlsx
from forms.problems import ProblemsError
from forms.scoring import score

from .sample_sets import applicability_set, tiny_set, with_applicability

RESCALE = NotApplicablePolicy.RESCALE
OUT_OF = NotApplicablePolicy.OUT_OF_APPLICABLE
XA = UnitFacts("xã", "00001")
PHUONG = UnitFacts("phường", "00002")
LISTED = UnitFacts("xã", "00004")
FULL = {
    "1.1": {"count": 4},
    "1.2": {"a": 2, "b": 2},
    "2.1": {"choice": "chair"},
    "2.2.1": {"yes": True},
    "2.2.2": {"pct": 95},
    "3.1": {"points": 8},
}


# --- the model in JSON -----------------------------------------------------------------------


def test_a_set_without_applicability_is_format_1_with_its_old_hash():
    data = to_dict(tiny_set())
    assert data["format"] == 1
    assert "not_applicable" not in data
    assert not any("applies_to" in p or "may_be_not_applicable" in p for p in data["pillars"])
    assert from_dict(data).content_hash == tiny_set().content_hash


def test_json_round_trip_of_a_set_with_applicability():
    cs = applicability_set(OUT_OF)
    data = to_dict(cs)
    assert data["format"] == 2
    assert data["not_applicable"] == "out_of_applicable"
    assert data["pillars"][2]["applies_to"] == {"kinds": [], "units": ["00004"]}
    assert data["pillars"][0]["indicators"][1]["may_be_not_applicable"] is True
    back = from_dict(data)
    assert back == cs
    assert back.content_hash == cs.content_hash != tiny_set().content_hash


def test_format_1_cannot_carry_applicability():
    """A reader of format 1 alone would score every part for everyone: format 2 says it."""
    data = to_dict(applicability_set())
    data["format"] = 1
    with pytest.raises(ProblemsError) as caught:
        from_dict(data)
    assert [(p.code, p.where) for p in caught.value.problems] == [("format_version", "format")]


def test_an_unknown_policy_and_a_wrong_shape_are_refused():
    data = to_dict(applicability_set())
    data["not_applicable"] = "halve"
    data["pillars"][0]["indicators"][0]["applies_to"] = ["xã"]
    with pytest.raises(ProblemsError) as caught:
        from_dict(data)
    found = {(p.code, p.where) for p in caught.value.problems}
    assert ("unknown_value", "not_applicable") in found
    assert ("wrong_type", "pillars[0].indicators[0].applies_to") in found


# --- checks ------------------------------------------------------------------------------


def _problems(cs):
    return {(p.code, p.where) for p in check_set(cs)}


def test_checks_name_the_part_unknown_kinds_codes_and_empty_rules():
    cs = with_applicability(
        tiny_set(),
        applies={
            "1.1": AppliesTo(kinds=("huyện",)),
            "1.2": AppliesTo(),
            "2.1": AppliesTo(units=("00 01",)),
        },
    )
    assert _problems(cs) == {
        ("applies_unknown_kind", "pillars[0].indicators[0].applies_to.kinds"),
        ("applies_empty", "pillars[0].indicators[1].applies_to.kinds"),
        ("applies_unit_code", "pillars[1].indicators[0].applies_to.units"),
    }
    message = next(p.message for p in check_set(cs) if p.code == "applies_unknown_kind")
    assert "1.1" in message and "huyện" in message


def test_a_policy_is_required_when_a_part_may_not_apply():
    cs = replace(applicability_set(), not_applicable=None)
    assert _problems(cs) == {("not_applicable_policy", "not_applicable")}


def test_a_pillar_or_parent_where_nothing_applies_to_a_kind():
    cs = with_applicability(
        tiny_set(), applies={"2.2.1": ["xã"], "2.2.2": ["xã"], "3.1": ["phường"]}
    )
    assert _problems(cs) == {
        ("nothing_applies", "pillars[1].indicators[1].applies_to.kinds"),
        ("nothing_applies", "pillars[2].applies_to.kinds"),
    }
    # said on the part itself, it is fine
    fixed = with_applicability(
        tiny_set(), applies={"2.2": ["xã"], "2.2.1": ["xã"], "2.2.2": ["xã"], "3": ["phường"]}
    )
    assert _problems(fixed) == set()


# --- the workbook ------------------------------------------------------------------------


def test_workbook_round_trip_with_applicability(tmp_path):
    cs = with_applicability(
        tiny_set(),
        policy=OUT_OF,
        applies={"2.2.2": ["phường", "đặc khu"], "3": ["00004", "00007"]},
        markable=["1.2", "2"],
    )
    path = tmp_path / "set.xlsx"
    dump_xlsx(cs, path)
    back, problems = read_xlsx(path)
    assert problems == []
    assert back is not None and back.content_hash == cs.content_hash
    wb = openpyxl.load_workbook(path)
    headers = [c.value for c in wb["Chỉ tiêu"][1]]
    assert headers[-3:] == ["Áp dụng cho", "Đơn vị áp dụng", "Cho phép không áp dụng"]
    settings = {r[0].value: r[1].value for r in wb["Thiết lập"].iter_rows(min_row=2)}
    assert settings["Khi không áp dụng"] == "tính trên phần áp dụng"


def test_a_workbook_without_applicability_has_none_of_its_columns(tmp_path):
    path = tmp_path / "set.xlsx"
    dump_xlsx(tiny_set(), path)
    wb = openpyxl.load_workbook(path)
    assert "Áp dụng cho" not in [c.value for c in wb["Chỉ tiêu"][1]]
    assert "Áp dụng cho" not in [c.value for c in wb["Trụ cột"][1]]
    assert "Khi không áp dụng" not in [r[0].value for r in wb["Thiết lập"].iter_rows()]


def test_workbook_kinds_without_accents_and_bad_rows_named_by_cell(tmp_path):
    path = tmp_path / "set.xlsx"
    dump_xlsx(applicability_set(), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Chỉ tiêu"]
    headers = [c.value for c in ws[1]]
    kinds = headers.index("Áp dụng cho") + 1
    units = headers.index("Đơn vị áp dụng") + 1
    ws.cell(row=2, column=kinds, value="Phuong; DAC KHU")  # 1.1: read as phường, đặc khu
    ws.cell(row=4, column=kinds, value="thị trấn")  # 2.1: no such kind since 2025
    ws.cell(row=8, column=units, value="00004 ; 0@7")  # 3.1
    wb.save(path)
    cs, problems = read_xlsx(path)
    assert cs is not None
    assert cs.indicator("1.1").applies_to == AppliesTo(kinds=("phường", "đặc khu"))
    kinds_col = openpyxl.utils.get_column_letter(kinds)
    units_col = openpyxl.utils.get_column_letter(units)
    found = {(p.code, p.where) for p in problems}
    assert ("applies_unknown_kind", f"Chỉ tiêu!{kinds_col}4") in found
    assert ("applies_unit_code", f"Chỉ tiêu!{units_col}8") in found


def test_workbook_without_the_policy_setting_is_refused(tmp_path):
    path = tmp_path / "set.xlsx"
    dump_xlsx(applicability_set(), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Thiết lập"]
    row = next(r[0].row for r in ws.iter_rows() if r[0].value == "Khi không áp dụng")
    ws.delete_rows(row)
    wb.save(path)
    assert [(p.code, p.where) for p in check_criteria_file(path)] == [
        ("not_applicable_policy", "Thiết lập!A1")
    ]


# --- scoring -----------------------------------------------------------------------------


def test_what_applies_to_a_unit():
    cs = applicability_set()
    assert not not_applicable(cs, None)  # an unknown unit: every part applies
    na = not_applicable(cs, XA, {"1.2": "Không có cuộc họp nào"})
    assert na.codes() == {"3": "unit", "3.1": "unit", "2.2.2": "unit", "1.2": "marked"}
    assert not_applicable(cs, LISTED).codes() == {"2.2.2": "unit"}
    assert not_applicable(cs, UnitFacts("phường", "00004")).codes() == {}
    # a mark without a reason, or where the set does not allow one, does not count
    assert "1.2" not in not_applicable(cs, PHUONG, {"1.2": "  "}).indicators
    assert "1.1" not in not_applicable(cs, PHUONG, {"1.1": "lý do"}).indicators


def test_applicable_maxima_of_parents_pillars_and_total():
    cs = applicability_set()
    m = maxima(cs, not_applicable(cs, XA))
    assert m.indicators["2.2"] == D(5)  # 2.2.1 only (the parent's 12 is not reachable)
    assert m.pillars == {"1": D(30), "2": D(15), "3": D(0)}
    assert m.total == D(45)


def test_rescale_brings_the_total_to_the_full_scale():
    cs = applicability_set(RESCALE)
    result = score(cs, FULL, unit=XA)
    assert result.indicators["2.2.2"] == 0 and result.indicators["3.1"] == 0
    assert result.pillars == {"1": D(30), "2": D(15), "3": D(0)}
    assert result.total == D(45) and result.applicable_max == D(45)
    assert result.published_total == D("60.00")  # 45 x 60 / 45
    assert result.classification == "Tốt"
    half = score(cs, {**FULL, "1.1": {"count": 1}}, unit=XA)  # 5 of 20 for 1.1: 30 of 45
    assert half.total == D(30)
    assert half.published_total == D("40.00")  # 30 x 60 / 45
    assert half.classification == "Khá"


def test_rescale_rounds_by_the_sets_rule():
    cs = replace(applicability_set(RESCALE), rounding=replace(tiny_set().rounding, decimals=1))
    result = score(cs, {**FULL, "1.1": {"count": 3}}, unit=XA)  # 40 of 45
    assert result.scaled_total == D(40) * 60 / 45
    assert result.published_total == D("53.3")


def test_out_of_applicable_keeps_points_and_classes_the_share():
    cs = applicability_set(OUT_OF)
    result = score(cs, {**FULL, "1.1": {"count": 3}}, unit=XA)
    assert result.total == D(40) and result.published_total == D("40.00")
    assert result.applicable_max == D(45)
    # 40 / 45 = 88.9 % reaches Tốt's 48 / 60 = 80 %; 40 points alone would be Khá
    assert result.classification == "Tốt"
    low = score(cs, {**FULL, "1.1": {"count": 0}, "2.1": {"choice": "vice"}}, unit=XA)
    assert low.total == D(20)  # 20 / 45 = 44 % below Khá's 65 %
    assert low.classification == "Trung bình"


def test_a_mark_removes_points_and_maximum():
    cs = applicability_set(OUT_OF)
    marked = score(cs, FULL, unit=PHUONG, marks={"1.2": "Xã không tổ chức họp"})
    assert marked.indicators["1.2"] == 0
    assert marked.pillars["1"] == D(20) and marked.applicable_pillars["1"] == D(20)
    assert marked.applicable_max == D(42)
    assert marked.not_applicable == {"3": "unit", "3.1": "unit", "1.2": "marked"}


def test_without_applicability_a_score_is_what_it_was():
    plain = score(tiny_set(), FULL, unit=XA, marks={"1.2": "x"})
    assert plain == score(tiny_set(), FULL)
    assert plain.applicable_max is None and plain.not_applicable == {}


def test_nothing_applicable_scores_zero_and_the_last_band():
    cs = with_applicability(tiny_set(), policy=RESCALE, applies={p: ["00009"] for p in "123"})
    for policy in (RESCALE, OUT_OF):
        result = score(replace(cs, not_applicable=policy), FULL, unit=XA)
        assert result.applicable_max == 0 and result.published_total == 0
        assert result.classification == "Trung bình"


def test_the_format_document_names_every_new_column_setting_and_code():
    """docs/criteria-format.md documents each applicability column, the setting, both
    policies and every check's reason code."""
    from pathlib import Path

    from forms.criteria_xlsx.columns import APPLICABILITY_COLUMNS, NOT_APPLICABLE_NAMES

    doc = (Path(__file__).parents[2] / "docs" / "criteria-format.md").read_text("utf-8")
    words = [c.header for c in APPLICABILITY_COLUMNS] + ["Khi không áp dụng"]
    words += [w for w, _v in NOT_APPLICABLE_NAMES] + [p.value for p in NotApplicablePolicy]
    words += [
        "applies_unknown_kind", "applies_unit_code", "applies_empty", "nothing_applies",
        "not_applicable_policy", "na_not_allowed", "na_reason_missing", "unit_kind_missing",
        "unit_kind_invalid", "unit_kind_mismatch",
    ]  # fmt: skip
    assert [w for w in words if f"`{w}`" not in doc and f"| {w} |" not in doc] == []
