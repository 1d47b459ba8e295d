"""The review as data: what was reviewed, by whom, and per indicator verified points and status.

The signed body is canonical JSON (sorted keys, NFC text, decimals as strings, no whitespace),
the same rules as the package manifest (``forms.packages.manifest``), so the same review gives
the same bytes on every machine.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from forms.canonical import canonical_bytes
from forms.i18n import _
from forms.packages.manifest import decimal_text

BODY_FORMAT = "dti-review"
FILE_FORMAT = "dti-review-file"
FORMAT_VERSION = 1
# a body that records the unit's applicability (issue 16): a reader of version 1 only refuses
# it rather than check its summary without the marks; every other body stays version 1
APPLICABILITY_VERSION = 2
BODY_VERSIONS = (FORMAT_VERSION, APPLICABILITY_VERSION)
EXTENSION = ".dtireview"
# The one size limit for a .dtireview read from outside (forms.inbound refuses larger files before
# reading). A review of a 200-indicator set with long comments is ~200 KB; even 200 comments of
# 4,000 Vietnamese characters, escaped once more inside the envelope, stay under 4 MB. 8 MiB is
# twice that, documented in docs/review-format.md, and bounds what a verifier holds in memory
# (the file, the body text, its bytes and the parsed body: a few times 8 MiB at most).
MAX_FILE_BYTES = 8 * 1024 * 1024


class ItemStatus(StrEnum):
    ACCEPTED = "accepted"  # verified points equal the self-assessed points
    ADJUSTED = "adjusted"  # the reviewer set other points
    EXPLAIN = "explanation_requested"  # the commune must explain or add evidence


def status_label(status: ItemStatus | str) -> str:
    labels = {
        ItemStatus.ACCEPTED.value: _("Chấp nhận"),
        ItemStatus.ADJUSTED.value: _("Điều chỉnh điểm"),
        ItemStatus.EXPLAIN.value: _("Yêu cầu giải trình"),
    }
    return labels.get(str(status), str(status))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def parse_points(value: Any) -> Decimal | None:
    """A points value from text or a number; None if it is not a finite decimal."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        points = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return points if points.is_finite() else None


@dataclass(frozen=True)
class Reviewer:
    name: str
    position: str = ""
    organisation: str = ""  # e.g. "Sở Khoa học và Công nghệ tỉnh Phú Thọ"


@dataclass(frozen=True)
class ReviewedSubmission:
    """The submission a review is about, as the collector received it."""

    submission_id: str
    unit_code: str
    unit_name: str
    year: int
    revision: int
    manifest_sha256: str  # sha256 of the exact signed manifest.json bytes
    criteria_set_id: str
    criteria_year: int
    criteria_version: str
    criteria_hash: str

    @classmethod
    def from_manifest(cls, manifest: Mapping[str, Any], manifest_sha256: str) -> ReviewedSubmission:
        cset = manifest["criteria_set"]
        return cls(
            str(manifest["submission_id"]), str(manifest["unit"]["code"]), str(manifest["unit"]["name"]),
            int(manifest["year"]), int(manifest["revision"]), manifest_sha256, str(cset["set_id"]),
            int(cset["year"]), str(cset["version"]), str(cset["content_hash"]),
        )  # fmt: skip


@dataclass(frozen=True)
class ReviewItem:
    code: str
    self_points: Decimal
    verified_points: Decimal
    status: ItemStatus = ItemStatus.ACCEPTED
    comment: str = ""
    # a pass/fail target worth 0 points scores 0 met or not, so its points cannot say it: met by
    # the commune's answers (``self_met``) and as the reviewer found (``met``, which overturns
    # it); None on every other indicator (a target with points is met when its points reach
    # the maximum)
    self_met: bool | None = None
    met: bool | None = None

    @property
    def flagged(self) -> bool:
        return self.status is ItemStatus.EXPLAIN


@dataclass(frozen=True)
class ReviewApplicability:
    """What the review's totals were computed with under a set with applicability: the unit's
    kind, the commune's "không áp dụng" marks (code -> reason) as its package carried them,
    and the codes of the marks the reviewer overturned (they apply in the verified score)."""

    unit_kind: str
    marks: Mapping[str, str]
    overturned: tuple[str, ...] = ()


@dataclass(frozen=True)
class Review:
    review_id: str
    created_at: str  # ISO UTC "YYYY-MM-DDTHH:MM:SSZ"; the signer's clock, a claim only
    submission: ReviewedSubmission
    reviewer: Reviewer
    items: Mapping[str, ReviewItem]
    deadline: str | None = None  # ISO date by which explanations are due
    message: str = ""  # a general comment to the commune
    fingerprint: str = ""  # the signer's short fingerprint (read back from the signature)
    applicability: ReviewApplicability | None = None  # only under a set with applicability

    @property
    def flagged(self) -> list[ReviewItem]:
        return [item for item in self.items.values() if item.flagged]

    @property
    def adjusted(self) -> list[ReviewItem]:
        return [item for item in self.items.values() if item.status is ItemStatus.ADJUSTED]


def body_dict(review: Review, summary: Mapping[str, Any], fingerprint: str) -> dict[str, Any]:
    sub = review.submission
    body = {
        "format": BODY_FORMAT,
        "format_version": FORMAT_VERSION,
        "review_id": review.review_id,
        "created_at": review.created_at,
        "submission": {
            "submission_id": sub.submission_id,
            "unit": {"code": nfc(sub.unit_code), "name": nfc(sub.unit_name)},
            "year": sub.year,
            "revision": sub.revision,
            "manifest_sha256": sub.manifest_sha256,
            "criteria_set": {
                "set_id": sub.criteria_set_id,
                "year": sub.criteria_year,
                "version": sub.criteria_version,
                "content_hash": sub.criteria_hash,
            },
        },
        "reviewer": {
            "name": nfc(review.reviewer.name),
            "position": nfc(review.reviewer.position),
            "organisation": nfc(review.reviewer.organisation),
            "fingerprint": fingerprint,
        },
        "deadline": review.deadline,
        "message": nfc(review.message),
        "items": {code: _item_entry(item) for code, item in sorted(review.items.items())},
        "summary": dict(summary),
    }
    app = review.applicability
    if app is not None:
        body["format_version"] = APPLICABILITY_VERSION
        body["applicability"] = {
            "unit_kind": nfc(app.unit_kind),
            "marks": {code: nfc(reason) for code, reason in sorted(app.marks.items())},
            "overturned": sorted(app.overturned),
        }
    return body


def _item_entry(item: ReviewItem) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "self_points": decimal_text(item.self_points),
        "verified_points": decimal_text(item.verified_points),
        "status": item.status.value,
        "comment": nfc(item.comment),
    }
    # only on 0-point targets: a review of a set without them is signed as it always was
    entry.update(
        {k: v for k, v in (("self_met", item.self_met), ("met", item.met)) if v is not None}
    )
    return entry


def body_bytes(body: Mapping[str, Any]) -> bytes:
    """The signed bytes of a body: the project's one canonical JSON (``forms.canonical``),
    which the verifier insists on when it reads them back."""
    return canonical_bytes(body)


def review_from_body(body: Mapping[str, Any]) -> Review:
    """The ``Review`` of a body whose shape was checked (``forms.review.verify``)."""
    sub = body["submission"]
    cset = sub["criteria_set"]
    items = {
        code: ReviewItem(
            code,
            Decimal(entry["self_points"]),
            Decimal(entry["verified_points"]),
            ItemStatus(entry["status"]),
            entry["comment"],
            entry.get("self_met"),
            entry.get("met"),
        )
        for code, entry in body["items"].items()
    }
    reviewer = body["reviewer"]
    app = body.get("applicability")
    applicability = (
        None
        if app is None
        else ReviewApplicability(app["unit_kind"], dict(app["marks"]), tuple(app["overturned"]))
    )
    return Review(
        review_id=body["review_id"],
        created_at=body["created_at"],
        submission=ReviewedSubmission(
            sub["submission_id"],
            sub["unit"]["code"],
            sub["unit"]["name"],
            sub["year"],
            sub["revision"],
            sub["manifest_sha256"],
            cset["set_id"],
            cset["year"],
            cset["version"],
            cset["content_hash"],
        ),  # fmt: skip
        reviewer=Reviewer(reviewer["name"], reviewer["position"], reviewer["organisation"]),
        items=items,
        deadline=body["deadline"],
        message=body["message"],
        fingerprint=reviewer["fingerprint"],
        applicability=applicability,
    )
