"""Small text helpers shared by storage and the GUI: normalisation and search keys.

Vietnamese text reaches us both precomposed (NFC) and decomposed (NFD, e.g. file names from
macOS or text pasted from some PDF readers); we store NFC so equal names compare equal.
``fold`` is the accent-insensitive search key: an officer typing "hoa binh" on a keyboard
without a Vietnamese input method must still find "Hòa Bình".
"""

from __future__ import annotations

import unicodedata

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
