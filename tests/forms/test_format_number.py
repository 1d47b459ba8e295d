"""One number formatter for the core and the GUI (issue 14: ``forms.rules.text`` and
``desktop.format`` each had one, and a rule said "1000" where the page beside it said "1.000")."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from forms.i18n import set_language
from forms.text import format_number


def test_the_rule_texts_and_the_gui_use_the_same_function():
    import desktop.format
    import forms.rule_text
    import forms.rules.text

    assert desktop.format.format_number is format_number
    assert forms.rules.text.format_number is format_number
    assert forms.rule_text.format_number is format_number


@pytest.mark.parametrize(
    ("value", "decimals", "vi", "en"),
    [
        (D("1234.5"), None, "1.234,5", "1,234.5"),
        (D("-1234567.25"), None, "-1.234.567,25", "-1,234,567.25"),
        ("1000", None, "1.000", "1,000"),
        (D("650"), 2, "650,00", "650.00"),
        (D("649.995"), 2, "650,00", "650.00"),
        (D("7.50"), None, "7,5", "7.5"),
        (7, None, "7", "7"),
        (None, None, "", ""),
        ("", None, "", ""),
        ("3,5 lần", None, "3,5 lần", "3,5 lần"),  # not a number: shown as typed
        (D("Infinity"), None, "Infinity", "Infinity"),
        (D("1e999999"), None, "1,000E+999999", "1.000E+999999"),
        (D("1e20"), 2, "1,000E+20", "1.000E+20"),  # no 21-digit quantize, no error
    ],
)
def test_format_number(value, decimals, vi, en):
    assert format_number(value, decimals) == vi
    set_language("en")
    assert format_number(value, decimals) == en


def test_tiny_values_stay_short():
    assert len(format_number(D("-1e-40"))) < 15
