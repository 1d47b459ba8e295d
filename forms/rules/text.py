"""Numbers and points in plain words, shared by the rule kinds' descriptions and messages.

Kept apart from ``forms.rule_text`` (which dispatches to the kinds) so that a kind can say
"20 điểm" without importing the module that imports it.
"""

from __future__ import annotations

from decimal import Decimal

from forms.i18n import _
from forms.text import format_number

__all__ = ["format_number", "points_text", "set_number"]


def points_text(value: Decimal) -> str:
    """``20`` -> "20 điểm" in the display language."""
    return _("{points} điểm", points=format_number(value))


def set_number(value: Decimal) -> str:
    """A number in a criteria-set check: as Vietnamese province staff write it (decimal
    comma, no trailing zeros) whatever the display language, like the workbook they edit."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")
