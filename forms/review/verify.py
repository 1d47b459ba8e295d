"""Checking a received ``.dtireview``: envelope, signature, shape, reviewer trust, points.

Every failure is a ``Problem`` with a stable code and a Vietnamese message; nothing is
written. The reviewer must be in the commune's *reviewers* trust list: a
``forms.packages.trust.TrustRegistry`` (usually ``<data dir>/reviewers.json``) whose entries
name the unit a reviewer key may review, or ``*`` for every unit, with the ``review`` role (a
key without it, e.g. an officer's from the package registry, is ``signer_wrong_role``).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages.format import SIGNATURE_CMS, SIGNATURE_ED25519
from forms.packages.signing import (
    KIND_ED25519,
    KIND_X509,
    SignatureError,
    SignerInfo,
    verify_signature,
)
from forms.packages.trust import ANY_UNIT, ROLE_REVIEW, TrustRegistry, wrong_role_message
from forms.packages.verify import chain_problems, lookup_criteria
from forms.problems import Problem
from forms.review.model import (
    BODY_FORMAT,
    FILE_FORMAT,
    FORMAT_VERSION,
    MAX_FILE_BYTES,
    ItemStatus,
    Review,
    ReviewedSubmission,
    review_from_body,
)
from forms.review.scoring import self_score, summary_dict, verified_score
from forms.review.sign import check_review

CriteriaLookup = Mapping[str, CriteriaSet] | Callable[[str], CriteriaSet | None] | None
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_ENTRY = {KIND_ED25519: SIGNATURE_ED25519, KIND_X509: SIGNATURE_CMS}


@dataclass
class ReviewVerdict:
    ok: bool
    path: str
    reasons: list[Problem] = field(default_factory=list)
    review: Review | None = None
    signer: SignerInfo | None = None
    body_bytes: bytes | None = None  # exactly as signed
    criteria_set: CriteriaSet | None = None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.reasons]

    def to_json(self) -> dict[str, Any]:
        review = self.review
        return {
            "ok": self.ok,
            "review_id": review.review_id if review else None,
            "unit": review.submission.unit_code if review else None,
            "year": review.submission.year if review else None,
            "revision": review.submission.revision if review else None,
            "submission_id": review.submission.submission_id if review else None,
            "reviewer": review.reviewer.name if review else None,
            "signer": {
                "kind": self.signer.kind if self.signer else None,
                "fingerprint": self.signer.fingerprint if self.signer else None,
            },
            "flagged": [i.code for i in review.flagged] if review else [],
            "adjusted": [i.code for i in review.adjusted] if review else [],
            "deadline": review.deadline if review else None,
            "reasons": [{"code": p.code, "message": p.message} for p in self.reasons],
        }


class _Shape(Exception):
    def __init__(self, where: str) -> None:
        self.where = where


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    path = f"{where}.{key}" if where else key
    if not isinstance(obj, dict) or key not in obj:
        raise _Shape(path)
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _Shape(path)
    return value


def _check_shape(body: dict[str, Any]) -> datetime:
    _get(body, "review_id", str, "")
    try:
        created = datetime.strptime(
            _get(body, "created_at", str, ""), "%Y-%m-%dT%H:%M:%SZ"
        ).replace(tzinfo=UTC)
    except ValueError:
        raise _Shape("created_at") from None
    sub = _get(body, "submission", dict, "")
    for key in ("submission_id", "manifest_sha256"):
        _get(sub, key, str, "submission")
    if not _HEX64.match(sub["manifest_sha256"]):
        raise _Shape("submission.manifest_sha256")
    unit = _get(sub, "unit", dict, "submission")
    _get(unit, "code", str, "submission.unit")
    _get(unit, "name", str, "submission.unit")
    _get(sub, "year", int, "submission")
    _get(sub, "revision", int, "submission")
    cset = _get(sub, "criteria_set", dict, "submission")
    for key in ("set_id", "version", "content_hash"):
        _get(cset, key, str, "submission.criteria_set")
    _get(cset, "year", int, "submission.criteria_set")
    reviewer = _get(body, "reviewer", dict, "")
    for key in ("name", "position", "organisation", "fingerprint"):
        _get(reviewer, key, str, "reviewer")
    if "deadline" not in body:  # present, null when no explanation is asked
        raise _Shape("deadline")
    deadline = body["deadline"]
    if deadline is not None:
        if not isinstance(deadline, str):
            raise _Shape("deadline")
        try:
            date.fromisoformat(deadline)
        except ValueError:
            raise _Shape("deadline") from None
    _get(body, "message", str, "")
    for code, entry in _get(body, "items", dict, "").items():
        where = f"items.{code}"
        for key in ("self_points", "verified_points"):
            if not _canonical_decimal(_get(entry, key, str, where)):
                raise _Shape(f"{where}.{key}")
        if _get(entry, "status", str, where) not in {s.value for s in ItemStatus}:
            raise _Shape(f"{where}.status")
        _get(entry, "comment", str, where)
    summary = _get(body, "summary", dict, "")
    _get(summary, "self", dict, "summary")
    _get(summary, "verified", dict, "summary")
    return created


def _canonical_decimal(text: str) -> bool:
    """A finite decimal as the writer spells it ("7.5", never "7,5" nor "NaN")."""
    try:
        return Decimal(text).is_finite() and text.strip() == text
    except (InvalidOperation, ValueError):
        return False


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def _read(
    source: str | os.PathLike[str] | bytes, name: str, reasons: list[Problem]
) -> bytes | None:
    if isinstance(source, bytes):
        data = source
    else:
        try:
            size = os.stat(source).st_size
            if size > MAX_FILE_BYTES:
                reasons.append(
                    Problem(
                        "too_large",
                        _(
                            "Tệp thẩm định {name} quá lớn ({size} byte, tối đa {limit})",
                            name=name,
                            size=size,
                            limit=MAX_FILE_BYTES,
                        ),
                        name,
                    )
                )
                return None
            data = Path(source).read_bytes()
        except OSError as exc:
            reasons.append(
                Problem(
                    "file_unreadable",
                    _(
                        "Không đọc được tệp thẩm định {name}: {error}",
                        name=name,
                        error=exc.strerror or str(exc),
                    ),
                    name,
                )
            )
            return None
    if len(data) > MAX_FILE_BYTES:
        reasons.append(
            Problem(
                "too_large",
                _(
                    "Tệp thẩm định {name} quá lớn ({size} byte, tối đa {limit})",
                    name=name,
                    size=len(data),
                    limit=MAX_FILE_BYTES,
                ),
                name,
            )
        )
        return None
    return data


def verify_review(
    source: str | os.PathLike[str] | bytes,
    *,
    criteria_sets: CriteriaLookup = None,
    trust: TrustRegistry | None = None,
    expected: ReviewedSubmission | None = None,
    name: str | None = None,
) -> ReviewVerdict:
    """Check a review file (path or bytes) against the reviewers trust list and criteria sets.

    ``expected`` (optional): the submission the caller believes is reviewed; unit, year and
    revision must match, and submission id / manifest hash too when they are not empty.
    """
    label = name or (
        os.path.basename(os.fspath(source)) if not isinstance(source, bytes) else "review"
    )
    verdict = ReviewVerdict(ok=False, path=label)
    _verify(source, label, verdict, criteria_sets, trust, expected)
    verdict.ok = not verdict.reasons
    return verdict


def _verify(
    source: str | os.PathLike[str] | bytes,
    label: str,
    verdict: ReviewVerdict,
    criteria_sets: CriteriaLookup,
    trust: TrustRegistry | None,
    expected: ReviewedSubmission | None,
) -> None:
    reasons = verdict.reasons
    data = _read(source, label, reasons)
    if data is None:
        return
    not_review = Problem(
        "not_a_review", _("Tệp {name} không phải tệp thẩm định DTI (.dtireview)", name=label), label
    )
    try:
        envelope = json.loads(data.decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError):
        reasons.append(not_review)
        return
    if not isinstance(envelope, dict) or envelope.get("format") != FILE_FORMAT:
        reasons.append(not_review)
        return
    if envelope.get("format_version") != FORMAT_VERSION:
        reasons.append(
            Problem(
                "format_version",
                _(
                    "Phiên bản định dạng tệp thẩm định {found} không được hỗ trợ (cần {expected})",
                    found=str(envelope.get("format_version")),
                    expected=FORMAT_VERSION,
                ),
                label,
            )
        )
        return
    text, kind, signature = (
        envelope.get("review"),
        envelope.get("signature_kind"),
        envelope.get("signature"),
    )
    if not isinstance(text, str) or kind not in _ENTRY or not isinstance(signature, str):
        reasons.append(
            Problem(
                "review_invalid",
                _("Tệp thẩm định thiếu hoặc sai trường {field}", field="review/signature"),
                label,
            )
        )
        return
    body_raw = text.encode("utf-8")
    try:
        blob = base64.b64decode(signature, validate=True)
        verdict.signer = verify_signature(_ENTRY[kind], blob, body_raw)
    except (SignatureError, binascii.Error, ValueError):
        reasons.append(
            Problem(
                "signature_invalid",
                _("Chữ ký của tệp thẩm định không khớp với nội dung (tệp đã bị sửa hoặc hỏng)"),
                "signature",
            )
        )
    try:
        body = json.loads(text, parse_constant=_no_constants)
    except (ValueError, RecursionError):
        reasons.append(
            Problem(
                "review_invalid",
                _("Tệp thẩm định thiếu hoặc sai trường {field}", field="review"),
                "review",
            )
        )
        return
    if (
        not isinstance(body, dict)
        or body.get("format") != BODY_FORMAT
        or body.get("format_version") != FORMAT_VERSION
    ):
        reasons.append(not_review)
        return
    try:
        created = _check_shape(body)
    except _Shape as exc:
        reasons.append(
            Problem(
                "review_invalid",
                _("Tệp thẩm định thiếu hoặc sai trường {field}", field=exc.where),
                exc.where,
            )
        )
        return
    review = review_from_body(body)
    verdict.review, verdict.body_bytes = review, body_raw
    signer = verdict.signer
    if signer is not None:
        if review.fingerprint != signer.fingerprint:
            reasons.append(
                Problem(
                    "signature_invalid",
                    _(
                        "Dấu vân tay người thẩm định ghi trong tệp ({claimed}) khác khóa đã ký ({actual})",
                        claimed=review.fingerprint,
                        actual=signer.fingerprint,
                    ),
                    "reviewer.fingerprint",
                )
            )
        _check_trust(signer, review.submission.unit_code, created, trust, reasons)
    _check_points(body, review, verdict, criteria_sets)
    if expected is not None:
        _check_expected(review.submission, expected, reasons)


def _check_trust(
    signer: SignerInfo,
    unit: str,
    created: datetime,
    trust: TrustRegistry | None,
    reasons: list[Problem],
) -> None:
    # only entries with the review role count: an officer's key in the package registry,
    # given here by mistake (or on purpose), must not review its own submission
    allowed = trust.units_for(signer.key_id, ROLE_REVIEW) if trust is not None else set()
    if unit in allowed or ANY_UNIT in allowed:
        pass
    elif trust is not None and trust.units_for(signer.key_id) and not allowed:
        reasons.append(
            Problem(
                "signer_wrong_role",
                wrong_role_message(signer.fingerprint, ROLE_REVIEW),
                "signature",
            )
        )
    elif not allowed:
        reasons.append(
            Problem(
                "reviewer_unknown",
                _(
                    "Người thẩm định không xác định: khóa {fingerprint} không có trong danh sách người thẩm định tin cậy",
                    fingerprint=signer.fingerprint,
                ),
                "signature",
            )
        )
    else:
        reasons.append(
            Problem(
                "reviewer_not_for_unit",
                _(
                    "Khóa {fingerprint} không được thẩm định cho đơn vị {unit} (chỉ cho: {units})",
                    fingerprint=signer.fingerprint,
                    unit=unit,
                    units=", ".join(sorted(allowed)),
                ),
                "signature",
            )
        )
    reasons.extend(chain_problems(signer, trust, created))


def _check_points(
    body: dict[str, Any], review: Review, verdict: ReviewVerdict, criteria_sets: CriteriaLookup
) -> None:
    sub = review.submission
    cs = lookup_criteria(criteria_sets, sub.criteria_hash)
    if cs is None:
        verdict.reasons.append(
            Problem(
                "criteria_unknown",
                _(
                    "Bộ tiêu chí không xác định: {set_id} {year} v{version} (mã băm {hash})",
                    set_id=sub.criteria_set_id,
                    year=sub.criteria_year,
                    version=sub.criteria_version,
                    hash=sub.criteria_hash[:12],
                ),
                "submission.criteria_set",
            )
        )
        return
    verdict.criteria_set = cs
    # a signed file may still claim impossible points: the signer's software is not ours
    verdict.reasons.extend(p for p in check_review(cs, review) if p.code != "reviewer_missing")
    expected = summary_dict(self_score(cs, review), verified_score(cs, review))
    if body["summary"] != expected:
        verdict.reasons.append(
            Problem(
                "summary_mismatch",
                _("Tổng điểm ghi trong tệp thẩm định không khớp với điểm từng chỉ tiêu"),
                "summary",
            )
        )


def _check_expected(
    got: ReviewedSubmission, want: ReviewedSubmission, reasons: list[Problem]
) -> None:
    same = (got.unit_code, got.year, got.revision) == (want.unit_code, want.year, want.revision)
    if want.submission_id and got.submission_id != want.submission_id:
        same = False
    if want.manifest_sha256 and got.manifest_sha256 != want.manifest_sha256:
        same = False
    if not same:
        reasons.append(
            Problem(
                "submission_mismatch",
                _(
                    "Tệp thẩm định dành cho bài nộp {unit} năm {year} lần {revision}, không phải bài nộp đang mở",
                    unit=got.unit_code,
                    year=got.year,
                    revision=got.revision,
                ),
                "submission",
            )
        )
