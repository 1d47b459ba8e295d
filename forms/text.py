"""Small text helpers shared by storage and the GUI: normalisation, search keys, long lists.

Vietnamese text reaches us both precomposed (NFC) and decomposed (NFD, e.g. file names from
macOS or text pasted from some PDF readers); we store NFC so equal names compare equal.
``fold`` is the accent-insensitive search key: an officer typing "hoa binh" on a keyboard
without a Vietnamese input method must still find "Hòa Bình".
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from forms.i18n import language

# đ/Đ are separate letters, not d + a combining mark, so NFD does not strip them.
_EXTRA = str.maketrans({"đ": "d", "Đ": "d"})


def nfc(text: str) -> str:
    """``text`` in Unicode NFC (precomposed) form."""
    return unicodedata.normalize("NFC", text)


def fold(text: str) -> str:
    """Accent- and case-insensitive key: "  Hòa   BÌNH " -> "hoa binh", "Đồng" -> "dong"."""
    decomposed = unicodedata.normalize("NFD", text.translate(_EXTRA))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


# Characters that change what a reader sees without being seen: C0/C1 controls (a tab or CR
# in a unit name broke the exported table; a NUL cuts a name in some viewers) and the bidi
# controls that reorder text on screen ("Trojan Source"), so "Xã A\u202e..." could display as
# another unit's name.
_MISLEADING = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def misleading_char(text: str) -> str | None:
    """The first control or bidi-control character in ``text`` as ``U+XXXX``, or None."""
    found = _MISLEADING.search(text)
    return None if found is None else f"U+{ord(found.group(0)):04X}"


SHORT_LIST = 10  # how many items a sentence names before it says how many more there are


def short_list(items: Sequence[str], limit: int | None = SHORT_LIST) -> str:
    """``items`` joined for a sentence, the first ``limit`` of a long list and a count of the
    rest: ``10001, 10002, …, 10010 và 289 mục khác`` rather than 299 codes on one line.
    ``limit=None`` names them all (``--verbose``)."""
    from forms.i18n import _

    if limit is None or len(items) <= limit:
        return ", ".join(items)
    return _(
        "{items} và {count} mục khác", items=", ".join(items[:limit]), count=len(items) - limit
    )


def format_number(value: Any, decimals: int | None = None) -> str:
    """A number as people read it, in the display language: decimal comma and dot thousands in
    Vietnamese (``1234.5`` -> ``1.234,5``), ``1,234.5`` in English; ``decimals=None`` drops
    trailing zeros, ``decimals=2`` shows exactly two (``650,00``).

    The one number formatter: the rule kinds' words, validation messages, the GUI's fields and
    the report all call it (``forms.rules.text`` and ``desktop.format`` re-export it). ``None``
    or ``""`` give ``""``; text that is not a number is shown as it is; an absurd magnitude
    (``1e999999`` from a hostile file) is written short (``1,000E+999999``), never as a million
    digits."""
    if value is None or value == "":
        return ""
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    point = "," if language() == "vi" else "."
    if not number.is_finite():
        return str(number)
    if number and not -12 <= number.adjusted() <= 15:
        return f"{number:.3E}".replace(".", point)
    if decimals is not None:
        number = number.quantize(Decimal(1).scaleb(-decimals))
    text = format(number, "f")
    if decimals is None and "." in text:
        text = text.rstrip("0").rstrip(".")
    sign = "-" if text.startswith("-") else ""
    whole, _dot, fraction = text.lstrip("-").partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    thousands = "." if point == "," else ","
    return sign + thousands.join(groups) + (point + fraction if fraction else "")


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
