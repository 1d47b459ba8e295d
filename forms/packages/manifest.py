"""The manifest: everything a package claims, as a dict and as its exact signed bytes.

Canonical bytes: ``forms.canonical.canonical_bytes`` of NFC text, UTF-8. Decimals (points) are strings, never floats, so the bytes are the same on
every machine; the same content signed with the same key gives the same manifest bytes
except for ``submission_id`` and ``created_at``.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from typing import Any

from forms.canonical import canonical_bytes
from forms.criteria import CriteriaSet
from forms.packages.format import FORMAT_NAME, FORMAT_VERSION, PROVINCE_DATA_VERSION
from forms.scoring import Score


@lru_cache(maxsize=8192)
def decimal_text(value: Decimal) -> str:
    """``Decimal`` as plain text without exponent or trailing zeros (20, 6.5, 0.3333...).

    Cached: thousands of packages share the same few point values, and equal Decimals
    (20 and 20.0) have the same text, so the cache cannot mix them up."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "") else text


def nfc_value(value: Any) -> Any:
    """A JSON-compatible copy of ``value`` with NFC text and decimals as strings."""
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        # floats are kept as JSON numbers (Python's repr is stable), but never NaN/inf
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("NaN or infinite number in answers")
        return value
    if isinstance(value, Mapping):
        return {unicodedata.normalize("NFC", str(k)): nfc_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [nfc_value(v) for v in value]
    if hasattr(value, "isoformat"):  # date, datetime
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a manifest")


def scores_dict(result: Score) -> dict[str, Any]:
    out = {
        "indicators": {code: decimal_text(v) for code, v in result.indicators.items()},
        "pillars": {code: decimal_text(v) for code, v in result.pillars.items()},
        "total": decimal_text(result.total),
        "published_pillars": {code: str(v) for code, v in result.published_pillars.items()},
        "published_total": str(result.published_total),
        "classification": unicodedata.normalize("NFC", result.classification),
    }
    if result.applicable_max is not None:
        # a set with applicability (issue 16): what applies and the total on the full scale;
        # absent for every other set, so their packages are what they were
        out["applicable_max"] = decimal_text(result.applicable_max)
        out["scaled_total"] = decimal_text(result.scaled_total or Decimal(0))
        out["not_applicable"] = dict(sorted(result.not_applicable.items()))
    return out


def criteria_dict(cs: CriteriaSet, content_hash: str) -> dict[str, Any]:
    return {
        "set_id": cs.set_id,
        "year": cs.year,
        "version": cs.version,
        "content_hash": content_hash,
    }


def build_manifest(
    *,
    unit_code: str,
    unit_name: str,
    year: int,
    criteria: dict[str, Any],
    revision: int,
    submission_id: str,
    supersedes: str | None,
    created_at: str,
    officer_name: str,
    officer_position: str,
    app_version: str,
    answers: dict[str, Any],
    scores: dict[str, Any],
    evidence: list[dict[str, Any]],
    report: dict[str, Any] | None = None,
    officer_phone: str = "",
    officer_email: str = "",
    chairman_name: str = "",
    signers: list[dict[str, str]] | None = None,
    province_data: dict[str, Any] | None = None,
    unit_kind: str = "",
    not_applicable: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The manifest of the version this app writes (``FORMAT_VERSION``); ``evidence`` lists
    one reference per attachment (several may share a ``path``), ``report`` the PDF's entry
    ``{"path", "sha256", "size"}`` or None; ``signers`` (two signatures only) each signer's
    role and the sha256 of its public key, chairman first."""
    # the officer's phone and e-mail and the chairman's name: present only when given, so a
    # package without them is byte for byte what it was before they existed (issue 15)
    officer = {"name": officer_name, "position": officer_position}
    officer.update({k: v for k, v in (("phone", officer_phone), ("email", officer_email)) if v})
    unit = {"code": unit_code, "name": unit_name}
    if chairman_name:
        unit["chairman"] = chairman_name
    body: dict[str, Any] = {"signers": signers} if signers else {}
    # the province's data file (issue 16): only in a package that uses one, which is then of
    # format 3; every other package is byte for byte what it was
    if province_data is not None:
        body["province_data"] = province_data
    version = FORMAT_VERSION if province_data is None else PROVINCE_DATA_VERSION
    # applicability (issue 16): the unit's kind only for a set that uses it, the marks only
    # when there are any
    if unit_kind:
        unit["kind"] = unit_kind
    if not_applicable:
        body["not_applicable"] = dict(not_applicable)
    return nfc_value(
        {
            **body,
            "format": FORMAT_NAME,
            "format_version": version,
            "unit": unit,
            "year": year,
            "criteria_set": criteria,
            "revision": revision,
            "submission_id": submission_id,
            "supersedes": supersedes,
            "created_at": created_at,
            "officer": officer,
            "app_version": app_version,
            "answers": answers,
            "scores": scores,
            "evidence": evidence,
            "report": report,
        }
    )


def manifest_bytes(manifest: Mapping[str, Any]) -> bytes:
    return canonical_bytes(manifest)
