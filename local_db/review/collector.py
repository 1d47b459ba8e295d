"""The reviewer's side: reviews stored in the collector database, beside the submissions.

Tables are this module's own (``CREATE TABLE IF NOT EXISTS``, created on first use by
``ensure_schema``), additive to the collector schema: a collector database that never saw a
review is untouched, and ranking code asks ``has_reviews`` before reading them. Rows are keyed
by the reviewed submission's manifest sha256, like ``submissions``, so one submission has at
most one review. A review is a *draft* until it is issued (signed and written to a file);
then it is frozen and its verified totals count in rankings.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages import format as pkgfmt
from forms.packages.format import ascii_slug
from forms.packages.manifest import decimal_text
from forms.packages.signing import Signer
from forms.packages.zipsafe import SafeZip, ZipProblem
from forms.problems import Problem, ProblemsError
from forms.review.edit import edit_item, new_review, now_text, self_points_of
from forms.review.model import ItemStatus, Review, ReviewedSubmission, Reviewer, ReviewItem, nfc
from forms.review.scoring import verified_score
from forms.review.sign import review_file_name, sign_review, write_review_file

DRAFT, ISSUED = "draft", "issued"

DDL = """
CREATE TABLE IF NOT EXISTS reviews (
    manifest_sha256     TEXT PRIMARY KEY REFERENCES submissions(manifest_sha256),
    review_id           TEXT NOT NULL UNIQUE,
    submission_json     TEXT NOT NULL,  -- forms.review.model.ReviewedSubmission, from the manifest
    state               TEXT NOT NULL CHECK (state IN ('draft', 'issued')),
    reviewer_name       TEXT NOT NULL DEFAULT '',
    reviewer_position   TEXT NOT NULL DEFAULT '',
    reviewer_org        TEXT NOT NULL DEFAULT '',
    deadline            TEXT,
    message             TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    issued_at           TEXT,
    signer_fingerprint  TEXT NOT NULL DEFAULT '',
    file_name           TEXT NOT NULL DEFAULT '',
    file_data           BLOB,
    verified_pillars_json TEXT,
    verified_total      TEXT,
    verified_classification TEXT
);
CREATE TABLE IF NOT EXISTS review_items (
    manifest_sha256  TEXT NOT NULL REFERENCES reviews(manifest_sha256),
    indicator_code   TEXT NOT NULL,
    self_points      TEXT NOT NULL,
    verified_points  TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('accepted', 'adjusted', 'explanation_requested')),
    comment          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (manifest_sha256, indicator_code)
)
"""


class ReviewError(Exception):
    """A request that cannot be done (unknown submission, editing an issued review); ``str()`` is Vietnamese."""


def ensure_schema(conn: sqlite3.Connection) -> None:
    if has_reviews(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def has_reviews(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('reviews', 'review_items')"
    ).fetchone()
    return int(row[0]) == 2


# --- the received submission ---------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceEntry:
    path: str  # inside the package
    original_name: str
    indicator: str
    size: int
    sha256: str
    document: Mapping[str, Any]


@dataclass(frozen=True)
class Received:
    """A merged submission as the reviewer sees it (read-only)."""

    manifest_sha256: str
    manifest: Mapping[str, Any]
    state: str  # current | superseded | conflict | passed_over
    evidence: tuple[EvidenceEntry, ...]

    @property
    def answers(self) -> dict[str, dict[str, Any]]:
        return {
            code: dict(entry.get("values") or {})
            for code, entry in self.manifest["answers"].items()
        }

    @property
    def notes(self) -> dict[str, str]:
        return {
            code: entry.get("note", "")
            for code, entry in self.manifest["answers"].items()
            if entry.get("note")
        }

    def evidence_for(self, code: str) -> list[EvidenceEntry]:
        return [e for e in self.evidence if e.indicator == code]


def _not_found(sha: str) -> ReviewError:
    return ReviewError(_("Không tìm thấy bài nộp {id} trong cơ sở dữ liệu tổng hợp", id=sha[:12]))


def _package_bytes(conn: sqlite3.Connection, sha: str) -> tuple[bytes, str]:
    row = conn.execute(
        "SELECT b.data, s.state FROM submissions s JOIN blobs b ON b.sha256 = s.file_sha256 WHERE s.manifest_sha256=?",
        (sha,),
    ).fetchone()
    if row is None:
        raise _not_found(sha)
    return bytes(row[0]), str(row[1])


class _PackageFile:
    """The stored package bytes as a temporary file, because ``SafeZip`` reads from a path."""

    def __init__(self, data: bytes) -> None:
        fd, name = tempfile.mkstemp(suffix=pkgfmt.EXTENSION)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        self.path = Path(name)

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        self.path.unlink(missing_ok=True)


def load_submission(conn: sqlite3.Connection, manifest_sha256: str) -> Received:
    data, state = _package_bytes(conn, manifest_sha256)
    try:
        with _PackageFile(data) as path, SafeZip(path) as zf:
            raw = zf.read(pkgfmt.MANIFEST_NAME, pkgfmt.MAX_MANIFEST_BYTES)
    except ZipProblem as exc:  # it passed verification when merged: the database is damaged
        raise ReviewError(exc.problem.message) from exc
    if hashlib.sha256(raw).hexdigest() != manifest_sha256:
        raise ReviewError(
            _("Gói của bài nộp {id} trong cơ sở dữ liệu đã bị thay đổi", id=manifest_sha256[:12])
        )
    manifest = json.loads(raw.decode("utf-8"))
    evidence = tuple(
        EvidenceEntry(
            e["path"],
            e["original_name"],
            e["indicator"],
            int(e["size"]),
            e["sha256"],
            e.get("document") or {},
        )
        for e in manifest.get("evidence", [])
    )
    return Received(manifest_sha256, manifest, state, evidence)


def extract_evidence(
    conn: sqlite3.Connection, manifest_sha256: str, entry: str, dest_dir: Path
) -> Path:
    """Copy one evidence file out of the stored package (hash checked) so it can be opened."""
    received = load_submission(conn, manifest_sha256)
    wanted = next((e for e in received.evidence if e.path == entry), None)
    if wanted is None:
        raise ReviewError(_("Bài nộp không có tệp minh chứng {entry}", entry=entry))
    data, _state = _package_bytes(conn, manifest_sha256)
    try:
        with _PackageFile(data) as path, SafeZip(path) as zf:
            content = zf.read(entry, pkgfmt.MAX_ENTRY_BYTES)
    except ZipProblem as exc:
        raise ReviewError(exc.problem.message) from exc
    if hashlib.sha256(content).hexdigest() != wanted.sha256:
        raise ReviewError(_("Tệp {entry} đã bị thay đổi (mã băm sha256 không khớp)", entry=entry))
    dest_dir = Path(dest_dir)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{manifest_sha256[:8]}-{ascii_slug(wanted.original_name)}"
    write_review_file(content, target)  # atomic write; the helper is not review-specific
    return target


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
    items = {
        code: ReviewItem(code, Decimal(self_pts), Decimal(verified), ItemStatus(status), comment)
        for code, self_pts, verified, status, comment in conn.execute(
            "SELECT indicator_code, self_points, verified_points, status, comment FROM review_items WHERE manifest_sha256=?",
            (manifest_sha256,),
        )
    }
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


def previous_submission(conn: sqlite3.Connection, manifest_sha256: str) -> str | None:
    """The manifest sha256 of the submission this one supersedes, if it was received."""
    row = conn.execute(
        "SELECT p.manifest_sha256 FROM submissions s JOIN submissions p "
        "ON p.submission_id = s.supersedes AND p.unit_code = s.unit_code AND p.year = s.year AND p.revision < s.revision "
        "WHERE s.manifest_sha256=? ORDER BY p.revision DESC LIMIT 1",
        (manifest_sha256,),
    ).fetchone()
    return None if row is None else str(row[0])


def changed_since_previous(conn: sqlite3.Connection, manifest_sha256: str) -> set[str]:
    """Indicators whose answer, note or evidence differ from the superseded submission.

    What a reviewer looks at first in a resubmission after explanations were asked for.
    Empty when there is no earlier submission.
    """
    previous = previous_submission(conn, manifest_sha256)
    if previous is None:
        return set()
    new, old = load_submission(conn, manifest_sha256), load_submission(conn, previous)

    def evidence(received: Received) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for entry in received.evidence:
            out.setdefault(entry.indicator, []).append(entry.sha256)
        return {code: sorted(hashes) for code, hashes in out.items()}

    codes = (
        set(new.manifest["answers"])
        | set(old.manifest["answers"])
        | {e.indicator for e in (*new.evidence, *old.evidence)}
    )
    new_ev, old_ev = evidence(new), evidence(old)
    return {
        code
        for code in codes
        if new.manifest["answers"].get(code) != old.manifest["answers"].get(code)
        or new_ev.get(code) != old_ev.get(code)
    }


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
            items[code] = ReviewItem(
                code, item.self_points, old.verified_points, ItemStatus.ADJUSTED, old.comment
            )
        elif old.status is ItemStatus.EXPLAIN:
            items[code] = ReviewItem(
                code, item.self_points, item.self_points, ItemStatus.EXPLAIN, old.comment
            )
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
        conn.executemany(
            "INSERT INTO review_items VALUES (?,?,?,?,?,?)",
            [
                (
                    manifest_sha256,
                    code,
                    decimal_text(i.self_points),
                    decimal_text(i.verified_points),
                    i.status.value,
                    i.comment,
                )
                for code, i in sorted(items.items())
            ],
        )
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
) -> ReviewItem:
    """Change one indicator of a draft; ``ProblemsError`` for points outside [0, max]."""
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
    changed = edit_item(cs, item, points=points, status=status, comment=comment)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "UPDATE review_items SET verified_points=?, status=?, comment=? WHERE manifest_sha256=? AND indicator_code=?",
            (
                decimal_text(changed.verified_points),
                changed.status.value,
                changed.comment,
                manifest_sha256,
                code,
            ),
        )
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
    same submission is replaced; another issued review of it is kept and this one refused.
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
    if claimed != self_points_of(load_submission(conn, sha).manifest, cs):
        problem = Problem(
            "submission_mismatch",
            _("Điểm tự đánh giá trong tệp thẩm định {name} khác với bài nộp đã nhận", name=name),
            name,
        )
        return ReceivedReview(name, "rejected", (problem,), sha)
    existing = conn.execute(
        "SELECT review_id, state FROM reviews WHERE manifest_sha256=?", (sha,)
    ).fetchone()
    if existing is not None and existing[0] == review.review_id and existing[1] == ISSUED:
        return ReceivedReview(name, "duplicate", (), sha)
    if existing is not None and existing[1] == ISSUED:
        problem = Problem(
            "review_exists",
            _(
                "Bài nộp {unit} năm {year} lần {revision} đã có phiếu thẩm định khác được phát hành",
                unit=review.submission.unit_code,
                year=review.submission.year,
                revision=review.submission.revision,
            ),
            name,
        )
        return ReceivedReview(name, "rejected", (problem,), sha)
    verified = verified_score(cs, review)
    stamp = _now(now)
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM review_items WHERE manifest_sha256=?", (sha,))
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
        conn.executemany(
            "INSERT INTO review_items VALUES (?,?,?,?,?,?)",
            [
                (
                    sha,
                    code,
                    decimal_text(i.self_points),
                    decimal_text(i.verified_points),
                    i.status.value,
                    i.comment,
                )
                for code, i in sorted(review.items.items())
            ],
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ReceivedReview(name, "stored", (), sha)


def issued_file(conn: sqlite3.Connection, manifest_sha256: str) -> tuple[str, bytes] | None:
    """The name and exact bytes of an issued review (to hand it over again)."""
    if not has_reviews(conn):
        return None
    row = conn.execute(
        "SELECT file_name, file_data FROM reviews WHERE manifest_sha256=? AND state='issued'",
        (manifest_sha256,),
    ).fetchone()
    return None if row is None else (str(row[0]), bytes(row[1]))


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


def verification_details(conn: sqlite3.Connection, year: int) -> dict[str, str]:
    """For the completeness report: per unit with a current submission, its verification label.

    Empty when this database holds no reviews at all: a collector that does not review gets
    its report unchanged rather than "self-assessed only" on every line.
    """
    if not has_reviews(conn) or conn.execute("SELECT count(*) FROM reviews").fetchone()[0] == 0:
        return {}
    return {
        unit: verification_label(state) for unit, state in verification_states(conn, year).items()
    }


def ranking_note(conn: sqlite3.Connection, year: int) -> str | None:
    """One sentence for whoever exports a ranking: which units are ranked on self-assessed points."""
    details = verification_states(conn, year) if verification_details(conn, year) else {}
    if not details:
        return None
    self_only = sorted(unit for unit, state in details.items() if state == SELF_ASSESSED)
    return _(
        "Xếp hạng theo điểm thẩm định cho {verified} đơn vị; {count} đơn vị chỉ có điểm tự đánh giá: {units}",
        verified=len(details) - len(self_only),
        count=len(self_only),
        units=", ".join(self_only) or "-",
    )


def apply_verified(
    conn: sqlite3.Connection, year: int, criteria_hash: str, results: Iterable[Any]
) -> list[Any]:
    """``forms.ranking.UnitResult`` rows with verified pillars and total where a review is issued.

    Units without an issued review of their current submission keep their self-assessed
    points (``verification_states`` says which).
    """
    from dataclasses import replace

    verified = verified_results(conn, year, criteria_hash)
    out = []
    for row in results:
        found = verified.get(row.unit_code)
        out.append(
            row if found is None else replace(row, pillars=dict(found.pillars), total=found.total)
        )
    return out


__all__ = [
    "DRAFT",
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
    "receive_issued",
    "load_review",
    "load_submission",
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
