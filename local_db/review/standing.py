"""Verified or self-assessed: what reviews change in rankings, tables and completeness.

Only an *issued* review of a unit's *current* submission counts; a draft, or a review of a
superseded revision, does not (the unit is then "self-assessed only" until the reviewer
reviews its current submission).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from forms.i18n import _
from forms.text import short_list
from local_db.review.schema import has_reviews

# --- rankings ----------------------------------------------------------------------------


SELF_ASSESSED, VERIFIED, EXPLANATION_PENDING = "self_assessed", "verified", "explanation_pending"


def verification_label(state: str) -> str:
    labels = {
        SELF_ASSESSED: _("Chỉ có điểm tự đánh giá"),
        VERIFIED: _("Đã thẩm định"),
        EXPLANATION_PENDING: _("Đã thẩm định, chờ giải trình"),
    }
    return labels.get(state, state)


@dataclass(frozen=True)
class VerifiedTotals:
    manifest_sha256: str
    pillars: dict[str, Decimal]
    total: Decimal
    classification: str
    pending_explanations: int


def verified_results(
    conn: sqlite3.Connection, year: int, criteria_hash: str | None = None
) -> dict[str, VerifiedTotals]:
    """Per unit: the verified totals of the issued review of its *current* submission of ``year``."""
    if not has_reviews(conn):
        return {}
    query = (
        "SELECT s.unit_code, r.manifest_sha256, r.verified_pillars_json, r.verified_total, r.verified_classification, "
        "(SELECT count(*) FROM review_items i WHERE i.manifest_sha256 = r.manifest_sha256 AND i.status = 'explanation_requested') "
        "FROM current c JOIN submissions s USING(manifest_sha256) JOIN reviews r ON r.manifest_sha256 = s.manifest_sha256 "
        "WHERE c.year=? AND c.status='current' AND r.state='issued'"
    )
    args: list[Any] = [year]
    if criteria_hash is not None:
        query += " AND s.criteria_hash=?"
        args.append(criteria_hash)
    out: dict[str, VerifiedTotals] = {}
    for unit, sha, pillars_json, total, classification, pending in conn.execute(query, args):
        pillars = {k: Decimal(v) for k, v in json.loads(pillars_json).items()}
        out[unit] = VerifiedTotals(sha, pillars, Decimal(total), classification, int(pending))
    return out


def verification_states(conn: sqlite3.Connection, year: int) -> dict[str, str]:
    """Per unit with a current submission: verified, explanation_pending or self_assessed."""
    verified = verified_results(conn, year)
    out: dict[str, str] = {}
    for (unit,) in conn.execute(
        "SELECT unit_code FROM current WHERE year=? AND status='current'", (year,)
    ):
        found = verified.get(unit)
        out[unit] = (
            SELF_ASSESSED
            if found is None
            else (EXPLANATION_PENDING if found.pending_explanations else VERIFIED)
        )
    return out


def verification_marks(conn: sqlite3.Connection, year: int) -> dict[str, str]:
    """``verification_states``, or {} when this database holds no review at all: the ranking
    shows a verified / self-assessed marker only once reviews exist."""
    if not has_reviews(conn) or conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0:
        return {}
    return verification_states(conn, year)


def verification_details(conn: sqlite3.Connection, year: int) -> dict[str, str]:
    """For the completeness report: per unit with a current submission, its verification label.

    Empty when this database holds no reviews at all: a collector that does not review gets
    its report unchanged rather than "self-assessed only" on every line.
    """
    return {
        unit: verification_label(state) for unit, state in verification_marks(conn, year).items()
    }


def ranking_note(
    conn: sqlite3.Connection, year: int, listed: Callable[[Sequence[str]], str] = short_list
) -> str | None:
    """One sentence for whoever exports a ranking: which units are ranked on self-assessed
    points (their codes as ``listed`` writes a long list: the first few and a count)."""
    details = verification_states(conn, year) if verification_details(conn, year) else {}
    if not details:
        return None
    self_only = sorted(unit for unit, state in details.items() if state == SELF_ASSESSED)
    return _(
        "Xếp hạng theo điểm thẩm định cho {verified} đơn vị; {count} đơn vị chỉ có điểm tự đánh giá: {units}",
        verified=len(details) - len(self_only),
        count=len(self_only),
        units=listed(self_only) or "-",
    )


def apply_verified(
    conn: sqlite3.Connection, year: int, criteria_hash: str, results: Iterable[Any]
) -> list[Any]:
    """``forms.ranking.UnitResult`` rows with verified pillars and total where a review is issued.

    Units without an issued review of their current submission keep their self-assessed
    points (``verification_states`` says which).
    """
    verified = verified_results(conn, year, criteria_hash)
    out = []
    for row in results:
        found = verified.get(row.unit_code)
        out.append(
            row if found is None else replace(row, pillars=dict(found.pillars), total=found.total)
        )
    return out


def verified_item_points(
    conn: sqlite3.Connection, year: int, criteria_hash: str
) -> dict[str, dict[str, Decimal]]:
    """Per unit: the verified points per indicator of the issued review of its *current*
    submission of ``year`` (the units ``verified_results`` gives)."""
    if not has_reviews(conn):
        return {}
    query = (
        "SELECT s.unit_code, i.indicator_code, i.verified_points FROM current c "
        "JOIN submissions s USING(manifest_sha256) JOIN reviews r ON r.manifest_sha256 = s.manifest_sha256 "
        "JOIN review_items i ON i.manifest_sha256 = r.manifest_sha256 "
        "WHERE c.year=? AND c.status='current' AND r.state='issued' AND s.criteria_hash=?"
    )
    out: dict[str, dict[str, Decimal]] = {}
    for unit, code, points in conn.execute(query, (year, criteria_hash)):
        out.setdefault(str(unit), {})[str(code)] = Decimal(points)
    return out


def verified_target_flags(
    conn: sqlite3.Connection, year: int, criteria_hash: str
) -> dict[str, dict[str, bool]]:
    """Per unit: met / not met of each 0-point target in the issued review of its current
    submission (``local_db.review.items``); {} where none was recorded."""
    from local_db.review.schema import has_review_targets

    if not has_reviews(conn) or not has_review_targets(conn):
        return {}
    query = (
        "SELECT s.unit_code, t.indicator_code, t.met FROM current c "
        "JOIN submissions s USING(manifest_sha256) JOIN reviews r ON r.manifest_sha256 = s.manifest_sha256 "
        "JOIN review_targets t ON t.manifest_sha256 = r.manifest_sha256 "
        "WHERE c.year=? AND c.status='current' AND r.state='issued' AND s.criteria_hash=?"
    )
    out: dict[str, dict[str, bool]] = {}
    for unit, code, met in conn.execute(query, (year, criteria_hash)):
        out.setdefault(str(unit), {})[str(code)] = bool(met)
    return out
