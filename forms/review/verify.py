"""Checking a received ``.dtireview``: envelope, signature, shape, reviewer trust, points.

Every failure is a ``Problem`` with a stable code and a Vietnamese message; nothing is
written. The reviewer must be in the commune's *reviewers* trust list: a
``forms.packages.trust.TrustRegistry`` (usually ``<data dir>/reviewers.json``) whose entries
name the unit a reviewer key may review, or ``*`` for every unit, with the ``review`` role (a
key without it, e.g. an officer's from the package registry, is ``signer_wrong_role``).

The checks run in order (``REVIEW_CHECKS``, pinned by ``tests/forms/test_review_check_order.py``),
each one job, each saying whether the next may run: the envelope, then the signature over
the body's exact bytes (a failure is noted and the body still read, so the file is named),
the body's canonical form and shape, then what the signed body claims.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from forms.packages.verdict import CriteriaLookup, lookup_criteria
from forms.problems import Problem
from forms.review.model import (
    BODY_FORMAT,
    BODY_VERSIONS,
    FILE_FORMAT,
    FORMAT_VERSION,
    MAX_FILE_BYTES,
    Review,
    ReviewedSubmission,
    review_from_body,
)
from forms.review.scoring import self_score, summary_dict, verified_score
from forms.review.shape import REVISIONS, YEARS, ShapeError, check_shape, shape_problem
from forms.review.sign import check_review

__all__ = ["REVISIONS", "YEARS", "CriteriaLookup", "ReviewVerdict", "verify_review"]

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


def _is_body_version(value: object) -> bool:
    """A body's version: 1, or 2 when it records the unit's applicability (an int, as above)."""
    return type(value) is int and value in BODY_VERSIONS


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
    run = ReviewRun(source, label, verdict, criteria_sets, trust, expected)
    all(check(run) for check in REVIEW_CHECKS)  # in order, until one says stop
    verdict.ok = not verdict.reasons
    return verdict


class ReviewRun:
    """What the checks of one review file share: its source and name, the verdict they fill,
    the lookups they were given, and what an earlier check found for a later one."""

    def __init__(
        self,
        source: str | os.PathLike[str] | bytes,
        label: str,
        verdict: ReviewVerdict,
        criteria_sets: CriteriaLookup,
        trust: TrustRegistry | None,
        expected: ReviewedSubmission | None,
    ) -> None:
        self.source, self.label, self.verdict, self.reasons = (
            source,
            label,
            verdict,
            verdict.reasons,
        )
        self.criteria_sets, self.trust, self.expected = criteria_sets, trust, expected
        self.data = b""  # the file
        self.envelope: dict[str, Any] = {}
        self.body_raw = b""  # the signed body, exactly
        self.body: dict[str, Any] = {}
        self.created = datetime.min
        self._review: Review | None = None

    @property
    def review(self) -> Review:
        assert self._review is not None, "the claims are checked after body_shape"
        return self._review


Check = Callable[[ReviewRun], bool]


def _not_review(label: str) -> Problem:
    return Problem(
        "not_a_review", _("Tệp {name} không phải tệp thẩm định DTI (.dtireview)", name=label), label
    )


def _invalid_field(name: str, where: str) -> Problem:
    return Problem(
        "review_invalid", _("Tệp thẩm định thiếu hoặc sai trường {field}", field=name), where
    )


# --- the envelope ---------------------------------------------------------------------------


def file_read(run: ReviewRun) -> bool:
    data = _read(run.source, run.label, run.reasons)
    if data is None:
        return False
    run.data = data
    return True


def envelope_json(run: ReviewRun) -> bool:
    try:
        # duplicate keys anywhere in the envelope: two readers could see two files
        envelope = strict_loads(run.data)
    except CanonicalError as exc:
        duplicate = exc.reason == "duplicate_key"
        run.reasons.append(
            _duplicate_key(run.label, exc, run.label) if duplicate else _not_review(run.label)
        )
        return False
    if not isinstance(envelope, dict) or envelope.get("format") != FILE_FORMAT:
        run.reasons.append(_not_review(run.label))
        return False
    run.envelope = envelope
    return True


def envelope_version(run: ReviewRun) -> bool:
    if _is_version(run.envelope.get("format_version")):
        return True
    run.reasons.append(
        Problem(
            "format_version",
            _(
                "Phiên bản định dạng tệp thẩm định {found} không được hỗ trợ (cần {expected})",
                found=str(run.envelope.get("format_version")),
                expected=FORMAT_VERSION,
            ),
            run.label,
        )
    )
    return False


def envelope_fields(run: ReviewRun) -> bool:
    """The body as text, a known signature kind, the signature as text."""
    envelope = run.envelope
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
        run.reasons.append(_invalid_field("review/signature", run.label))
        return False
    try:
        run.body_raw = text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (\ud800) is valid JSON but no UTF-8
        run.reasons.append(_invalid_field("review", "review"))
        return False
    return True


def signature(run: ReviewRun) -> bool:
    """The signature over the body's exact bytes; a failure is noted, the body still read."""
    try:
        blob = base64.b64decode(run.envelope["signature"], validate=True)
        run.verdict.signer = verify_signature(
            _ENTRY[run.envelope["signature_kind"]], blob, run.body_raw
        )
    except (SignatureError, binascii.Error, ValueError):
        run.reasons.append(
            Problem(
                "signature_invalid",
                _("Chữ ký của tệp thẩm định không khớp với nội dung (tệp đã bị sửa hoặc hỏng)"),
                "signature",
            )
        )
    return True


# --- the body -------------------------------------------------------------------------------


def _canonical_problem(label: str, exc: CanonicalError) -> Problem:
    if exc.reason == "duplicate_key":
        return _duplicate_key(label, exc, "review")
    if exc.reason in ("not_canonical", "not_nfc"):
        return Problem(
            "review_not_canonical",
            _(
                "Nội dung đã ký của tệp thẩm định {name} không ở dạng chuẩn (JSON chuẩn hóa, Unicode NFC): không dùng",
                name=label,
            ),
            "review",
        )
    return _invalid_field("review", "review")


def body_canonical(run: ReviewRun) -> bool:
    """The body is read from exactly the signed bytes, and only if they are their own
    canonical encoding: one meaning, the one the signature covers."""
    try:
        body = parse_canonical(run.body_raw)
    except CanonicalError as exc:
        run.reasons.append(_canonical_problem(run.label, exc))
        return False
    if (
        not isinstance(body, dict)
        or body.get("format") != BODY_FORMAT
        or not _is_body_version(body.get("format_version"))
    ):
        run.reasons.append(_not_review(run.label))
        return False
    run.body = body
    return True


def body_shape(run: ReviewRun) -> bool:
    """Every field of its type and range (``check_shape``); then the verdict holds the review."""
    try:
        run.created = check_shape(run.body)
    except ShapeError as exc:
        run.reasons.append(shape_problem(exc))
        return False
    run._review = review_from_body(run.body)
    run.verdict.review, run.verdict.body_bytes = run._review, run.body_raw
    return True


# --- what the signed body claims ------------------------------------------------------------


def signer_fingerprint(run: ReviewRun) -> bool:
    """The reviewer's fingerprint written in the body is the signing key's."""
    signer, review = run.verdict.signer, run.review
    if signer is not None and review.fingerprint != signer.fingerprint:
        run.reasons.append(
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
    return True


# only entries with the review role count: an officer's key in the package registry, given
# here by mistake (or on purpose), must not review its own submission
_WORDING = TrustWording(
    unknown=(
        "reviewer_unknown",
        N_(
            "Người thẩm định không xác định: khóa {fingerprint} không có trong danh sách người thẩm định tin cậy"
        ),
    ),
    not_for_unit=(
        "reviewer_not_for_unit",
        N_("Khóa {fingerprint} không được thẩm định cho đơn vị {unit} (chỉ cho: {units})"),
    ),
)


def reviewer_trust(run: ReviewRun) -> bool:
    """The key may review the unit, and a certificate's chain leads to an anchor."""
    signer = run.verdict.signer
    if signer is not None:  # else the signature did not verify: nothing to trust
        unit = run.review.submission.unit_code
        run.reasons += signer_problems(signer, ROLE_REVIEW, unit, run.trust, run.created, _WORDING)
    return True


def points(run: ReviewRun) -> bool:
    """The criteria set is known, the points fit it (``check_review``), the summary adds up."""
    body, review, verdict, criteria_sets = run.body, run.review, run.verdict, run.criteria_sets
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
        return True
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
    return True


def expected_submission(run: ReviewRun) -> bool:
    """The review is of the submission the caller has open (when it says which)."""
    got, want = run.review.submission, run.expected
    if want is None:
        return True
    same = (got.unit_code, got.year, got.revision) == (want.unit_code, want.year, want.revision)
    if want.submission_id and got.submission_id != want.submission_id:
        same = False
    if want.manifest_sha256 and got.manifest_sha256 != want.manifest_sha256:
        same = False
    if not same:
        run.reasons.append(
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
    return True


REVIEW_CHECKS: Sequence[Check] = (
    file_read,
    envelope_json,
    envelope_version,
    envelope_fields,
    signature,
    body_canonical,
    body_shape,
    signer_fingerprint,
    reviewer_trust,
    points,
    expected_submission,
)
