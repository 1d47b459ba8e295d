"""Checking a review before signing, signing it, and writing the ``.dtireview`` file.

The file is a small JSON envelope around the exact signed body bytes (as text), like the
signed trust export (``forms.packages.trust``): the signature is made by the same signers as
packages (``forms.packages.signing``: Ed25519 key or PKCS#12 certificate), so a reviewer
needs no second kind of key.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path

from forms.atomic import write_bytes_atomic
from forms.criteria import CriteriaSet, Indicator
from forms.i18n import _
from forms.packages.format import ascii_slug
from forms.packages.signing import Signer
from forms.problems import Problem, ProblemsError
from forms.review.model import (
    EXTENSION,
    FILE_FORMAT,
    FORMAT_VERSION,
    ItemStatus,
    Review,
    ReviewItem,
    body_bytes,
    body_dict,
)
from forms.review.scoring import reviewable, self_score, summary_dict, verified_score


def points_problem(code: str, points: object, maximum: object) -> Problem:
    return Problem(
        "points_out_of_range",
        _(
            "Chỉ tiêu {code}: điểm thẩm định {points} phải nằm trong khoảng 0 đến {max}",
            code=code,
            points=str(points),
            max=str(maximum),
        ),
        code,
    )


def _criteria_matches(cs: CriteriaSet, review: Review) -> list[Problem]:
    if review.submission.criteria_hash == cs.content_hash:
        return []
    return [
        Problem(
            "criteria_mismatch",
            _("Bài nộp dùng bộ tiêu chí khác với bộ tiêu chí {set}", set=cs.short_id),
            "criteria_set",
        )
    ]


def _status_problem(code: str, item: ReviewItem) -> Problem | None:
    """The status says what the points do: accepted keeps them, adjusted changes them."""
    same = item.verified_points == item.self_points and item.met == item.self_met
    if item.status is ItemStatus.ACCEPTED and not same:
        message = _(
            "Chỉ tiêu {code}: đã chấp nhận nhưng điểm thẩm định khác điểm tự đánh giá", code=code
        )
    elif item.status is ItemStatus.ADJUSTED and same:
        message = _("Chỉ tiêu {code}: ghi là điều chỉnh nhưng điểm không đổi", code=code)
    else:
        return None
    return Problem("status_mismatch", message, code)


def _item_problems(code: str, item: ReviewItem, ind: Indicator) -> list[Problem]:
    """Points within 0 and the indicator's maximum, the status, an explanation's comment."""
    problems = []
    for value in (item.verified_points, item.self_points):
        if not value.is_finite() or value < 0 or value > ind.max_points:
            problems.append(points_problem(code, value, ind.max_points))
            break
    status = _status_problem(code, item)
    if status is not None:
        problems.append(status)
    if item.status is ItemStatus.EXPLAIN and not item.comment.strip():
        problems.append(
            Problem(
                "comment_missing",
                _(
                    "Chỉ tiêu {code}: yêu cầu giải trình cần ghi rõ nội dung cần giải trình",
                    code=code,
                ),
                code,
            )
        )
    return problems


def _items(cs: CriteriaSet, review: Review) -> list[Problem]:
    """Each reviewed item, by code: an indicator of the set, with fitting points and status."""
    wanted = {ind.code: ind for ind in reviewable(cs)}
    problems: list[Problem] = []
    for code, item in sorted(review.items.items()):
        ind = wanted.get(code)
        if ind is None:
            problems.append(
                Problem(
                    "unknown_indicator",
                    _(
                        "Chỉ tiêu {code} không có trong bộ tiêu chí {set}",
                        code=code,
                        set=cs.short_id,
                    ),
                    code,
                )
            )
        else:
            problems += _item_problems(code, item, ind)
    return problems


def _items_missing(cs: CriteriaSet, review: Review) -> list[Problem]:
    return [
        Problem("item_missing", _("Chỉ tiêu {code} chưa được thẩm định", code=ind.code), ind.code)
        for ind in reviewable(cs)
        if ind.code not in review.items
    ]


def _deadline(cs: CriteriaSet, review: Review) -> list[Problem]:
    """A valid date, and one is set when an explanation is asked."""
    if review.deadline is None:
        if not review.flagged:
            return []
        return [
            Problem(
                "deadline_missing",
                _("Có chỉ tiêu yêu cầu giải trình: cần đặt hạn giải trình"),
                "deadline",
            )
        ]
    try:
        date.fromisoformat(review.deadline)
    except ValueError:
        return [
            Problem(
                "deadline_invalid",
                _(
                    "Hạn giải trình {value} không phải ngày hợp lệ (yyyy-mm-dd)",
                    value=review.deadline,
                ),
                "deadline",
            )
        ]
    return []


def _reviewer_named(cs: CriteriaSet, review: Review) -> list[Problem]:
    if review.reviewer.name.strip():
        return []
    return [Problem("reviewer_missing", _("Thiếu tên người thẩm định"), "reviewer")]


# in order, each adding what it finds (a review is fixed in one sitting, so all are shown)
REVIEW_CHECKS: tuple[Callable[[CriteriaSet, Review], list[Problem]], ...] = (
    _criteria_matches,
    _items,
    _items_missing,
    _deadline,
    _reviewer_named,
)


def check_review(cs: CriteriaSet, review: Review) -> list[Problem]:
    """Everything that makes a review unfit to send; empty when it may be signed."""
    return [problem for check in REVIEW_CHECKS for problem in check(cs, review)]


def sign_review(review: Review, cs: CriteriaSet, signer: Signer) -> bytes:
    """The bytes of a signed ``.dtireview`` file; ``ProblemsError`` if the review is unfit."""
    problems = check_review(cs, review)
    if problems:
        raise ProblemsError(problems)
    summary = summary_dict(self_score(cs, review), verified_score(cs, review))
    body = body_bytes(body_dict(review, summary, signer.fingerprint))
    blob = signer.sign(body)
    envelope = {
        "format": FILE_FORMAT,
        "format_version": FORMAT_VERSION,
        # the exact signed bytes, as text: never re-serialised before checking
        "review": body.decode("utf-8"),
        "signature_kind": blob.kind,
        "signature": base64.b64encode(blob.data).decode("ascii"),
    }
    return (json.dumps(envelope, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode(
        "utf-8"
    )


def review_file_name(review: Review) -> str:
    """``<unit>_<year>_r<revision>_review-<id8>.dtireview``."""
    sub = review.submission
    return f"{ascii_slug(sub.unit_code, limit=40)}_{int(sub.year)}_r{int(sub.revision)}_review-{ascii_slug(review.review_id, limit=8)}{EXTENSION}"


def write_review_file(data: bytes, target: Path | str) -> Path:
    """Write atomically (temp file, fsync, rename): a half-written review never exists."""
    return write_bytes_atomic(target, data)
