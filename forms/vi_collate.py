"""A small, pure sort key for Vietnamese names (no ICU, no Qt: the core must run anywhere).

Python's default ordering compares code points, which puts "Đ" after "Z" and "Ân" after
"Yên". Vietnamese dictionaries order letters as

    a ă â b c d đ e ê f g h i j k l m n o ô ơ p q r s t u ư v w x y z

and treat the five tone marks as a *secondary* difference (CLDR's ``vi`` tailoring:
no tone < huyền ` < hỏi ̉ < ngã ~ < sắc ´ < nặng ̣), case as a tertiary one. So "An" < "Àn" < "Án"
< "Ăn" < "Bắc": tones only break ties between words with the same letters.

The GUI may use ``QCollator`` for display sorting; the core (ranking, exports) uses this key so
the published order is the same on every machine, with or without ICU data.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from forms.text import fold

_GRAVE, _HOOK, _TILDE, _ACUTE, _DOT = "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"
_BREVE, _CIRCUMFLEX, _HORN = "\u0306", "\u0302", "\u031b"
_TONES = {_GRAVE: 1, _HOOK: 2, _TILDE: 3, _ACUTE: 4, _DOT: 5}

# Letters in Vietnamese alphabetical order; the modified vowels are (base, modifier) pairs.
_ALPHABET: list[tuple[str, str]] = [
    ("a", ""), ("a", _BREVE), ("a", _CIRCUMFLEX), ("b", ""), ("c", ""), ("d", ""), ("đ", ""),
    ("e", ""), ("e", _CIRCUMFLEX), ("f", ""), ("g", ""), ("h", ""), ("i", ""), ("j", ""),
    ("k", ""), ("l", ""), ("m", ""), ("n", ""), ("o", ""), ("o", _CIRCUMFLEX), ("o", _HORN),
    ("p", ""), ("q", ""), ("r", ""), ("s", ""), ("t", ""), ("u", ""), ("u", _HORN), ("v", ""),
    ("w", ""), ("x", ""), ("y", ""), ("z", ""),
]  # fmt: skip
# Primary weights: separators < digits < letters < anything else (by code point).
_LETTER_BASE = 1000
_LETTER_WEIGHT = {letter: _LETTER_BASE + i for i, letter in enumerate(_ALPHABET)}
_OTHER_BASE = 2000

SortKey = tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], str]


def _clusters(text: str) -> list[tuple[str, str]]:
    """Split NFD text into (base character, its combining marks)."""
    out: list[tuple[str, str]] = []
    for ch in unicodedata.normalize("NFD", text):
        if unicodedata.combining(ch) and out:
            base, marks = out[-1]
            out[-1] = (base, marks + ch)
        else:
            out.append((ch, ""))
    return out


@lru_cache(maxsize=65536)  # names are sorted again on every refresh; keys are immutable tuples
def sort_key(text: str) -> SortKey:
    """Key for ``sorted(names, key=sort_key)`` in Vietnamese dictionary order.

    Whitespace and punctuation runs count as one separator that sorts first, so
    "An Bình" < "An Châu" < "Anh" (word by word, as a telephone book does).
    """
    primary: list[int] = []
    secondary: list[int] = []
    tertiary: list[int] = []
    previous_separator = True
    for base, marks in _clusters(text):
        lower = base.lower()
        if lower == "đ" or lower.isalpha() and lower.isascii():
            modifier = next((m for m in marks if m in (_BREVE, _CIRCUMFLEX, _HORN)), "")
            weight = _LETTER_WEIGHT.get((lower, modifier)) or _LETTER_WEIGHT.get((lower, ""))
            assert weight is not None  # every ASCII letter and đ is in the alphabet
            primary.append(weight)
            secondary.append(next((_TONES[m] for m in marks if m in _TONES), 0))
            tertiary.append(0 if base == lower else 1)
            previous_separator = False
        elif base.isdigit():
            primary.append(100 + int(unicodedata.digit(base, 0)))
            secondary.append(0)
            tertiary.append(0)
            previous_separator = False
        elif base.isspace() or unicodedata.category(base)[0] in "PZ":
            if not previous_separator:  # runs of separators weigh as one
                primary.append(1)
                secondary.append(0)
                tertiary.append(0)
            previous_separator = True
        else:
            primary.append(_OTHER_BASE + ord(base))
            secondary.append(0)
            tertiary.append(0)
            previous_separator = False
    while primary and primary[-1] == 1:  # trailing separators do not count
        primary.pop()
        secondary.pop()
        tertiary.pop()
    # The NFC text last: two different strings never compare equal, so sorting is total.
    return tuple(primary), tuple(secondary), tuple(tertiary), unicodedata.normalize("NFC", text)


# How unit names begin since 1 July 2025 (and before it: thị trấn), folded. Lists of units are
# read by the name proper: "Xã Yên Lạc" is looked for under Y, not among all the "Xã"s.
UNIT_PREFIXES = ("xa ", "phuong ", "dac khu ", "thi tran ")


def name_proper(name: str) -> str:
    """``name`` without its leading kind word: "Phường Hòa Bình" -> "Hòa Bình"."""
    words = name.split()
    for prefix in UNIT_PREFIXES:
        size = prefix.count(" ")
        if len(words) > size and fold(" ".join(words[:size])) + " " == prefix:
            return " ".join(words[size:])
    return name


@lru_cache(maxsize=65536)
def unit_sort_key(name: str) -> tuple[SortKey, SortKey]:
    """Key for units in A→Z order by their name proper, then by the whole name ("Phường An
    Bình" and "Xã An Bình" stay apart and in a fixed order)."""
    return sort_key(name_proper(name)), sort_key(name)


def unit_sort_string(name: str) -> str:
    """``unit_sort_key`` as one string, for Qt's sort models (see ``sort_string``)."""
    return sort_string(name_proper(name)) + "\x02" + sort_string(name)


@lru_cache(maxsize=65536)
def sort_string(text: str) -> str:
    """``sort_key`` flattened into one string that compares the same way code unit by code unit.

    For sort models that can only compare strings (Qt's proxy models compare QStrings): every
    weight becomes one character below the surrogate range, levels are separated by U+0001.
    """
    primary, secondary, tertiary, nfc = sort_key(text)

    def level(weights: tuple[int, ...]) -> str:
        return "".join(chr(0x20 + min(w, 0xD000)) for w in weights)

    return "\x01".join((level(primary), level(secondary), level(tertiary), nfc))
