"""One translation function for every user-visible string, core and GUI alike.

Vietnamese is the source language: the text passed to ``_`` *is* the Vietnamese message.
English lives in ``resources/i18n/en/*.json`` (one file per area, so features do not
collide), each a flat ``{"vietnamese source": "english text"}`` map. A test checks that
every ``_("...")`` literal in the code has an English entry and that no entry is stale.

Plain JSON instead of gettext because the core must not depend on Qt and the project has
no msgfmt toolchain on Windows offices; the catalogue is small and reviewed by humans.
"""

from __future__ import annotations

import json
import os
import unicodedata
from functools import cache
from importlib import resources
from typing import Any

SUPPORTED = ("vi", "en")
_language = os.environ.get("DTI_LANG", "vi") if os.environ.get("DTI_LANG") in SUPPORTED else "vi"


def set_language(lang: str) -> None:
    global _language
    if lang not in SUPPORTED:
        raise ValueError(f"unsupported language {lang!r}; choose one of {SUPPORTED}")
    _language = lang


def language() -> str:
    return _language


@cache
def english_catalogue() -> dict[str, str]:
    merged: dict[str, str] = {}
    folder = resources.files("resources") / "i18n" / "en"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            data = json.loads(entry.read_text(encoding="utf-8"))
            for vi, en in data.items():
                merged[unicodedata.normalize("NFC", vi)] = en
    return merged


def _(text: str, /, **fields: Any) -> str:
    """Translate ``text`` (Vietnamese source) into the current language, then fill ``fields``."""
    text = unicodedata.normalize("NFC", text)
    if _language == "en":
        text = english_catalogue().get(text, text)
    return text.format(**fields) if fields else text


def N_(text: str) -> str:  # noqa: N802 - the usual name of a "translate later" marker
    """Marks a literal for the catalogue check; translated when used, through ``_``."""
    return text


def translate(text: str, lang: str, /, **fields: Any) -> str:
    """Like ``_`` but for an explicit language (e.g. a message stored once, shown twice)."""
    text = unicodedata.normalize("NFC", text)
    if lang == "en":
        text = english_catalogue().get(text, text)
    return text.format(**fields) if fields else text
