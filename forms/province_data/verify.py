"""Checking a ``.dtidata`` file: envelope, signature, canonical body, shape, the province's
key, the criteria set and year, and every value against its field.

Every failure is a ``Problem`` with a stable code; nothing is written. The signer must hold the
``province_data`` role for ``*`` (every unit) in the trust list given: on a commune, the
province keys it trusts (``<data dir>/reviewers.json``); on a collector its ``trust.json``.
The checks run in order (``DATA_CHECKS``), each saying whether the next may run.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from forms.canonical import CanonicalError, parse_canonical, strict_loads
from forms.criteria import CriteriaSet
from forms.i18n import N_, _
from forms.inbound import InboundRejected, read_inbound
from forms.packages.format import SIGNATURE_CMS, SIGNATURE_ED25519
from forms.packages.signer_trust import TrustWording, signer_problems
from forms.packages.signing import (
    KIND_ED25519,
    KIND_X509,
    SignatureError,
    SignerInfo,
    verify_signature,
)
from forms.packages.trust import ANY_UNIT, ROLE_PROVINCE_DATA, TrustRegistry
from forms.packages.verdict import CriteriaLookup, lookup_criteria
from forms.problems import Problem
from forms.province_data.model import (
    BODY_FORMAT,
    FILE_FORMAT,
    FORMAT_VERSION,
    MAX_FILE_BYTES,
    ProvinceData,
    data_from_body,
)
from forms.province_data.shape import ShapeError, check_shape
from forms.province_data.values import value_problems

_ENTRY = {KIND_ED25519: SIGNATURE_ED25519, KIND_X509: SIGNATURE_CMS}


@dataclass
class DataVerdict:
    ok: bool
    path: str
    reasons: list[Problem] = field(default_factory=list)
    data: ProvinceData | None = None
    signer: SignerInfo | None = None
    sha256: str = ""  # of the file's bytes: what a package records
    raw: bytes = b""  # the file, exactly as read
    criteria_set: CriteriaSet | None = None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.reasons]

    def to_json(self) -> dict[str, Any]:
        data = self.data
        return {
            "ok": self.ok,
            "sha256": self.sha256,
            "set_id": data.set_id if data else None,
            "set_hash": data.set_hash if data else None,
            "year": data.year if data else None,
            "issued_at": data.issued_at if data else None,
            "issuer": data.issuer if data else None,
            "signer": self.signer.fingerprint if self.signer else None,
            "units": {
                unit: {k: {"value": s.value, "source": s.source} for k, s in values.items()}
                for unit, values in (data.units.items() if data else ())
            },
            "reasons": [p.to_json() for p in self.reasons],
        }


@dataclass
class _Run:
    source: str | os.PathLike[str] | bytes
    label: str
    verdict: DataVerdict
    criteria_sets: CriteriaLookup
    trust: TrustRegistry | None
    expected: tuple[str, int] | None  # (set content hash, year) the caller wants
    envelope: dict[str, Any] = field(default_factory=dict)
    body_raw: bytes = b""
    body: dict[str, Any] = field(default_factory=dict)
    issued: datetime = datetime.min
    check_trust: bool = True

    def add(self, code: str, message: str, where: str = "") -> None:
        self.verdict.reasons.append(Problem(code, message, where or self.label))


def _not_data(run: _Run) -> None:
    run.add("not_province_data", _("Tệp {name} không phải tệp dữ liệu tỉnh cung cấp (.dtidata)", name=run.label))  # fmt: skip


def file_read(run: _Run) -> bool:
    source = run.source
    if not isinstance(source, bytes):
        try:
            source = read_inbound(source, MAX_FILE_BYTES)
        except InboundRejected as exc:
            run.verdict.reasons.append(exc.problem)
            return False
    elif len(source) > MAX_FILE_BYTES:
        run.add("file_too_large", _("Tệp dữ liệu tỉnh {name} quá lớn ({size} byte, tối đa {limit})", name=run.label, size=len(source), limit=MAX_FILE_BYTES))  # fmt: skip
        return False
    run.verdict.raw, run.verdict.sha256 = source, hashlib.sha256(source).hexdigest()
    return True


def _canonical(run: _Run, exc: CanonicalError, where: str) -> None:
    if exc.reason == "duplicate_key":
        run.add("duplicate_key", _("Tệp dữ liệu tỉnh {name} có khóa JSON {key} lặp lại: nội dung có thể đọc theo hai cách, không dùng", name=run.label, key=exc.detail), where)  # fmt: skip
    elif exc.reason in ("not_canonical", "not_nfc"):
        run.add("not_canonical", _("Nội dung đã ký của tệp dữ liệu tỉnh {name} không ở dạng chuẩn (JSON chuẩn hóa, Unicode NFC): không dùng", name=run.label), where)  # fmt: skip
    else:
        _not_data(run)


def envelope(run: _Run) -> bool:
    try:
        found = strict_loads(run.verdict.raw)
    except CanonicalError as exc:
        _canonical(run, exc, run.label)
        return False
    if not isinstance(found, dict) or found.get("format") != FILE_FORMAT:
        _not_data(run)
        return False
    version = found.get("format_version")
    if type(version) is not int or version != FORMAT_VERSION:
        run.add("format_version", _("Phiên bản định dạng tệp dữ liệu tỉnh {found} không được hỗ trợ (cần {expected})", found=str(version), expected=FORMAT_VERSION))  # fmt: skip
        return False
    text, kind, sig = found.get("data"), found.get("signature_kind"), found.get("signature")
    if not (isinstance(text, str) and isinstance(kind, str) and kind in _ENTRY and isinstance(sig, str)):  # fmt: skip
        run.add("data_invalid", _("Tệp dữ liệu tỉnh thiếu hoặc sai trường {field}", field="data/signature"))  # fmt: skip
        return False
    try:
        run.body_raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: valid JSON, no UTF-8
        run.add("data_invalid", _("Tệp dữ liệu tỉnh thiếu hoặc sai trường {field}", field="data"))  # fmt: skip
        return False
    run.envelope = found
    return True


def signature(run: _Run) -> bool:
    """Over the body's exact bytes; a failure is noted and the body still read (to name it)."""
    try:
        blob = base64.b64decode(run.envelope["signature"], validate=True)
        entry = _ENTRY[run.envelope["signature_kind"]]
        run.verdict.signer = verify_signature(entry, blob, run.body_raw)
    except (SignatureError, binascii.Error, ValueError):
        run.add("signature_invalid", _("Chữ ký của tệp dữ liệu tỉnh không khớp với nội dung (tệp đã bị sửa hoặc hỏng)"), "signature")  # fmt: skip
    return True


def body(run: _Run) -> bool:
    try:
        found = parse_canonical(run.body_raw)
    except CanonicalError as exc:
        _canonical(run, exc, "data")
        return False
    if not isinstance(found, dict) or found.get("format") != BODY_FORMAT:
        _not_data(run)
        return False
    try:
        if type(found.get("format_version")) is not int or found["format_version"] != FORMAT_VERSION:  # fmt: skip
            raise ShapeError("format_version")
        run.issued = check_shape(found)
    except ShapeError as exc:
        run.add("data_invalid", _("Tệp dữ liệu tỉnh thiếu hoặc sai trường {field}", field=exc.where), exc.where)  # fmt: skip
        return False
    run.body = found
    run.verdict.data = data_from_body(found)
    return True


_WORDING = TrustWording(
    unknown=(
        "province_key_unknown",
        N_("Khóa {fingerprint} không có trong danh sách khóa tỉnh tin cậy (vai trò province_data)"),
    ),  # fmt: skip
    not_for_unit=(
        "province_key_not_for_unit",
        N_(
            "Khóa {fingerprint} chỉ được ký dữ liệu cho đơn vị {units}, không phải cho cả tỉnh ({unit})"
        ),
    ),  # fmt: skip
)


def trust_problems(verdict: DataVerdict, trust: TrustRegistry | None) -> list[Problem]:
    """Why the signer of a read file may not sign province data (role ``province_data`` for
    ``*``, and a certificate's chain at the issue time); empty when it may, or when the
    signature did not verify (nothing to trust)."""
    signer, data = verdict.signer, verdict.data
    if signer is None or data is None:
        return []
    issued = datetime.strptime(data.issued_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    return signer_problems(signer, ROLE_PROVINCE_DATA, ANY_UNIT, trust, issued, _WORDING)


def signer_trusted(run: _Run) -> bool:
    signer, data = run.verdict.signer, run.verdict.data
    if signer is None or data is None:  # the signature failed: nothing to trust
        return True
    if data.fingerprint != signer.fingerprint:
        run.add("signature_invalid", _("Dấu vân tay ghi trong tệp dữ liệu tỉnh ({claimed}) khác khóa đã ký ({actual})", claimed=data.fingerprint, actual=signer.fingerprint), "issuer.fingerprint")  # fmt: skip
    if run.check_trust:
        run.verdict.reasons.extend(trust_problems(run.verdict, run.trust))
    return True


def criteria(run: _Run) -> bool:
    data = run.verdict.data
    assert data is not None
    if run.expected is not None:
        want_hash, want_year = run.expected
        if data.year != want_year:
            run.add("wrong_year", _("Tệp dữ liệu tỉnh dành cho năm {found}, không phải năm {year}", found=data.year, year=want_year), "year")  # fmt: skip
        elif data.set_hash != want_hash:
            run.add("wrong_set", _("Tệp dữ liệu tỉnh dành cho bộ tiêu chí {set_id} v{version} ({hash}), không phải bộ đang dùng", set_id=data.set_id, version=data.set_version, hash=data.set_hash[:12]), "criteria_set")  # fmt: skip
    cs = lookup_criteria(run.criteria_sets, data.set_hash)
    if cs is None:
        run.add("criteria_unknown", _("Bộ tiêu chí không xác định: {set_id} {year} v{version} (mã băm {hash})", set_id=data.set_id, year=data.year, version=data.set_version, hash=data.set_hash[:12]), "criteria_set")  # fmt: skip
        return False
    if (cs.set_id, cs.year, cs.version) != (data.set_id, data.year, data.set_version) or data.year != run.body["criteria_set"]["year"]:  # fmt: skip
        run.add("wrong_set", _("Tệp dữ liệu tỉnh ghi bộ tiêu chí không khớp với mã băm {hash}", hash=data.set_hash[:12]), "criteria_set")  # fmt: skip
        return False
    run.verdict.criteria_set = cs
    return True


def values(run: _Run) -> bool:
    data, cs = run.verdict.data, run.verdict.criteria_set
    assert data is not None and cs is not None
    raw = {unit: {k: s.value for k, s in vals.items()} for unit, vals in data.units.items()}
    run.verdict.reasons.extend(value_problems(cs, raw))
    return True


DATA_CHECKS: Sequence[Callable[[_Run], bool]] = (
    file_read,
    envelope,
    signature,
    body,
    signer_trusted,
    criteria,
    values,
)


def verify_data(
    source: str | os.PathLike[str] | bytes,
    *,
    criteria_sets: CriteriaLookup = None,
    trust: TrustRegistry | None = None,
    expected: tuple[str, int] | None = None,
    name: str | None = None,
    check_trust: bool = True,
) -> DataVerdict:
    """Check a ``.dtidata`` file (path or bytes); ``expected``: (set content hash, year).
    ``check_trust=False``: everything but the signer's standing (``trust_problems``), for a
    caller that keeps the verdict and asks its trust list each time."""
    label = name or (os.path.basename(os.fspath(source)) if not isinstance(source, bytes) else "dtidata")  # fmt: skip
    verdict = DataVerdict(ok=False, path=label)
    run = _Run(source, label, verdict, criteria_sets, trust, expected, check_trust=check_trust)
    all(check(run) for check in DATA_CHECKS)
    verdict.ok = not verdict.reasons
    return verdict
