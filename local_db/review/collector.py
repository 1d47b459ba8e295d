"""The reviewer's side in the collector database: drafts, issuing, receiving issued reviews.

A review is a *draft* until it is issued (signed and written to a file); then it is frozen and
its verified totals count in rankings (``local_db.review.standing``). This module is the one
import for callers: it re-exports the schema, the received-submission view and the standing
functions, so ``from local_db.review import collector as rc`` reaches everything.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages.manifest import decimal_text
from forms.packages.signing import Signer
from forms.problems import Problem, ProblemsError
from forms.review.edit import edit_item, new_review, now_text
from forms.review.model import (
    ItemStatus,
    Review,
    ReviewApplicability,
    ReviewedSubmission,
    Reviewer,
    ReviewItem,
    nfc,
    status_label,
)
from forms.review.scoring import verified_score
from forms.review.sign import review_file_name, sign_review, write_review_file
from forms.text import format_number
from local_db.review.items import read_items, read_target, update_target, write_items
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
from local_db.review.versions import (
    GENERAL,
    AuditRow,
    Note,
    StaleEdit,
    add_note,
    audit,
    audit_rows,
    current_note,
    current_notes,
    item_json,
    notes,
    now_iso,
    officer_name,
    when,
    who,
)

# --- drafts ----------------------------------------------------------------------------------

_now = now_iso


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
    texts = current_notes(conn, manifest_sha256)  # GENERAL: the message (``review_notes``)
    items = read_items(conn, manifest_sha256)
    submission = ReviewedSubmission(**json.loads(row[8]))
    message = texts.get(GENERAL, row[6])
    return Review(
        row[0], row[1], submission, Reviewer(row[2], row[3], row[4]), items, row[5], message, row[7],
        _applicability(conn, manifest_sha256),
    )  # fmt: skip


def _applicability(conn: sqlite3.Connection, manifest_sha256: str) -> ReviewApplicability | None:
    """Under a set with applicability: the unit's kind and marks as its package carried them
    and the marks the reviewer overturned, which the signed review records and scores by."""
    from local_db.collector.applicability import of_submission
    from local_db.review.overturns import overturned

    found = of_submission(conn, manifest_sha256)
    if found is None:
        return None
    gone = tuple(sorted(overturned(conn, manifest_sha256)))
    return ReviewApplicability(found.unit_kind, dict(found.marks), gone)


@dataclass(frozen=True)
class Stamp:
    """The version of a piece of review state and its last accepted write."""

    version: int
    officer: str
    at: str


@dataclass(frozen=True)
class ReviewVersions:
    """What a caller read, to name in its writes (``based_on``): the draft as a whole (for
    ``issue``), its details (``set_details``) and each indicator (``set_item``)."""

    draft: int
    details: Stamp
    items: dict[str, Stamp]


def review_versions(conn: sqlite3.Connection, manifest_sha256: str) -> ReviewVersions | None:
    if not has_reviews(conn):
        return None
    row = conn.execute(
        "SELECT draft_version, version, updated_by, updated_at FROM reviews WHERE manifest_sha256=?",
        (manifest_sha256,),
    ).fetchone()
    if row is None:
        return None
    items = {
        str(code): Stamp(int(v), str(by), str(at))
        for code, v, by, at in conn.execute(
            "SELECT indicator_code, version, updated_by, updated_at FROM review_items WHERE manifest_sha256=?",
            (manifest_sha256,),
        )
    }
    return ReviewVersions(int(row[0]), Stamp(int(row[1]), str(row[2]), str(row[3])), items)


def load_item(
    conn: sqlite3.Connection, manifest_sha256: str, code: str
) -> tuple[ReviewItem, Stamp] | None:
    """One indicator of a review and its version (a light read, for a save that follows)."""
    row = conn.execute(
        "SELECT self_points, verified_points, status, version, updated_by, updated_at FROM review_items "
        "WHERE manifest_sha256=? AND indicator_code=?",
        (manifest_sha256, code),
    ).fetchone()
    if row is None:
        return None
    comment = current_note(conn, manifest_sha256, code)
    item = ReviewItem(code, Decimal(row[0]), Decimal(row[1]), ItemStatus(row[2]), comment)
    return read_target(conn, manifest_sha256, item), Stamp(int(row[3]), str(row[4]), str(row[5]))


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
    officer: str = "",
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
        if (
            conn.execute(
                "SELECT 1 FROM reviews WHERE manifest_sha256=?", (manifest_sha256,)
            ).fetchone()
            is None
        ):  # two reviewers opening it at once: the first one starts it
            conn.execute(
                "INSERT INTO reviews(manifest_sha256, review_id, submission_json, state, reviewer_name, reviewer_position, reviewer_org, created_at, updated_at, updated_by) "
                "VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    manifest_sha256, fresh.review_id,
                    json.dumps(asdict(fresh.submission), ensure_ascii=False, sort_keys=True),
                    DRAFT, nfc(reviewer.name), nfc(reviewer.position), nfc(reviewer.organisation),
                    fresh.created_at, stamp, officer,
                ),
            )  # fmt: skip
            # carried-over comments were the previous review's reviewer's
            write_items(conn, manifest_sha256, items, officer, stamp)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    review = load_review(conn, manifest_sha256)
    assert review is not None
    return review


def _draft_state(conn: sqlite3.Connection, manifest_sha256: str) -> tuple[Any, ...]:
    """(state, draft_version, version, updated_by, updated_at, issued_at) of a draft, read
    inside the writer's transaction; ``ReviewError`` when there is none or it was issued."""
    row = conn.execute(
        "SELECT state, draft_version, version, updated_by, updated_at, issued_at FROM reviews WHERE manifest_sha256=?",
        (manifest_sha256,),
    ).fetchone() if has_reviews(conn) else None  # fmt: skip
    if row is None:
        raise ReviewError(
            _("Bài nộp {id} chưa được mở để thẩm định", id=manifest_sha256[:12]), "review_missing"
        )
    if row[0] != DRAFT:
        raise ReviewError(
            _(
                "Phiếu thẩm định đã phát hành lúc {when} (người phát hành: {officer}), không sửa được nữa",
                officer=who(str(row[3])),
                when=when(str(row[5] or row[4])),
            ),
            "already_issued",
        )
    return tuple(row)


def _unknown(cs: CriteriaSet, code: str) -> ProblemsError:
    message = _("Chỉ tiêu {code} không có trong bộ tiêu chí {set}", code=code, set=cs.short_id)
    return ProblemsError([Problem("unknown_indicator", message, code)])


def _stale_item(code: str, item: ReviewItem, stamp: Stamp) -> StaleEdit:
    return StaleEdit(
        _(
            "Chỉ tiêu {code} đã được {officer} sửa lúc {when} sau khi bạn mở nó; giá trị hiện tại: "
            "{points} điểm, {status}{comment}. Thay đổi của bạn chưa được lưu: hãy xem giá trị mới rồi lưu lại.",
            code=code, officer=who(stamp.officer), when=when(stamp.at),
            points=format_number(item.verified_points), status=status_label(item.status),
            comment=_(", nhận xét: {text}", text=item.comment) if item.comment else "",
        ),
        target=code, version=stamp.version, officer=stamp.officer, at=stamp.at, current=item,
    )  # fmt: skip


def set_item(
    conn: sqlite3.Connection,
    manifest_sha256: str,
    cs: CriteriaSet,
    code: str,
    *,
    points: Any = None,
    status: ItemStatus | str | None = None,
    comment: str | None = None,
    based_on: int | None = None,
    officer: str = "",
    now: datetime | None = None,
    met: bool | None = None,
) -> ReviewItem:
    """Change one indicator of a draft; ``ProblemsError`` for points outside [0, max].

    ``based_on``: the indicator's version the caller read (``review_versions``); another
    write since is refused (``StaleEdit``, with the current value). None: whatever is stored
    now (a script's own read-then-write). A changed comment is appended as a note entry.
    ``met`` overturns a 0-point target (``forms.review.edit.edit_item``)."""
    stamp_at = _now(now)
    conn.execute("BEGIN IMMEDIATE")
    try:
        _draft_state(conn, manifest_sha256)
        found = load_item(conn, manifest_sha256, code)
        if found is None:
            raise _unknown(cs, code)
        item, stamp = found
        if based_on is not None and based_on != stamp.version:
            raise _stale_item(code, item, stamp)
        changed = edit_item(cs, item, points=points, status=status, comment=comment, met=met)
        cursor = conn.execute(
            "UPDATE review_items SET verified_points=?, status=?, version=version+1, updated_by=?, updated_at=? "
            "WHERE manifest_sha256=? AND indicator_code=? AND version=?",
            (decimal_text(changed.verified_points), changed.status.value, officer, stamp_at,
             manifest_sha256, code, stamp.version),
        )  # fmt: skip
        if cursor.rowcount != 1:  # a writer that did not queue: refused all the same
            again = load_item(conn, manifest_sha256, code)
            assert again is not None
            raise _stale_item(code, *again)
        update_target(conn, manifest_sha256, changed)  # a 0-point target's met / not met
        if changed.comment != item.comment:
            add_note(conn, manifest_sha256, code, officer, stamp_at, changed.comment)
        conn.execute(
            "UPDATE reviews SET updated_at=?, draft_version=draft_version+1 WHERE manifest_sha256=?",
            (stamp_at, manifest_sha256),
        )
        audit(conn, f"{manifest_sha256}/{code}", stamp.version + 1, "review_item", officer,
              item_json(item), item_json(changed), stamp_at)  # fmt: skip
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return changed


_UNSET: Any = object()


def _details_of(conn: sqlite3.Connection, manifest_sha256: str) -> dict[str, Any]:
    row = conn.execute(
        "SELECT deadline, reviewer_name, reviewer_position, reviewer_org FROM reviews WHERE manifest_sha256=?",
        (manifest_sha256,),
    ).fetchone()
    return {
        "deadline": row[0], "message": current_note(conn, manifest_sha256, GENERAL),
        "reviewer": [row[1], row[2], row[3]],
    }  # fmt: skip


def set_details(
    conn: sqlite3.Connection,
    manifest_sha256: str,
    *,
    deadline: str | None = _UNSET,
    message: str | None = None,
    reviewer: Reviewer | None = None,
    based_on: int | None = None,
    officer: str = "",
    now: datetime | None = None,
) -> None:
    """The explanation deadline (ISO date or None), the general message, the reviewer's identity.

    ``based_on``: the details' version the caller read (``review_versions(...).details``)."""
    stamp_at = _now(now)
    conn.execute("BEGIN IMMEDIATE")
    try:
        _state, _draft_v, version, by, at, _issued = _draft_state(conn, manifest_sha256)
        before = _details_of(conn, manifest_sha256)
        if based_on is not None and based_on != version:
            raise StaleEdit(
                _(
                    "Hạn giải trình, ý kiến chung và người thẩm định đã được {officer} sửa lúc {when} "
                    "sau khi bạn mở phiếu; thay đổi của bạn chưa được lưu: hãy xem giá trị mới rồi lưu lại.",
                    officer=who(str(by)), when=when(str(at)),
                ),
                target="details", version=int(version), officer=str(by), at=str(at), current=before,
            )  # fmt: skip
        after = dict(before)
        sets: list[str] = [
            "updated_at=?",
            "updated_by=?",
            "version=version+1",
            "draft_version=draft_version+1",
        ]
        values: list[Any] = [stamp_at, officer]
        if deadline is not _UNSET:
            sets.append("deadline=?")
            values.append(deadline or None)
            after["deadline"] = deadline or None
        if reviewer is not None:
            sets += ["reviewer_name=?", "reviewer_position=?", "reviewer_org=?"]
            after["reviewer"] = [
                nfc(reviewer.name),
                nfc(reviewer.position),
                nfc(reviewer.organisation),
            ]
            values += after["reviewer"]
        if message is not None and nfc(message.strip()) != before["message"]:
            after["message"] = nfc(message.strip())
            add_note(conn, manifest_sha256, GENERAL, officer, stamp_at, after["message"])
        conn.execute(
            f"UPDATE reviews SET {', '.join(sets)} WHERE manifest_sha256=? AND version=?",  # noqa: S608 - fixed names
            (*values, manifest_sha256, version),
        )
        audit(conn, f"{manifest_sha256}/details", int(version) + 1, "review_details", officer,
              before, after, stamp_at)  # fmt: skip
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
    based_on: int | None = None,
    officer: str = "",
    now: datetime | None = None,
) -> Path:
    """Sign the draft, write ``out_dir/<name>.dtireview`` and freeze the review.

    ``ProblemsError`` when the review is not fit to send (nothing is written then). The file
    and the database change together: if either fails, neither remains. Atomic per
    submission: of two officers issuing it at once one succeeds, the other is refused
    (``already_issued``); ``based_on`` (the draft's version the caller read) refuses an issue
    of a draft changed since (``stale_edit``). None: the draft as read here.
    """
    _state, draft_version, *_rest = _draft_state(conn, manifest_sha256)
    read = int(draft_version)  # read first: any change after it bumps it, and the CAS sees it
    if based_on is not None and based_on != read:
        raise _stale_draft(conn, manifest_sha256)
    review = load_review(conn, manifest_sha256)
    assert review is not None
    review = Review(
        review.review_id,
        now_text(now),
        review.submission,
        review.reviewer,
        review.items,
        review.deadline,
        review.message,
        applicability=review.applicability,
    )
    data = sign_review(review, cs, signer)
    verified = verified_score(cs, review)
    target = Path(out_dir) / review_file_name(review)
    conn.execute("BEGIN IMMEDIATE")
    try:
        cursor = conn.execute(
            "UPDATE reviews SET state='issued', created_at=?, issued_at=?, updated_at=?, updated_by=?, signer_fingerprint=?, file_name=?, file_data=?, "
            "verified_pillars_json=?, verified_total=?, verified_classification=?, draft_version=draft_version+1 "
            "WHERE manifest_sha256=? AND state='draft' AND draft_version=?",
            (
                review.created_at, _now(now), _now(now), officer, signer.fingerprint, target.name, data,
                json.dumps({k: decimal_text(v) for k, v in verified.pillars.items()}, sort_keys=True),
                decimal_text(verified.total), verified.classification, manifest_sha256, read,
            ),
        )  # fmt: skip
        if cursor.rowcount != 1:
            _draft_state(conn, manifest_sha256)  # issued meanwhile: ``already_issued``
            raise _stale_draft(conn, manifest_sha256)
        audit(conn, manifest_sha256, read + 1, "issue", officer, {"draft_version": read},
              {"file_name": target.name, "verified_total": decimal_text(verified.total)}, _now(now))  # fmt: skip
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        write_review_file(data, target)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return target


def _stale_draft(conn: sqlite3.Connection, manifest_sha256: str) -> StaleEdit:
    row = conn.execute(
        "SELECT draft_version, updated_at FROM reviews WHERE manifest_sha256=?", (manifest_sha256,)
    ).fetchone()
    last = conn.execute(
        "SELECT officer, at FROM collector_audit WHERE substr(target, 1, ?) = ? ORDER BY at DESC LIMIT 1",
        (len(manifest_sha256), manifest_sha256),
    ).fetchone()
    officer, at = (str(last[0]), str(last[1])) if last else ("", str(row[1]))
    return StaleEdit(
        _(
            "Phiếu thẩm định đã được {officer} sửa lúc {when} sau khi bạn mở nó; chưa ký: hãy xem lại phiếu rồi ký lại.",
            officer=who(officer), when=when(at),
        ),
        target=manifest_sha256, version=int(row[0]), officer=officer, at=at,
        current=load_review(conn, manifest_sha256),
    )  # fmt: skip


from local_db.review.receive import ReceivedReview, issued_file, receive_file, receive_issued  # noqa: E402

__all__ = [
    "AuditRow",
    "Note",
    "ReceivedReview",
    "ReviewVersions",
    "Stamp",
    "StaleEdit",
    "audit_rows",
    "load_item",
    "notes",
    "officer_name",
    "review_versions",
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
