"""How values look on screen: dd/mm/yyyy dates, decimal comma, accent-insensitive matching.

Pure functions (no Qt) so they are trivially testable and identical in the PDF report.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from forms.criteria import Rounding
from forms.i18n import _, language
from forms.scoring import round_points
from forms.text import fold, format_date, format_moment, format_number  # shared with the core

__all__ = [
    "fold",
    "format_date",
    "format_moment",
    "format_long_date",
    "format_number",
    "format_points",
    "matches",
    "parse_date",
    "plain_number_for_typing",
]


def format_long_date(value: date) -> str:
    """``2026-12-03`` -> ``ngày 03 tháng 12 năm 2026``, as official documents date themselves
    (Decree 30/2020/NĐ-CP: day and month below 10 with a leading zero)."""
    return _(
        "ngày {day} tháng {month} năm {year}",
        day=f"{value.day:02d}",
        month=f"{value.month:02d}",
        year=f"{value.year:04d}",
    )


def parse_date(text: str) -> date | None:
    """``07/03/2025`` (also ``7-3-2025``, ``7.3.2025``) or ISO ``2025-03-07``; None if not a date."""
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
    try:
        if m:
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(text)
    except ValueError:
        return None


def plain_number_for_typing(value: Any) -> str:
    """A number as an officer types it: no thousands separator, decimal comma (dot in English)."""
    text = format(Decimal(str(value)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if language() == "en" else text.replace(".", ",")


def format_points(value: Any, rounding: Rounding | None = None) -> str:
    """Points as people read them: with ``rounding`` (the criteria set's), rounded to its
    decimals as scoring rounds, then shown as published (``837,5``, not ``837,50``; ``45``,
    not ``45,00``). Without, every decimal the value has, trailing zeros dropped."""
    if rounding is not None and value is not None and value != "":
        try:
            number = value if isinstance(value, Decimal) else Decimal(str(value))
        except InvalidOperation:
            return str(value)
        if number.is_finite():
            value = round_points(number, rounding)
    return format_number(value, None)


def matches(query: str, *texts: str) -> bool:
    """Every word of ``query`` begins a word of ``texts`` (folded): "an toan" finds
    "An toàn thông tin" but not "Ban ... kiện toàn"; "5.3" finds "5.3.2"."""
    words = fold(query).split()
    haystack = fold(" ".join(texts)).split()
    return all(any(h.startswith(w) for h in haystack) for w in words)
