"""Canonical JSON: the one encoding every signed file of dti-desk uses, and its strict reader.

Signed bytes (package manifests, reviews, bundle manifests, trust exports, signature files) are
``json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))`` in UTF-8, every
string NFC. A reader of someone else's file takes them back with :func:`parse_canonical`, which
insists on one meaning per byte: no duplicate keys (``json`` would keep the last silently), no
NaN/Infinity, no byte order mark, NFC strings, and bytes equal to their own re-encoding (so two
different files can never carry the same signed content, and what a human reads with any JSON
viewer is what was signed).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from typing import Any

import orjson


class CanonicalError(ValueError):
    """Why bytes are not canonical JSON; ``reason`` is a stable code for messages."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason  # "encoding", "syntax", "duplicate_key", "not_nfc", "not_canonical"
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


def canonical_bytes(obj: Any, *, default: Callable[[Any], Any] | None = None) -> bytes:
    """The signed form of ``obj`` (keys sorted, no whitespace, UTF-8); ``default`` as for
    ``json.dumps`` (the audit log turns Decimals into text with it)."""
    return json.dumps(
        obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=default
    ).encode("utf-8")


def _reencoded(obj: Any, has_floats: bool) -> bytes:
    """``canonical_bytes(obj)``, computed by orjson where it is byte-for-byte the same.

    A verifier re-encodes every manifest it reads; the standard library's encoder took ~100 µs
    of a package's ~400 µs, orjson ~10 µs. The two agree on everything JSON without floats
    (key order by code point, the same escapes; ``tests/forms/test_canonical.py`` holds them
    to it); floats (which no signed file of ours contains) and integers beyond 64 bits (which
    orjson refuses) take the standard library's path, so the result is always the reference
    encoding's."""
    if not has_floats:
        try:
            return orjson.dumps(obj, option=orjson.OPT_SORT_KEYS)
        except TypeError:  # an integer beyond 64 bits, or a lone surrogate
            pass
    return canonical_bytes(obj)


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise CanonicalError("duplicate_key", key[:80])
            seen.add(key)
    return obj


def _no_constant(name: str) -> Any:
    raise CanonicalError("syntax", f"{name} is not allowed")


def _text(raw: bytes) -> str:
    """``raw`` as UTF-8 text without a byte order mark (one encoding: a BOM would be a second)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalError("encoding", str(exc)[:200]) from None
    if text.startswith("\ufeff"):
        raise CanonicalError("encoding", "byte order mark")
    return text


def strict_loads(raw: bytes) -> Any:
    """Parse JSON someone else wrote: UTF-8 only, no duplicate keys, no NaN/Infinity.

    For files that are not signed (a trust list, a settings file): formatting is free, meaning
    is not."""
    text = _text(raw)
    try:
        return json.loads(text, object_pairs_hook=_pairs, parse_constant=_no_constant)
    except CanonicalError:
        raise
    except (ValueError, RecursionError) as exc:
        raise CanonicalError("syntax", str(exc)[:200]) from None


def _all_nfc(obj: Any) -> bool:
    stack = [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not item.isascii() and not unicodedata.is_normalized("NFC", item):
                return False
        elif isinstance(item, dict):
            for key, value in item.items():
                if not key.isascii() and not unicodedata.is_normalized("NFC", key):
                    return False
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return True


def parse_canonical(raw: bytes) -> Any:
    """Parse signed bytes: :func:`strict_loads`, then NFC strings and ``raw`` must equal
    :func:`canonical_bytes` of the result. Raises :class:`CanonicalError`.

    Fast on the usual (valid) input, since verifiers call it for every package: the plain C
    parser first, then the re-encoding compared. Duplicate keys cannot survive that
    comparison (the re-encoding of a dict holds each key once), so the slower strict parser
    only runs to name the reason when the bytes differ. A text that is NFC as a whole has NFC
    strings (escapes stand only for ASCII and control characters, which compose with
    nothing); only a text that is not is checked string by string."""
    text = _text(raw)
    floats: list[str] = []

    def _float(number: str) -> float:
        floats.append(number)  # only called for floats: none in our own files
        return float(number)

    try:
        obj = json.loads(text, parse_constant=_no_constant, parse_float=_float)
    except CanonicalError:
        raise
    except (ValueError, RecursionError) as exc:
        raise CanonicalError("syntax", str(exc)[:200]) from None
    try:
        same = _reencoded(obj, bool(floats)) == raw
    except UnicodeEncodeError:  # a lone surrogate, which only an escape can write
        same = False
    if not same:
        strict_loads(raw)  # raises duplicate_key when that is why
    if not (text.isascii() or unicodedata.is_normalized("NFC", text) or _all_nfc(obj)):
        raise CanonicalError("not_nfc")
    if not same:
        raise CanonicalError("not_canonical")
    return obj
