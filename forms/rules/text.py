"""Numbers and points in plain words, shared by the rule kinds' descriptions and messages.

Kept apart from ``forms.rule_text`` (which dispatches to the kinds) so that a kind can say
"20 điểm" without importing the module that imports it.
"""

from __future__ import annotations

from decimal import Decimal

from forms.i18n import _, language


def format_number(value: Decimal | int, decimals: int | None = None) -> str:
    """``7.5`` -> ``"7,5"`` in Vietnamese; no trailing zeros unless ``decimals`` is given."""
    number = Decimal(value)
    if number.is_finite() and number and not -12 <= number.adjusted() <= 15:
        # absurd input (1e999999) must not become a million digits in a message
        text = f"{number:.3E}"
    elif decimals is not None:
        text = f"{number:.{decimals}f}"
    else:
        text = format(number.normalize(), "f") if number == number else str(number)
    return text.replace(".", ",") if language() == "vi" else text


def points_text(value: Decimal) -> str:
    """``20`` -> "20 điểm" in the display language."""
    return _("{points} điểm", points=format_number(value))


def set_number(value: Decimal) -> str:
    """A number in a criteria-set check: as Vietnamese province staff write it (decimal
    comma, no trailing zeros) whatever the display language, like the workbook they edit."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")
