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
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from forms.canonical import CanonicalError, parse_canonical, strict_loads
from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.packages import format as fmt
from forms.packages.format import SIGNATURE_CMS, SIGNATURE_ED25519
from forms.packages.signer_trust import chain_problems
from forms.packages.signing import (
    KIND_ED25519,
    KIND_X509,
    SignatureError,
    SignerInfo,
    verify_signature,
)
from forms.packages.trust import ROLE_REVIEW, TrustRegistry, wrong_role_message
from forms.packages.verdict import lookup_criteria
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
from forms.text import misleading_char

CriteriaLookup = Mapping[str, CriteriaSet] | Callable[[str], CriteriaSet | None] | None
# what ``forms.packages.manifest.decimal_text`` writes for points: no sign, exponent, leading or
# trailing zeros ("20", "6.5", "0.3333"); anything else is another spelling of a number (or a
# huge exponent that later arithmetic would choke on), and the body is signed as written
_POINTS = re.compile(r"^(0|[1-9][0-9]{0,5})(\.[0-9]{0,39}[1-9])?$")
# writers use a UUID; ids name rows and files, so nothing that could be read as a path
_REVIEW_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
# years a DTI self-assessment, its criteria set, a signature or a deadline can have; a review
# dated 9999 would otherwise stay "the newest" of its submission forever (hole 12a)
YEARS = (2000, 2100)
REVISIONS = (1, 9999)
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
    """A body field missing, of the wrong type (``review_invalid``) or out of range."""

    def __init__(self, where: str, allowed: tuple[int, int] | None = None, value: Any = None):
        self.where = where
        self.allowed = allowed  # (low, high) when the value is well formed but out of range
        self.value = value


def _get(obj: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    path = f"{where}.{key}" if where else key
    if not isinstance(obj, dict) or key not in obj:
        raise _Shape(path)
    value = obj[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        raise _Shape(path)
    return value


def _in_range(value: int, allowed: tuple[int, int], where: str) -> None:
    if not allowed[0] <= value <= allowed[1]:
        raise _Shape(where, allowed, value)


def _int_in(obj: Any, key: str, allowed: tuple[int, int], where: str) -> None:
    _in_range(_get(obj, key, int, where), allowed, f"{where}.{key}")


def _check_shape(body: dict[str, Any]) -> datetime:  # noqa: C901, PLR0912
    if not _REVIEW_ID.match(_get(body, "review_id", str, "")):
        raise _Shape("review_id")
    try:
        created = datetime.strptime(
            _get(body, "created_at", str, ""), "%Y-%m-%dT%H:%M:%SZ"
        ).replace(tzinfo=UTC)
    except ValueError:
        raise _Shape("created_at") from None
    _in_range(created.year, YEARS, "created_at")
    sub = _get(body, "submission", dict, "")
    for key in ("submission_id", "manifest_sha256"):
        _get(sub, key, str, "submission")
    if not fmt.SHA256_HEX.fullmatch(sub["manifest_sha256"]):
        raise _Shape("submission.manifest_sha256")
    unit = _get(sub, "unit", dict, "submission")
    _get(unit, "code", str, "submission.unit")
    if misleading_char(_get(unit, "name", str, "submission.unit")) is not None:
        raise _Shape("submission.unit.name")
    _int_in(sub, "year", YEARS, "submission")
    _int_in(sub, "revision", REVISIONS, "submission")
    cset = _get(sub, "criteria_set", dict, "submission")
    for key in ("set_id", "version", "content_hash"):
        _get(cset, key, str, "submission.criteria_set")
    if not fmt.SHA256_HEX.fullmatch(cset["content_hash"]):
        raise _Shape("submission.criteria_set.content_hash")
    _int_in(cset, "year", YEARS, "submission.criteria_set")
    reviewer = _get(body, "reviewer", dict, "")
    for key in ("name", "position", "organisation", "fingerprint"):
        # a control or bidi-override character would show the commune another name
        if misleading_char(_get(reviewer, key, str, "reviewer")) is not None:
            raise _Shape(f"reviewer.{key}")
    if "deadline" not in body:  # present, null when no explanation is asked
        raise _Shape("deadline")
    deadline = body["deadline"]
    if deadline is not None:
        if not isinstance(deadline, str):
            raise _Shape("deadline")
        try:
            due = date.fromisoformat(deadline)
        except ValueError:
            raise _Shape("deadline") from None
        if deadline != due.isoformat():  # "20260215" is ISO too, but not how it is written
            raise _Shape("deadline")
        _in_range(due.year, YEARS, "deadline")
    _get(body, "message", str, "")
    statuses = {s.value for s in ItemStatus}
    for code, entry in _get(body, "items", dict, "").items():
        where = f"items.{code}"
        for key in ("self_points", "verified_points"):
            if not _POINTS.match(_get(entry, key, str, where)):
                raise _Shape(f"{where}.{key}")
        if _get(entry, "status", str, where) not in statuses:
            raise _Shape(f"{where}.status")
        _get(entry, "comment", str, where)
    summary = _get(body, "summary", dict, "")
    _get(summary, "self", dict, "summary")
    _get(summary, "verified", dict, "summary")
    return created


def _shape_problem(exc: _Shape) -> Problem:
    if exc.allowed is not None:
        return Problem(
            "value_out_of_range",
            _(
                "Tệp thẩm định: trường {field} có giá trị {value}, ngoài khoảng cho phép {low} đến {high}",
                field=exc.where,
                value=str(exc.value),
                low=exc.allowed[0],
                high=exc.allowed[1],
            ),
            exc.where,
        )
    return Problem(
        "review_invalid",
        _("Tệp thẩm định thiếu hoặc sai trường {field}", field=exc.where),
        exc.where,
    )


def _read(
    source: str | os.PathLike[str] | bytes, name: str, reasons: list[Problem]
) -> bytes | None:
    """The file's bytes, read the one way files from outside are read (``forms.inbound``):
    a device, a FIFO or an oversized file is refused before anything is read."""
    if not isinstance(source, bytes):
        try:
            return read_inbound(source, MAX_FILE_BYTES)
        except InboundRejected as exc:
            reasons.append(exc.problem)
            return None
    if len(source) > MAX_FILE_BYTES:
        reasons.append(
            Problem(
                "file_too_large",
                _(
                    "Tệp thẩm định {name} quá lớn ({size} byte, tối đa {limit})",
                    name=name,
                    size=len(source),
                    limit=MAX_FILE_BYTES,
                ),
                name,
            )
        )
        return None
    return source


def _is_version(value: Any) -> bool:
    """``format_version`` is the integer 1, not ``true`` or ``1.0`` (both equal 1 in Python)."""
    return type(value) is int and value == FORMAT_VERSION


def _duplicate_key(name: str, exc: CanonicalError, where: str) -> Problem:
    return Problem(
        "duplicate_key",
        _(
            "Tệp thẩm định {name} có khóa JSON {key} lặp lại: nội dung có thể đọc theo hai cách, không dùng",
            name=name,
            key=exc.detail,
        ),
        where,
    )


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


def _verify(  # noqa: C901, PLR0912
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
        # duplicate keys anywhere in the envelope: two readers could see two files
        envelope = strict_loads(data)
    except CanonicalError as exc:
        reasons.append(
            _duplicate_key(label, exc, label) if exc.reason == "duplicate_key" else not_review
        )
        return
    if not isinstance(envelope, dict) or envelope.get("format") != FILE_FORMAT:
        reasons.append(not_review)
        return
    if not _is_version(envelope.get("format_version")):
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
    # a list or an object as the kind is unhashable: checked as text before the lookup
    if (
        not isinstance(text, str)
        or not isinstance(kind, str)
        or kind not in _ENTRY
        or not isinstance(signature, str)
    ):
        reasons.append(
            Problem(
                "review_invalid",
                _("Tệp thẩm định thiếu hoặc sai trường {field}", field="review/signature"),
                label,
            )
        )
        return
    invalid_body = Problem(
        "review_invalid",
        _("Tệp thẩm định thiếu hoặc sai trường {field}", field="review"),
        "review",
    )
    try:
        body_raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800) is valid JSON but no UTF-8
        reasons.append(invalid_body)
        return
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
        # the body is read from exactly the signed bytes, and only if they are their own
        # canonical encoding: one meaning, the one the signature covers
        body = parse_canonical(body_raw)
    except CanonicalError as exc:
        if exc.reason == "duplicate_key":
            reasons.append(_duplicate_key(label, exc, "review"))
        elif exc.reason in ("not_canonical", "not_nfc"):
            reasons.append(
                Problem(
                    "review_not_canonical",
                    _(
                        "Nội dung đã ký của tệp thẩm định {name} không ở dạng chuẩn (JSON chuẩn hóa, Unicode NFC): không dùng",
                        name=label,
                    ),
                    "review",
                )
            )
        else:
            reasons.append(invalid_body)
        return
    if (
        not isinstance(body, dict)
        or body.get("format") != BODY_FORMAT
        or not _is_version(body.get("format_version"))
    ):
        reasons.append(not_review)
        return
    try:
        created = _check_shape(body)
    except _Shape as exc:
        reasons.append(_shape_problem(exc))
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
    standing = (trust or TrustRegistry()).standing(signer.key_id, ROLE_REVIEW, unit)
    if standing.verdict == "trusted":
        pass
    elif standing.verdict == "wrong_role":
        reasons.append(
            Problem(
                "signer_wrong_role",
                wrong_role_message(signer.fingerprint, ROLE_REVIEW),
                "signature",
            )
        )
    elif standing.verdict == "unknown":
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
                    units=", ".join(sorted(standing.units)),
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
