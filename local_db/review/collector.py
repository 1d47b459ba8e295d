"""The reviewer's side in the collector database: drafts, issuing, receiving issued reviews.

A review is a *draft* until it is issued (signed and written to a file); then it is frozen and
its verified totals count in rankings (``local_db.review.standing``). This module is the one
import for callers: it re-exports the schema, the received-submission view and the standing
functions, so ``from local_db.review import collector as rc`` reaches everything.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.packages.manifest import decimal_text
from forms.packages.signing import Signer
from forms.problems import Problem, ProblemsError
from forms.review.edit import edit_item, new_review, now_text, self_met_of, self_points_of
from forms.review.model import (
    MAX_FILE_BYTES,
    ItemStatus,
    Review,
    ReviewedSubmission,
    Reviewer,
    ReviewItem,
    nfc,
)
from forms.review.scoring import verified_score
from forms.review.sign import review_file_name, sign_review, write_review_file
from local_db.review.items import delete_items, read_items, update_item, write_items
from local_db.review.received import (
    EvidenceEntry,
    Received,
    changed_since_previous,
    extract_evidence,
    load_submission,
    previous_submission,
)
from local_db.review.schema import DDL, DRAFT, ISSUED, ReviewError, ensure_schema, has_reviews
from local_db.review.standing import (
    EXPLANATION_PENDING,
    SELF_ASSESSED,
    VERIFIED,
    VerifiedTotals,
    apply_verified,
    ranking_note,
    verification_details,
    verification_label,
    verification_states,
    verified_results,
)

# --- drafts ----------------------------------------------------------------------------------


def _now(moment: datetime | None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def review_state(conn: sqlite3.Connection, manifest_sha256: str) -> str | None:
    if not has_reviews(conn):
        return None
    row = conn.execute(
        "SELECT state FROM reviews WHERE manifest_sha256=?", (manifest_sha256,)
    ).fetchone()
    return None if row is None else str(row[0])


def load_review(conn: sqlite3.Connection, manifest_sha256: str) -> Review | None:
    if not has_reviews(conn):
        return None
    row = conn.execute(
        "SELECT review_id, created_at, reviewer_name, reviewer_position, reviewer_org, deadline, message, signer_fingerprint, submission_json "
        "FROM reviews WHERE manifest_sha256=?",
        (manifest_sha256,),
    ).fetchone()
    if row is None:
        return None
    items = read_items(conn, manifest_sha256)
    submission = ReviewedSubmission(**json.loads(row[8]))
    return Review(
        row[0], row[1], submission, Reviewer(row[2], row[3], row[4]), items, row[5], row[6], row[7]
    )


def _previous_issued(conn: sqlite3.Connection, manifest_sha256: str) -> Review | None:
    """The issued review of the submission this one supersedes, if any."""
    row = conn.execute(
        "SELECT p.manifest_sha256 FROM submissions s JOIN submissions p "
        "ON p.submission_id = s.supersedes AND p.unit_code = s.unit_code AND p.year = s.year AND p.revision < s.revision "
        "JOIN reviews r ON r.manifest_sha256 = p.manifest_sha256 AND r.state = 'issued' "
        "WHERE s.manifest_sha256=? ORDER BY p.revision DESC LIMIT 1",
        (manifest_sha256,),
    ).fetchone()
    return load_review(conn, row[0]) if row else None


def _carry_over(fresh: Review, previous: Review | None) -> dict[str, ReviewItem]:
    """Seed a review of a new revision from the review of the one it supersedes.

    An adjustment stands while the commune's self-assessed points for it did not change; an
    indicator that was waiting for an explanation stays flagged (with its comment) until the
    reviewer decides on it; everything else starts accepted.
    """
    items = dict(fresh.items)
    if previous is None:
        return items
    for code, item in fresh.items.items():
        old = previous.items.get(code)
        if old is None:
            continue
        if old.status is ItemStatus.ADJUSTED and old.self_points == item.self_points:
            # a 0-point target's overturn stands too, while the answers meet it as before
            met = old.met if old.self_met == item.self_met else item.met
            items[code] = replace(
                item, verified_points=old.verified_points, status=ItemStatus.ADJUSTED,
                comment=old.comment, met=met,
            )  # fmt: skip
        elif old.status is ItemStatus.EXPLAIN:
            items[code] = replace(item, status=ItemStatus.EXPLAIN, comment=old.comment)
    return items


def start_review(
    conn: sqlite3.Connection,
    manifest_sha256: str,
    cs: CriteriaSet,
    reviewer: Reviewer,
    *,
    now: datetime | None = None,
) -> Review:
    """The draft (or issued) review of a submission, created with self-assessed points if new."""
    ensure_schema(conn)
    existing = load_review(conn, manifest_sha256)
    if existing is not None:
        return existing
    received = load_submission(conn, manifest_sha256)
    if received.manifest["criteria_set"]["content_hash"] != cs.content_hash:
        raise ReviewError(_("Bài nộp dùng bộ tiêu chí khác với bộ tiêu chí {set}", set=cs.short_id))
    fresh = new_review(received.manifest, manifest_sha256, cs, reviewer, created_at=now_text(now))
    items = _carry_over(fresh, _previous_issued(conn, manifest_sha256))
    stamp = _now(now)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT INTO reviews(manifest_sha256, review_id, submission_json, state, reviewer_name, reviewer_position, reviewer_org, created_at, updated_at) "
            "VALUES (?,?,?,?,?,?,?,?,?)",
            (
                manifest_sha256,
                fresh.review_id,
                json.dumps(asdict(fresh.submission), ensure_ascii=False, sort_keys=True),
                DRAFT,
                nfc(reviewer.name),
                nfc(reviewer.position),
                nfc(reviewer.organisation),
                fresh.created_at,
                stamp,
            ),
        )
        write_items(conn, manifest_sha256, items)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    review = load_review(conn, manifest_sha256)
    assert review is not None
    return review


def _draft(conn: sqlite3.Connection, manifest_sha256: str) -> Review:
    review = load_review(conn, manifest_sha256)
    if review is None:
        raise ReviewError(_("Bài nộp {id} chưa được mở để thẩm định", id=manifest_sha256[:12]))
    if review_state(conn, manifest_sha256) != DRAFT:
        raise ReviewError(_("Phiếu thẩm định đã phát hành, không sửa được nữa"))
    return review


def set_item(
    conn: sqlite3.Connection,
    manifest_sha256: str,
    cs: CriteriaSet,
    code: str,
    *,
    points: Any = None,
    status: ItemStatus | str | None = None,
    comment: str | None = None,
    now: datetime | None = None,
    met: bool | None = None,
) -> ReviewItem:
    """Change one indicator of a draft; ``ProblemsError`` for points outside [0, max]. ``met``
    overturns a 0-point target (``forms.review.edit.edit_item``)."""
    review = _draft(conn, manifest_sha256)
    item = review.items.get(code)
    if item is None:
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
    changed = edit_item(cs, item, points=points, status=status, comment=comment, met=met)
    conn.execute("BEGIN IMMEDIATE")
    try:
        update_item(conn, manifest_sha256, changed)
        conn.execute(
            "UPDATE reviews SET updated_at=? WHERE manifest_sha256=?", (_now(now), manifest_sha256)
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return changed


_UNSET: Any = object()


def set_details(
    conn: sqlite3.Connection,
    manifest_sha256: str,
    *,
    deadline: str | None = _UNSET,
    message: str | None = None,
    reviewer: Reviewer | None = None,
    now: datetime | None = None,
) -> None:
    """The explanation deadline (ISO date or None), the general message, the reviewer's identity."""
    _draft(conn, manifest_sha256)
    sets: list[str] = ["updated_at=?"]
    values: list[Any] = [_now(now)]
    if deadline is not _UNSET:
        sets.append("deadline=?")
        values.append(deadline or None)
    if message is not None:
        sets.append("message=?")
        values.append(nfc(message.strip()))
    if reviewer is not None:
        sets += ["reviewer_name=?", "reviewer_position=?", "reviewer_org=?"]
        values += [nfc(reviewer.name), nfc(reviewer.position), nfc(reviewer.organisation)]
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            f"UPDATE reviews SET {', '.join(sets)} WHERE manifest_sha256=?",
            (*values, manifest_sha256),
        )  # noqa: S608 - fixed names
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def issue(
    conn: sqlite3.Connection,
    manifest_sha256: str,
    cs: CriteriaSet,
    signer: Signer,
    out_dir: Path | str,
    *,
    now: datetime | None = None,
) -> Path:
    """Sign the draft, write ``out_dir/<name>.dtireview`` and freeze the review.

    ``ProblemsError`` when the review is not fit to send (nothing is written then). The file
    and the database change together: if either fails, neither remains.
    """
    review = _draft(conn, manifest_sha256)
    review = Review(
        review.review_id,
        now_text(now),
        review.submission,
        review.reviewer,
        review.items,
        review.deadline,
        review.message,
    )
    data = sign_review(review, cs, signer)
    verified = verified_score(cs, review)
    target = Path(out_dir) / review_file_name(review)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "UPDATE reviews SET state='issued', created_at=?, issued_at=?, updated_at=?, signer_fingerprint=?, file_name=?, file_data=?, "
            "verified_pillars_json=?, verified_total=?, verified_classification=? WHERE manifest_sha256=?",
            (
                review.created_at, _now(now), _now(now), signer.fingerprint, target.name, data,
                json.dumps({k: decimal_text(v) for k, v in verified.pillars.items()}, sort_keys=True),
                decimal_text(verified.total), verified.classification, manifest_sha256,
            ),
        )  # fmt: skip
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        write_review_file(data, target)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return target


@dataclass(frozen=True)
class ReceivedReview:
    """What ``receive_issued`` did with one file: stored, already there, or refused (reasons)."""

    name: str
    outcome: str  # stored | duplicate | rejected
    reasons: tuple[Problem, ...] = ()
    manifest_sha256: str = ""


def receive_issued(
    conn: sqlite3.Connection,
    data: bytes,
    name: str,
    trust: Any,
    criteria: Mapping[str, CriteriaSet],
    *,
    now: datetime | None = None,
) -> ReceivedReview:
    """Store a review issued elsewhere (a collector reviewing on the province's behalf).

    The file is verified against ``trust`` (the reviewers trust list) and must review a
    submission held here; it then counts in rankings like one issued here. A draft of the
    same submission is replaced; of two issued reviews of it the one signed last is kept, in
    whatever order they arrive (an older one arriving later is refused: ``review_exists``).
    """
    from forms.review.verify import verify_review

    ensure_schema(conn)
    verdict = verify_review(data, criteria_sets=criteria, trust=trust, name=name)
    if not verdict.ok or verdict.review is None or verdict.criteria_set is None:
        return ReceivedReview(name, "rejected", tuple(verdict.reasons))
    review, cs = verdict.review, verdict.criteria_set
    sha = review.submission.manifest_sha256
    if conn.execute("SELECT 1 FROM submissions WHERE manifest_sha256=?", (sha,)).fetchone() is None:
        problem = Problem(
            "submission_unknown",
            _(
                "Chưa nhận bài nộp mà tệp thẩm định {name} nói tới ({unit} năm {year} lần {revision})",
                name=name,
                unit=review.submission.unit_code,
                year=review.submission.year,
                revision=review.submission.revision,
            ),
            name,
        )
        return ReceivedReview(name, "rejected", (problem,), sha)
    claimed = {code: item.self_points for code, item in review.items.items()}
    manifest = load_submission(conn, sha).manifest
    claimed_met = {c: i.self_met for c, i in review.items.items() if i.self_met is not None}
    if claimed != self_points_of(manifest, cs) or claimed_met != self_met_of(manifest, cs):
        problem = Problem(
            "submission_mismatch",
            _("Điểm tự đánh giá trong tệp thẩm định {name} khác với bài nộp đã nhận", name=name),
            name,
        )
        return ReceivedReview(name, "rejected", (problem,), sha)
    reused = conn.execute(
        "SELECT 1 FROM reviews WHERE review_id=? AND manifest_sha256<>?", (review.review_id, sha)
    ).fetchone()
    if reused is not None:  # review ids are unique here: the INSERT below would fail
        problem = Problem(
            "review_id_reused",
            _(
                "Mã phiếu thẩm định {id} trong tệp {name} đã được dùng cho phiếu thẩm định của bài nộp khác",
                id=review.review_id,
                name=name,
            ),
            name,
        )
        return ReceivedReview(name, "rejected", (problem,), sha)
    existing = conn.execute(
        "SELECT review_id, state, created_at FROM reviews WHERE manifest_sha256=?", (sha,)
    ).fetchone()
    if existing is not None and existing[0] == review.review_id and existing[1] == ISSUED:
        return ReceivedReview(name, "duplicate", (), sha)
    # hole 12a: of two issued reviews of one submission the one *signed* last counts (then the
    # review id, for the same second), whichever arrived first; both times come from signed
    # bodies, checked to be YYYY-MM-DDTHH:MM:SSZ, so text order is time order
    if existing is not None and existing[1] == ISSUED:
        held, incoming = (str(existing[2]), str(existing[0])), (review.created_at, review.review_id)
        if incoming < held:
            problem = Problem(
                "review_exists",
                _(
                    "Bài nộp {unit} năm {year} lần {revision} đã có phiếu thẩm định mới hơn (ký lúc {current}); phiếu {name} ký lúc {signed} không thay thế nó",
                    unit=review.submission.unit_code,
                    year=review.submission.year,
                    revision=review.submission.revision,
                    current=held[0],
                    name=name,
                    signed=review.created_at,
                ),
                name,
            )
            return ReceivedReview(name, "rejected", (problem,), sha)
    verified = verified_score(cs, review)
    stamp = _now(now)
    conn.execute("BEGIN IMMEDIATE")
    try:
        delete_items(conn, sha)
        conn.execute("DELETE FROM reviews WHERE manifest_sha256=?", (sha,))
        conn.execute(
            "INSERT INTO reviews(manifest_sha256, review_id, submission_json, state, reviewer_name, reviewer_position, reviewer_org, "
            "deadline, message, created_at, updated_at, issued_at, signer_fingerprint, file_name, file_data, verified_pillars_json, "
            "verified_total, verified_classification) VALUES (?,?,?,'issued',?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                sha, review.review_id, json.dumps(asdict(review.submission), ensure_ascii=False, sort_keys=True),
                review.reviewer.name, review.reviewer.position, review.reviewer.organisation, review.deadline, review.message,
                review.created_at, stamp, stamp, review.fingerprint, name, data,
                json.dumps({k: decimal_text(v) for k, v in verified.pillars.items()}, sort_keys=True),
                decimal_text(verified.total), verified.classification,
            ),
        )  # fmt: skip
        write_items(conn, sha, review.items)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ReceivedReview(name, "stored", (), sha)


def receive_file(
    conn: sqlite3.Connection,
    path: str | Path,
    trust: Any,
    criteria: Mapping[str, CriteriaSet],
    *,
    now: datetime | None = None,
) -> ReceivedReview:
    """``receive_issued`` for a file taken from outside, read the one way such files are read
    (``forms.inbound``): a device, a FIFO or an oversized file is refused before reading."""
    name = Path(path).name
    try:
        data = read_inbound(path, MAX_FILE_BYTES)
    except InboundRejected as exc:
        return ReceivedReview(name, "rejected", (exc.problem,))
    return receive_issued(conn, data, name, trust, criteria, now=now)


def issued_file(conn: sqlite3.Connection, manifest_sha256: str) -> tuple[str, bytes] | None:
    """The name and exact bytes of an issued review (to hand it over again)."""
    if not has_reviews(conn):
        return None
    row = conn.execute(
        "SELECT file_name, file_data FROM reviews WHERE manifest_sha256=? AND state='issued'",
        (manifest_sha256,),
    ).fetchone()
    return None if row is None else (str(row[0]), bytes(row[1]))


__all__ = [
    "DDL",
    "DRAFT",
    "EXPLANATION_PENDING",
    "SELF_ASSESSED",
    "VERIFIED",
    "ISSUED",
    "EvidenceEntry",
    "Received",
    "ReviewError",
    "VerifiedTotals",
    "apply_verified",
    "ensure_schema",
    "extract_evidence",
    "has_reviews",
    "issue",
    "issued_file",
    "receive_file",
    "receive_issued",
    "load_review",
    "load_submission",
    "previous_submission",
    "changed_since_previous",
    "review_state",
    "set_details",
    "set_item",
    "start_review",
    "ranking_note",
    "verification_details",
    "verification_label",
    "verification_states",
    "verified_results",
]
