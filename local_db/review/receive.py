"""Reviews issued elsewhere, received into the collector database, and issued files handed out again."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.packages.manifest import decimal_text
from forms.problems import Problem
from forms.review.edit import self_met_of, self_points_of
from forms.review.model import MAX_FILE_BYTES
from forms.review.scoring import verified_score
from local_db.review.items import delete_items, write_items
from local_db.review.received import load_submission
from local_db.review.schema import ISSUED, ensure_schema, has_reviews
from local_db.review.versions import GENERAL, add_note, current_note, now_iso


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
    stamp = now_iso(now)
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
                review.reviewer.name, review.reviewer.position, review.reviewer.organisation, review.deadline, '',
                review.created_at, stamp, stamp, review.fingerprint, name, data,
                json.dumps({k: decimal_text(v) for k, v in verified.pillars.items()}, sort_keys=True),
                decimal_text(verified.total), verified.classification,
            ),
        )  # fmt: skip
        # the reviewer who signed it wrote its comments and message (appended: notes stay)
        write_items(conn, sha, review.items, review.reviewer.name, stamp)
        if review.message and current_note(conn, sha, GENERAL) != review.message:
            add_note(conn, sha, GENERAL, review.reviewer.name, stamp, review.message)
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
