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
