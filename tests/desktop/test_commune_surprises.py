"""Issue 15, "Surprises to remove": what a commune officer met on the way, each pinned by a
test on real widgets over a real database."""

from __future__ import annotations

import dataclasses

import pytest

from desktop.assessment.page import IndicatorPage
from desktop.assessment.session import AssessmentSession
from desktop.assessment.store import DbStore
from desktop.format import format_points
from forms.criteria import CriteriaSet, Evidence, Field, FieldKind, Severity
from forms.scoring import score
from local_db import assessments
from tests.forms.sample_sets import tiny_set


def journey_set() -> CriteriaSet:
    """The tiny set, with a date and a document reference on 3.1 and evidence that is only
    advised (a warning) on 2.1."""
    cs = tiny_set()
    p1, p2, p3 = cs.pillars
    direct = p3.indicators[0]
    direct = dataclasses.replace(
        direct,
        fields=(
            *direct.fields,
            Field("ngay", FieldKind.DATE, "Ngày ban hành kế hoạch", required=False),
            Field("vb", FieldKind.DOCREF, "Kế hoạch chuyển đổi số", required=False),
        ),
    )
    head = dataclasses.replace(
        p2.indicators[0], evidence=Evidence(True, Severity.WARNING, "Quyết định thành lập")
    )
    return dataclasses.replace(
        cs,
        pillars=(
            p1,
            dataclasses.replace(p2, indicators=(head, *p2.indicators[1:])),
            dataclasses.replace(p3, indicators=(direct,)),
        ),
    )


@pytest.fixture
def jsession(db) -> AssessmentSession:
    cs = journey_set()
    row = assessments.create(db, "25001", cs.year, cs)
    return AssessmentSession(cs, DbStore(db, row.id), cs.year)


def _page(qtbot, session, runner, settings, code: str) -> IndicatorPage:
    page = IndicatorPage(session, session.cs.indicator(code), runner, settings)
    qtbot.addWidget(page)
    return page


def test_a_date_message_asks_for_the_format_the_field_shows(qtbot, jsession, runner, settings):
    """The field says dd/mm/yyyy; the error asked for "năm-tháng-ngày (2025-03-31)"."""
    page = _page(qtbot, jsession, runner, settings, "3.1")
    widget = page.field_widgets["ngay"]
    assert widget.edit.placeholderText() == "dd/mm/yyyy"
    qtbot.keyClicks(widget.edit, "31/02/2025")
    page.refresh()
    message = page.field_messages["ngay"].text()
    assert "dd/mm/yyyy" in message and "31/03/2025" in message, message
    assert "năm-tháng-ngày" not in message and "2025-03-31" not in message
    docref_date = page.field_widgets["vb"].edits["date"]
    qtbot.keyClicks(docref_date, "2025/13/01")
    page.refresh()
    message = page.field_messages["vb"].text()
    assert "dd/mm/yyyy" in message and "2025-03-31" not in message, message


@pytest.mark.parametrize(
    ("code", "typed", "field"),
    [
        ("1.1", {"count": "3,5"}, "Số cuộc họp"),  # showed 15/20
        ("1.2", {"a": "10", "b": "4"}, "Số cuộc họp do Chủ tịch chủ trì"),  # showed 10/10
        ("2.2.2", {"pct": "120"}, "Tỷ lệ"),  # showed 10/10
        ("3.1", {"points": "9"}, "Điểm"),  # showed 8/8
    ],
)
def test_an_invalid_value_scores_zero_and_the_page_says_why(
    qtbot, jsession, runner, settings, code, typed, field
):
    page = _page(qtbot, jsession, runner, settings, code)
    for key, text in typed.items():
        qtbot.keyClicks(page.field_widgets[key].edit, text)
    page.refresh()
    maximum = format_points(jsession.cs.indicator(code).max_points)
    assert page.points_label.text() == f"Điểm: 0/{maximum} (chưa tính điểm khi “{field}” còn lỗi)"
    assert jsession.score().indicators[code] == 0
    assert any(m.text().startswith("Lỗi:") for m in page.field_messages.values())
    # the same answers score 0 in the core the package and the collector use
    assert score(jsession.cs, jsession.snapshot()).indicators[code] == 0


def test_a_corrected_value_scores_again(qtbot, jsession, runner, settings):
    page = _page(qtbot, jsession, runner, settings, "1.1")
    edit = page.field_widgets["count"].edit
    qtbot.keyClicks(edit, "3,5")
    page.refresh()
    assert page.points_label.text().startswith("Điểm: 0/20 (")
    edit.clear()
    qtbot.keyClicks(edit, "3")
    page.refresh()
    assert page.points_label.text() == "Điểm: 15/20"
    assert not page.field_messages["count"].isVisible()
