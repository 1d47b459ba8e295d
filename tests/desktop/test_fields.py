"""One widget test per input type: typing emits the stored value; stored values show as typed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.assessment.fields import make_field_widget
from forms.criteria import Choice, Field, FieldKind


def _widget(qtbot, kind: FieldKind, choices=()):
    w = make_field_widget(Field("f", kind, "Nhãn"), choices)
    qtbot.addWidget(w)
    return w


def _type(qtbot, w, text: str):
    """Type ``text``; return the last value emitted (one emission per keystroke)."""
    emitted: list = []
    w.edited.connect(emitted.append)
    qtbot.keyClicks(w.edit, text)
    assert len(emitted) == len(text)
    assert emitted[-1] == w.value()
    return emitted[-1]


def test_bool_field_unanswered_yes_no(qtbot):
    w = _widget(qtbot, FieldKind.BOOL)
    assert w.value() is None
    yes, no = w.group.buttons()
    with qtbot.waitSignal(w.edited) as blocker:
        no.click()
    assert blocker.args == [False]
    w.set_value(True)
    assert yes.isChecked() and w.value() is True
    w.set_value(None)
    assert w.value() is None


def test_choice_field_shows_points_and_emits_key(qtbot):
    choices = (
        Choice("chair", "Chủ tịch UBND", Decimal(10)),
        Choice("vice", "Phó Chủ tịch", Decimal(5)),
    )
    w = _widget(qtbot, FieldKind.CHOICE, choices)
    buttons = w.group.buttons()
    assert buttons[0].text() == "Chủ tịch UBND (10 điểm)"
    with qtbot.waitSignal(w.edited) as blocker:
        buttons[1].click()
    assert blocker.args == ["vice"]


@pytest.mark.parametrize(("typed", "stored"), [("4", 4), ("12a", "12a"), ("-2", -2)])
def test_count_field(qtbot, typed, stored):
    w = _widget(qtbot, FieldKind.COUNT)
    assert _type(qtbot, w, typed) == stored


@pytest.mark.parametrize("kind", [FieldKind.PERCENT, FieldKind.NUMBER])
@pytest.mark.parametrize(("typed", "stored"), [("87,5", "87.5"), ("90", "90"), ("abc", "abc")])
def test_decimal_fields_take_a_decimal_comma(qtbot, kind, typed, stored):
    w = _widget(qtbot, kind)
    assert _type(qtbot, w, typed) == stored


def test_decimal_field_shows_a_decimal_comma(qtbot):
    w = _widget(qtbot, FieldKind.PERCENT)
    w.set_value("87.50")
    assert w.edit.text() == "87,5"


@pytest.mark.parametrize(
    ("typed", "stored"), [("07/03/2025", "2025-03-07"), ("31/02/2025", "31/02/2025")]
)
def test_date_field_dd_mm_yyyy(qtbot, typed, stored):
    w = _widget(qtbot, FieldKind.DATE)
    assert _type(qtbot, w, typed) == stored
    w.set_value("2025-12-01")
    assert w.edit.text() == "01/12/2025"


def test_text_field(qtbot):
    w = _widget(qtbot, FieldKind.TEXT)
    # QTest.keyClicks only synthesises Latin-1 keys; Vietnamese text is covered by set_value
    assert _type(qtbot, w, "Trang tin") == "Trang tin"
    w.set_value("Đã triển khai")
    assert w.value() == "Đã triển khai"


def test_docref_field(qtbot):
    w = make_field_widget(Field("doc", FieldKind.DOCREF, "Văn bản"))
    qtbot.addWidget(w)
    with qtbot.waitSignal(w.edited):
        qtbot.keyClicks(w.edits["number"], "12/QD-UBND")
    qtbot.keyClicks(w.edits["date"], "15/03/2025")
    assert w.value() == {"number": "12/QD-UBND", "date": "2025-03-15"}
    w.set_value(
        {"number": "5/KH", "date": "2025-01-02", "issuer": "UBND xã", "summary": "Kế hoạch"}
    )
    assert w.edits["date"].text() == "02/01/2025"
    assert w.value()["issuer"] == "UBND xã"


@pytest.mark.parametrize("kind", list(FieldKind))
def test_every_field_widget_reads_and_shows(qtbot, kind):
    """Every kind's widget defines value() and _show() (declared on the base, not stubbed):
    showing what it reads back changes nothing and emits nothing."""
    w = _widget(qtbot, kind, (Choice("a", "A", Decimal(1)),))
    emitted: list = []
    w.edited.connect(emitted.append)
    before = w.value()
    w.set_value(before)
    assert w.value() == before and emitted == []
