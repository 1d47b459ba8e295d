"""Reading raw answer values (as typed, as stored in JSON) into numbers, leniently.

Answers travel as JSON: numbers may arrive as int, float, Decimal or text with a decimal
comma ("12,5"). Scoring never raises on a bad value (it scores 0 and validation reports it).
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any


def to_decimal(value: Any) -> Decimal | None:
    """The value as a finite Decimal, or None if it is missing or not a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    elif isinstance(value, str):
        text = value.strip().replace("\u00a0", "").replace(" ", "")
        if not text:
            return None
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            result = Decimal(text)
        except InvalidOperation:
            return None
    else:
        return None
    return result if result.is_finite() else None


def to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        text = value.strip().casefold()
        if text in {"có", "co", "yes", "true", "1", "x"}:
            return True
        if text in {"không", "khong", "no", "false", "0"}:
            return False
    return None
