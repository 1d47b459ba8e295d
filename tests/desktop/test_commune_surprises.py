"""Issue 15, "Surprises to remove": what a commune officer met on the way, each pinned by a
test on real widgets over a real database."""

from __future__ import annotations

import dataclasses

import pytest

from desktop.assessment.page import IndicatorPage
from desktop.assessment.session import AssessmentSession
from desktop.assessment.store import DbStore
from forms.criteria import CriteriaSet, Evidence, Field, FieldKind, Severity
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
