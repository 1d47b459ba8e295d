"""Answer validation: every check, error vs warning, indicator status for the GUI tree."""

from __future__ import annotations

from dataclasses import replace

import pytest

from forms.criteria import CriteriaSet, Evidence, Field, FieldKind, Severity
from forms.i18n import set_language
from forms.problems import Level
from forms.validation import aggregate_status, indicator_status, validate, validate_indicator

from .sample_sets import tiny_set


def sample_set() -> CriteriaSet:
    """The tiny set, with 3.1 also asking a date, a document and a note, and 2.2.1 warning on evidence."""
    cs = tiny_set()
    p1, p2, p3 = cs.pillars
    direct = p3.indicators[0]
    direct = replace(
        direct,
        fields=(
            *direct.fields,
            Field("ngay", FieldKind.DATE, "Ngày họp", required=False, in_year=True),
            Field("van_ban", FieldKind.DOCREF, "Quyết định", required=False, in_year=True),
            Field("ghi_chu", FieldKind.TEXT, "Ghi chú", required=False),
        ),
        evidence=Evidence(True, Severity.ERROR, "Biên bản chấm"),
    )
    group = p2.indicators[1]
    web = replace(group.children[0], evidence=Evidence(True, Severity.WARNING, "Ảnh chụp trang"))
    group = replace(group, children=(web, group.children[1]))
    return replace(
        cs,
        pillars=(
            p1,
            replace(p2, indicators=(p2.indicators[0], group)),
            replace(p3, indicators=(direct,)),
        ),
    )


def _codes(code, values, evidence_count=None, require_complete=True):
    problems = validate_indicator(
        sample_set(),
        code,
        values,
        year=2025,
        evidence_count=evidence_count,
        require_complete=require_complete,
    )
    return [(p.code, p.where, p.level.value) for p in problems]


E = "error"
W = "warning"
DOC = {
    "number": "12/QĐ-UBND",
    "date": "2025-03-01",
    "issuer": "UBND xã",
    "summary": "Thành lập Ban Chỉ đạo",
}


@pytest.mark.parametrize(
    ("code", "values", "expected"),
    [
        ("1.1", {"count": 4}, []),
        ("1.1", {"count": "4"}, []),
        ("1.1", {"count": 2.5}, [("not_integer", "1.1/count", E)]),
        ("1.1", {"count": -1}, [("negative", "1.1/count", E)]),
        ("1.1", {"count": "bốn"}, [("not_number", "1.1/count", E)]),
        ("1.1", {"count": True}, [("not_number", "1.1/count", E)]),
        ("1.1", {}, [("required", "1.1/count", E)]),
        ("1.1", {"count": "  "}, [("required", "1.1/count", E)]),
        ("1.2", {"a": 3, "b": 2}, [("numerator_gt_denominator", "1.2/a", E)]),
        ("1.2", {"a": 2, "b": 2}, []),
        ("1.2", {"a": 0, "b": 0}, []),
        ("2.1", {"choice": "vice"}, []),
        ("2.1", {"choice": "pho"}, [("unknown_choice", "2.1/choice", E)]),
        ("2.1", {"choice": 1}, [("unknown_choice", "2.1/choice", E)]),
        ("2.2.1", {"yes": "Có"}, []),
        ("2.2.1", {"yes": "có lẽ"}, [("not_bool", "2.2.1/yes", E)]),
        ("2.2.2", {"pct": "99,5"}, []),
        ("2.2.2", {"pct": 100.5}, [("percent_range", "2.2.2/pct", E)]),
        ("2.2.2", {"pct": -3}, [("percent_range", "2.2.2/pct", E)]),
        ("3.1", {"points": 8}, []),
        ("3.1", {"points": 9}, [("above_max", "3.1/points", E)]),
        ("3.1", {"points": -1}, [("negative", "3.1/points", E)]),
        ("3.1", {"points": 5, "ngay": "2025-02-30"}, [("date_format", "3.1/ngay", E)]),
        ("3.1", {"points": 5, "ngay": "01/02/2025"}, [("date_format", "3.1/ngay", E)]),
        ("3.1", {"points": 5, "ngay": "2024-12-31"}, [("date_outside_year", "3.1/ngay", E)]),
        ("3.1", {"points": 5, "ngay": "2025-12-31"}, []),
        ("3.1", {"points": 5, "van_ban": DOC}, []),
        ("3.1", {"points": 5, "van_ban": {**DOC, "summary": ""}}, []),
        (
            "3.1",
            {"points": 5, "van_ban": {**DOC, "issuer": " "}},
            [("docref_incomplete", "3.1/van_ban", E)],
        ),
        (
            "3.1",
            {"points": 5, "van_ban": {**DOC, "date": "2026-01-05"}},
            [("date_outside_year", "3.1/van_ban", E)],
        ),
        ("3.1", {"points": 5, "van_ban": "12/QĐ-UBND"}, [("docref_format", "3.1/van_ban", E)]),
        ("3.1", {"points": 5, "ghi_chu": 12}, [("not_text", "3.1/ghi_chu", E)]),
        ("3.1", {"points": 5, "ghi_chu": "x" * 6000}, [("too_long", "3.1/ghi_chu", W)]),
        ("3.1", {"points": 5, "la": 1}, [("unknown_field", "3.1/la", W)]),
        ("9.9", {"x": 1}, [("unknown_indicator", "9.9", W)]),
        ("1.1", ["4"], [("bad_answer", "1.1", E)]),
    ],
)
def test_field_checks(code, values, expected):
    assert _codes(code, values) == expected


def test_optional_fields_may_stay_empty_and_live_mode_is_quiet():
    assert _codes("3.1", {"points": 5, "ngay": "", "van_ban": {"number": "", "date": ""}}) == []
    assert _codes("1.2", {"a": 1}, require_complete=False) == []
    assert _codes("1.2", {"a": 1}) == [("required", "1.2/b", E)]


def test_evidence_missing_only_when_points_are_claimed():
    assert _codes("3.1", {"points": 5}, evidence_count=0) == [
        ("evidence_missing", "3.1/evidence", E)
    ]
    assert _codes("3.1", {"points": 0}, evidence_count=0) == []
    assert _codes("3.1", {"points": 5}, evidence_count=2) == []
    assert _codes("3.1", {"points": 5}, evidence_count=None) == []  # not asked
    # the set says this one is only a warning
    assert _codes("2.2.1", {"yes": True}, evidence_count=0) == [
        ("evidence_missing", "2.2.1/evidence", W)
    ]
    assert _codes("2.2.1", {"yes": False}, evidence_count=0) == []


def test_messages_name_indicator_and_field_label():
    (problem,) = validate_indicator(sample_set(), "1.2", {"a": 5, "b": 2}, year=2025)
    assert "1.2" in problem.message
    assert (
        "Số cuộc họp do Chủ tịch chủ trì" in problem.message
        and "Tổng số cuộc họp" in problem.message
    )
    set_language("en")
    (problem,) = validate_indicator(sample_set(), "1.1", {}, year=2025)
    assert problem.message == "Indicator 1.1: “Số cuộc họp” is not filled in."


def test_validate_whole_assessment():
    cs = sample_set()
    complete = {
        "1.1": {"count": 4},
        "1.2": {"a": 1, "b": 2},
        "2.1": {"choice": "chair"},
        "2.2.1": {"yes": False},
        "2.2.2": {"pct": 50},
        "3.1": {"points": 0},
    }
    assert validate(cs, complete, year=2025, evidence_counts={"1.1": 1}) == []
    answers = {**complete, "1.1": {}, "2.2": {"x": 1}, "8.8": {"y": 2}, "3.1": {"points": 4}}
    found = [
        (p.code, p.where, p.level)
        for p in validate(cs, answers, year=2025, evidence_counts={"1.1": 1})
    ]
    assert found == [
        ("required", "1.1/count", Level.ERROR),
        ("evidence_missing", "3.1/evidence", Level.ERROR),
        ("parent_answered", "2.2", Level.WARNING),
        ("unknown_indicator", "8.8", Level.WARNING),
    ]


def test_year_defaults_to_the_set_year():
    cs = sample_set()
    assert (
        validate_indicator(cs, "3.1", {"points": 1, "ngay": "2024-05-05"})[0].code
        == "date_outside_year"
    )
    assert validate_indicator(cs, "3.1", {"points": 1, "ngay": "2024-05-05"}, year=2024) == []


@pytest.mark.parametrize(
    ("code", "values", "evidence", "status"),
    [
        ("1.1", None, 0, "empty"),
        ("1.1", {}, 0, "empty"),
        ("1.1", {"count": 3}, 1, "complete"),
        ("1.1", {"count": 3}, None, "complete"),
        ("1.1", {"count": -3}, 1, "error"),
        ("1.2", {"a": 1}, 0, "incomplete"),
        ("1.2", {"a": 3, "b": 1}, 0, "error"),
        ("3.1", {"points": 5}, 0, "evidence_missing"),
        ("2.2.1", {"yes": True}, 0, "evidence_missing"),
        ("9.9", {}, 0, "error"),
    ],
)
def test_indicator_status(code, values, evidence, status):
    assert indicator_status(sample_set(), code, values, evidence, year=2025) == status


def test_parent_status_comes_from_children():
    cs = sample_set()
    assert indicator_status(cs, "2.2", None, answers={}) == "empty"
    assert indicator_status(cs, "2.2", None, answers={"2.2.1": {"yes": False}}) == "incomplete"
    both = {"2.2.1": {"yes": False}, "2.2.2": {"pct": 10}}
    assert indicator_status(cs, "2.2", None, answers=both) == "complete"
    assert indicator_status(cs, "2.2", None, answers={**both, "2.2.2": {"pct": 101}}) == "error"


@pytest.mark.parametrize(
    ("statuses", "result"),
    [
        ([], "empty"),
        (["empty", "empty"], "empty"),
        (["complete", "empty"], "incomplete"),
        (["complete", "complete"], "complete"),
        (["complete", "evidence_missing"], "evidence_missing"),
        (["incomplete", "evidence_missing"], "incomplete"),
        (["complete", "error", "empty"], "error"),
    ],
)
def test_aggregate_status(statuses, result):
    assert aggregate_status(statuses) == result


def test_reference_set_validates_its_own_fields():
    from forms.reference import reference_set

    cs = reference_set()
    problems = validate_indicator(
        cs, "1.1", {"lua_chon": "chu_tich", "van_ban": {"number": "5/QĐ"}}, year=2025
    )
    assert [(p.code, p.where) for p in problems] == [("docref_incomplete", "1.1/van_ban")]


def test_absurd_values_give_short_messages():
    (problem,) = validate_indicator(sample_set(), "2.2.2", {"pct": "1e999999"}, year=2025)
    assert problem.code == "percent_range" and len(problem.message) < 200
