"""Typing numbers whatever the PC's regional settings (issue 14: "10,5" became 10, silently)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from desktop.number_input import DecimalSpinBox, apply_number_locale, typed_decimal
from desktop.qt import QLocale, Qt
from forms.i18n import set_language

PC_LOCALES = ["C", "vi_VN", "en_US"]


@pytest.fixture
def pc_locale(request):
    """The PC's regional setting, as Qt sees it at start-up; restored afterwards."""
    before = QLocale()
    QLocale.setDefault(QLocale(request.param))
    yield request.param
    QLocale.setDefault(before)
    set_language("vi")


def _box(qtbot, decimals: int = 2, maximum: float = 20.0) -> DecimalSpinBox:
    box = DecimalSpinBox()
    box.setDecimals(decimals)
    box.setRange(0, maximum)
    qtbot.addWidget(box)
    return box


def _type(qtbot, box: DecimalSpinBox, text: str) -> None:
    box.lineEdit().selectAll()
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Delete)
    qtbot.keyClicks(box.lineEdit(), text)
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)


@pytest.mark.parametrize("pc_locale", PC_LOCALES, indirect=True)
@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("typed", ["10,5", "10.5"])
def test_both_decimal_marks_give_ten_and_a_half(qtbot, pc_locale, lang, typed):
    set_language(lang)
    box = _box(qtbot)
    _type(qtbot, box, typed)
    assert box.decimal_value() == Decimal("10.5")
    shown = "10,50" if lang == "vi" else "10.50"
    assert box.lineEdit().text() == shown


@pytest.mark.parametrize("pc_locale", PC_LOCALES, indirect=True)
def test_more_decimals_than_kept_are_refused_as_typed_not_rounded_away(qtbot, pc_locale):
    set_language("vi")
    box = _box(qtbot, decimals=1)
    _type(qtbot, box, "7,25")  # the "5" is refused: the box shows what it will keep
    assert box.lineEdit().text() == "7,2"
    assert box.decimal_value() == Decimal("7.2")


@pytest.mark.parametrize("pc_locale", PC_LOCALES, indirect=True)
def test_above_the_maximum_is_refused(qtbot, pc_locale):
    set_language("vi")
    box = _box(qtbot, maximum=10)
    _type(qtbot, box, "12")
    assert box.decimal_value() == Decimal("1")  # the "2" was refused, never clamped silently


def test_the_app_number_locale_follows_the_language_not_the_pc(qtbot):
    before = QLocale()
    try:
        QLocale.setDefault(QLocale("en_US"))
        apply_number_locale("vi")
        assert QLocale().decimalPoint() == ","
        apply_number_locale("en")
        assert QLocale().decimalPoint() == "."
    finally:
        QLocale.setDefault(before)


@pytest.mark.parametrize(
    ("text", "value"),
    [("10,5", "10.5"), ("10.5", "10.5"), ("1.234,5", "1234.5"), ("1,234.5", "1234.5"),
     (" 7 ", "7"), ("", None), ("mười", None), ("1,2,3", None)],
)  # fmt: skip
def test_typed_decimal(text, value):
    assert typed_decimal(text) == (Decimal(value) if value else None)
