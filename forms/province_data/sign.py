"""Signing a ``.dtidata`` file (the province's side), like a review (``forms.review.sign``):
a small JSON envelope around the exact signed body bytes, signed by the same signers as
packages (Ed25519 key or PKCS#12 certificate)."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages.signing import Signer
from forms.problems import Problem, ProblemsError
from forms.province_data.model import (
    FILE_FORMAT,
    FORMAT_VERSION,
    ProvinceData,
    Supplied,
    body_bytes,
    body_dict,
)
from forms.province_data.values import value_problems


def now_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_data(
    cs: CriteriaSet, issuer: str, units: dict[str, dict[str, Supplied]], issued_at: str = ""
) -> ProvinceData:
    """The data for ``cs``'s set and year (fingerprint filled in when signed)."""
    return ProvinceData(
        set_id=cs.set_id,
        set_version=cs.version,
        set_hash=cs.content_hash,
        year=cs.year,
        issued_at=issued_at or now_text(),
        issuer=issuer,
        fingerprint="",
        units=units,
    )


def check_data(cs: CriteriaSet, data: ProvinceData) -> list[Problem]:
    """Everything that makes the data unfit to sign for ``cs``."""
    problems = []
    if data.set_hash != cs.content_hash or data.year != cs.year:
        message = _("Dữ liệu tỉnh dành cho bộ tiêu chí khác với {set}", set=cs.short_id)
        problems.append(Problem("wrong_set", message, "criteria_set"))
    if not data.issuer.strip():
        problems.append(Problem("issuer_missing", _("Thiếu tên cơ quan cung cấp dữ liệu"), "issuer"))  # fmt: skip
    raw = {unit: {k: s.value for k, s in values.items()} for unit, values in data.units.items()}
    return problems + value_problems(cs, raw)


def sign_data(data: ProvinceData, cs: CriteriaSet, signer: Signer) -> bytes:
    """The bytes of a signed ``.dtidata`` file; ``ProblemsError`` if the data is unfit."""
    problems = check_data(cs, data)
    if problems:
        raise ProblemsError(problems)
    body = body_bytes(body_dict(replace(data, fingerprint=signer.fingerprint)))
    blob = signer.sign(body)
    envelope = {
        "format": FILE_FORMAT,
        "format_version": FORMAT_VERSION,
        # the exact signed bytes, as text: never re-serialised before checking
        "data": body.decode("utf-8"),
        "signature_kind": blob.kind,
        "signature": base64.b64encode(blob.data).decode("ascii"),
    }
    text = json.dumps(envelope, ensure_ascii=False, sort_keys=True, indent=1) + "\n"
    return text.encode("utf-8")
