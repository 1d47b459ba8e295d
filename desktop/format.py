"""How values look on screen: dd/mm/yyyy dates, decimal comma, accent-insensitive matching.

Pure functions (no Qt) so they are trivially testable and identical in the PDF report.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from forms.criteria import Rounding
from forms.i18n import _, language
from forms.scoring import round_points
from forms.text import fold, format_number  # the one number formatter, in the core

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


def format_date(value: date | datetime | str | None) -> str:
    """``2025-03-07`` -> ``07/03/2025``; anything unreadable is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            parsed: date = date.fromisoformat(value[:10])
        except ValueError:
            return value
        value = parsed
    return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"


def format_moment(value: datetime | str | None, tz: tzinfo | None = None) -> str:
    """A stored moment as a person reads it: ``2025-11-11T03:47:53Z`` -> ``11/11/2025 10:47``.

    Stored times are UTC (ISO 8601, ``Z`` or an offset); they are shown in the PC's local time
    (``tz`` for tests), day first, to the minute. Anything unreadable is shown as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return value
    else:
        moment = value
    if moment.tzinfo is None:  # naive times are UTC here: every writer stores UTC
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(tz)
    return f"{format_date(local.date())} {local.hour:02d}:{local.minute:02d}"


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
