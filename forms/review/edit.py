"""Starting and editing a review in memory: seeding from a submission, one indicator at a time.

Statuses follow the points unless the reviewer asks for an explanation: equal points mean
"accepted", other points "adjusted". Points outside [0, max] are refused here, before they
can reach storage or a signed file.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.problems import Problem, ProblemsError
from forms.review.model import (
    ItemStatus,
    Review,
    ReviewedSubmission,
    Reviewer,
    ReviewItem,
    nfc,
    parse_points,
)
from forms.review.scoring import counted_only, reviewable
from forms.review.sign import points_problem


def now_text(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def self_points_of(manifest: Mapping[str, Any], cs: CriteriaSet) -> dict[str, Decimal]:
    """Self-assessed points per reviewable indicator, as the signed manifest states them."""
    claimed = (manifest.get("scores") or {}).get("indicators") or {}
    out: dict[str, Decimal] = {}
    for ind in reviewable(cs):
        value = parse_points(claimed.get(ind.code, "0"))
        out[ind.code] = value if value is not None else Decimal(0)
    return out


def self_met_of(manifest: Mapping[str, Any], cs: CriteriaSet) -> dict[str, bool]:
    """Per 0-point target (``counted_only``): met by the signed manifest's answers."""
    from forms.packages.answer_check import check_answers
    from forms.scoring import is_met

    counted = [t for t in cs.targets() if counted_only(t)]
    if not counted:
        return {}
    answers, _problems = check_answers(cs, manifest.get("answers") or {})
    return {t.code: bool(is_met(t, answers)) for t in counted}


def new_review(
    manifest: Mapping[str, Any],
    manifest_sha256: str,
    cs: CriteriaSet,
    reviewer: Reviewer,
    *,
    review_id: str | None = None,
    created_at: str | None = None,
) -> Review:
    """A review of a verified submission with every indicator accepted at its self-assessed points."""
    met = self_met_of(manifest, cs)
    items = {
        code: ReviewItem(code, pts, pts, self_met=met.get(code), met=met.get(code))
        for code, pts in self_points_of(manifest, cs).items()
    }
    return Review(
        review_id=review_id or str(uuid.uuid4()),
        created_at=created_at or now_text(),
        submission=ReviewedSubmission.from_manifest(manifest, manifest_sha256),
        reviewer=reviewer,
        items=items,
    )


def derive_status(
    self_points: Decimal, verified: Decimal, wanted: ItemStatus | None, same_met: bool = True
) -> ItemStatus:
    if wanted is ItemStatus.EXPLAIN:
        return wanted
    return ItemStatus.ACCEPTED if verified == self_points and same_met else ItemStatus.ADJUSTED


def checked_points(cs: CriteriaSet, code: str, value: Any) -> Decimal:
    """``value`` as points for indicator ``code``; ``ProblemsError`` when not a number in [0, max]."""
    ind = cs.find(code)
    if ind is None:
        raise ProblemsError(
            [
                Problem(
                    "unknown_indicator",
                    _(
                        "Chỉ tiêu {code} không có trong bộ tiêu chí {set}",
                        code=code,
                        set=cs.short_id,
                    ),
                    code,
                )
            ]
        )
    points = parse_points(value)
    if points is None or points < 0 or points > ind.max_points:
        raise ProblemsError([points_problem(code, value, ind.max_points)])
    return points


def edit_item(
    cs: CriteriaSet,
    item: ReviewItem,
    *,
    points: Any = None,
    status: ItemStatus | str | None = None,
    comment: str | None = None,
    met: bool | None = None,
) -> ReviewItem:
    """A copy of ``item`` with the given changes; refuses points outside [0, max]. ``met``
    overturns (or restores) a 0-point target, the one thing about it a reviewer can change."""
    verified = item.verified_points if points is None else checked_points(cs, item.code, points)
    found = item.met if met is None or item.self_met is None else met
    wanted: ItemStatus | None
    if status is None:
        wanted = item.status if item.status is ItemStatus.EXPLAIN else None
    else:
        wanted = ItemStatus(status)
        if wanted is ItemStatus.ACCEPTED and points is None:
            verified = item.self_points  # accepting puts the self-assessed points back
            found = item.self_met if met is None else found
    return replace(
        item,
        verified_points=verified,
        met=found,
        status=derive_status(item.self_points, verified, wanted, found == item.self_met),
        comment=item.comment if comment is None else nfc(comment.strip()),
    )
