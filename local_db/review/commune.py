"""The commune's side: imported reviews attached to the reviewed assessment, explanations,
and the answering revision (a new package that ``supersedes`` the reviewed submission).

Tables ``review_imports`` and ``review_explanations`` come from migration step 3
(``local_db/migrations.py``). Each function is one committed transaction with its audit row,
like the rest of ``local_db``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.packages.build import EvidenceFile, Submission
from forms.packages.trust import TrustRegistry
from forms.problems import Problem
from forms.review.model import MAX_FILE_BYTES, ItemStatus, Review, review_from_body
from forms.review.verify import ReviewVerdict, verify_review
from forms.text import nfc
from local_db import answers, assessments, audit, criteria_store, evidence
from local_db.database import Change, record_change
from local_db.errors import NotFound, StorageError
from local_db.models import Assessment, Status, now_utc
from local_db.paths import REVIEWERS_FILE

if TYPE_CHECKING:
    from local_db.database import Database


def iso(moment: datetime) -> str:
    """Stored time text, the same form as ``local_db.models.UTCDateTime`` writes."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


class ReviewRejected(StorageError):
    """The review file failed verification; ``problems`` say why (codes and Vietnamese)."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(p.message for p in problems))


def reviewers_path(db: Database) -> Path:
    return Path(db.data_dir) / REVIEWERS_FILE


@dataclass(frozen=True)
class ImportedReview:
    review: Review
    assessment_id: int
    signer_fingerprint: str
    imported_at: str
    imported_by: str


def _criteria_lookup(db: Database) -> Callable[[str], CriteriaSet | None]:
    """The sets this machine knows: those its database holds, and the reference set shipped
    with the app (a fresh data folder holds none, yet ``dti-desk review verify`` knows the
    shipped set; import and verify must agree on what is known)."""

    def lookup(content_hash: str) -> CriteriaSet | None:
        try:
            return criteria_store.load(db, content_hash)
        except NotFound:
            from forms.reference import reference_sets

            return next((s for s in reference_sets() if s.content_hash == content_hash), None)

    return lookup


def _exported(db: Database, submission_id: str) -> tuple[int, str] | None:
    """(assessment id, manifest sha256) of a package this computer wrote (schema v4), if any."""
    with db.read() as session:
        row = (
            session.connection()
            .exec_driver_sql(
                "SELECT assessment_id, manifest_sha256 FROM package_exports WHERE submission_id=?",
                (submission_id,),
            )
            .first()
        )
    return None if row is None else (int(row[0]), str(row[1]))


def _match(db: Database, review: Review) -> tuple[Assessment | None, list[Problem]]:
    sub = review.submission
    exported = _exported(db, sub.submission_id)
    if exported is not None:
        # the package is known by its identity: the review must be of exactly those signed bytes
        if exported[1] != sub.manifest_sha256:
            return None, [Problem("submission_mismatch", _("Tệp thẩm định dành cho bài nộp {unit} năm {year} lần {revision}, không phải bài nộp đang mở", unit=sub.unit_code, year=sub.year, revision=sub.revision), "submission")]  # fmt: skip
        return assessments.get(db, exported[0]), []
    # packages written before storage recorded exports: matched by unit, year and revision
    found = next(
        (a for a in assessments.history(db, sub.unit_code, sub.year) if a.revision == sub.revision),
        None,
    )
    if found is None:
        return None, [_unknown_submission(review)]
    if found.status not in (Status.SIGNED.value, Status.EXPORTED.value):
        return None, [
            Problem(
                "not_submitted",
                _(
                    "Bản đánh giá {unit} năm {year} lần {revision} chưa được ký và nộp, không thể đã được thẩm định",
                    unit=sub.unit_code,
                    year=sub.year,
                    revision=sub.revision,
                ),
                "submission",
            )
        ]
    if found.criteria_hash != sub.criteria_hash:
        return None, [
            Problem(
                "submission_mismatch",
                _(
                    "Tệp thẩm định dành cho bài nộp {unit} năm {year} lần {revision}, không phải bài nộp đang mở",
                    unit=sub.unit_code,
                    year=sub.year,
                    revision=sub.revision,
                ),
                "submission",
            )
        ]
    return found, []


def _unknown_submission(review: Review) -> Problem:
    sub = review.submission
    return Problem(
        "submission_unknown",
        _(
            "Máy này không có bản đánh giá {unit} năm {year} lần {revision} mà tệp thẩm định nói tới",
            unit=sub.unit_code,
            year=sub.year,
            revision=sub.revision,
        ),
        "submission",
    )


def check_without_database(data: bytes, trust: TrustRegistry) -> ReviewVerdict:
    """``check_file`` for a data folder that has no database yet, without creating one: the
    file is checked as everywhere (signature, reviewer, the shipped criteria set), and a good
    one is still refused, since this machine holds no assessment for it to answer."""
    from forms.reference import reference_sets

    shipped = {s.content_hash: s for s in reference_sets()}
    verdict = verify_review(data, criteria_sets=shipped, trust=trust)
    if verdict.review is not None:
        verdict.reasons.append(_unknown_submission(verdict.review))
        verdict.ok = False
    return verdict


def check_file(
    db: Database, source: str | os.PathLike[str] | bytes, trust: TrustRegistry | None = None
) -> ReviewVerdict:
    """Verify a review file against the reviewers trust list and the criteria sets this machine has."""
    if trust is None:
        trust = TrustRegistry.load(reviewers_path(db))
    verdict = verify_review(source, criteria_sets=_criteria_lookup(db), trust=trust)
    if verdict.review is not None:
        _found, problems = _match(db, verdict.review)
        verdict.reasons.extend(problems)
        verdict.ok = not verdict.reasons
    return verdict


def import_review(
    db: Database,
    source: str | os.PathLike[str] | bytes,
    trust: TrustRegistry | None = None,
    user: str | None = None,
) -> ImportedReview:
    """Verify and store a review, attached to the reviewed assessment; ``ReviewRejected`` if it fails.

    Importing the same review again changes nothing and returns it.
    """
    try:
        # read once, the one way files from outside are read: the bytes stored are the bytes verified
        data = source if isinstance(source, bytes) else read_inbound(source, MAX_FILE_BYTES)
    except InboundRejected as exc:  # a device, a FIFO, a huge file: refused before reading
        raise ReviewRejected([exc.problem]) from None
    verdict = check_file(db, data, trust)
    if (
        not verdict.ok
        or verdict.review is None
        or verdict.body_bytes is None
        or verdict.signer is None
    ):
        raise ReviewRejected(verdict.reasons)
    review = verdict.review
    found, _problems = _match(db, review)
    assert found is not None and found.id is not None
    who = db.user if user is None else user
    at = now_utc()
    with db.write() as session:
        conn = session.connection()
        exists = conn.exec_driver_sql(
            "SELECT body_json FROM review_imports WHERE review_id=?", (review.review_id,)
        ).first()
        if exists is not None and exists[0] != verdict.body_bytes.decode("utf-8"):
            # another review under an id already imported: saying "imported" would show the
            # officer the old one as if it were this file
            name = os.path.basename(source) if not isinstance(source, bytes) else "phiếu"
            raise ReviewRejected(
                [
                    Problem(
                        "review_id_reused",
                        _(
                            "Mã phiếu thẩm định {id} trong tệp {name} đã được dùng cho phiếu thẩm định của bài nộp khác",
                            id=review.review_id,
                            name=name,
                        ),
                        name,
                    )
                ]
            )
        if exists is None:
            conn.exec_driver_sql(
                "INSERT INTO review_imports(review_id, assessment_id, submission_id, file_sha256, body_json, file_data, "
                "signer_fingerprint, imported_by, imported_at) VALUES (?,?,?,?,?,?,?,?,?)",
                (review.review_id, found.id, review.submission.submission_id, hashlib.sha256(data).hexdigest(),
                 verdict.body_bytes.decode("utf-8"), data, verdict.signer.fingerprint, who, iso(at)),
            )  # fmt: skip
            audit.log(session, at=at, who=who, entity="review", key=review.review_id, old=None,
                      new=audit.encode({"reviewer": review.reviewer.name, "fingerprint": verdict.signer.fingerprint,
                                        "flagged": [i.code for i in review.flagged]}),
                      assessment_id=found.id)  # fmt: skip
            record_change(session, Change("review", review.review_id, found.id))
    return get(db, review.review_id)


def _row_to_imported(row: Any) -> ImportedReview:
    review_id, assessment_id, body_json, fingerprint, imported_at, imported_by = row
    return ImportedReview(
        review_from_body(json.loads(body_json)),
        int(assessment_id),
        fingerprint,
        imported_at,
        imported_by,
    )


_COLUMNS = "review_id, assessment_id, body_json, signer_fingerprint, imported_at, imported_by"


def get(db: Database, review_id: str) -> ImportedReview:
    with db.read() as session:
        row = (
            session.connection()
            .exec_driver_sql(
                f"SELECT {_COLUMNS} FROM review_imports WHERE review_id=?", (review_id,)
            )
            .first()
        )  # noqa: S608
    if row is None:
        raise NotFound(_("Không tìm thấy phiếu thẩm định {id}.", id=review_id))
    return _row_to_imported(row)


def newest_first(reviews: list[ImportedReview]) -> list[ImportedReview]:
    """Reviews ordered by when they were *signed* (``created_at``, then review id for the same
    second), newest first; never by when they were imported (hole 12a: a stale review file
    opened after the corrected one must not take its place). ``created_at`` was checked to be
    ``YYYY-MM-DDTHH:MM:SSZ`` when the review was verified, so text order is time order."""
    return sorted(reviews, key=lambda r: (r.review.created_at, r.review.review_id), reverse=True)


def reviews_for(db: Database, assessment_id: int) -> list[ImportedReview]:
    """Reviews of one assessment (revision), the one signed last first."""
    with db.read() as session:
        rows = (
            session.connection()
            .exec_driver_sql(
                f"SELECT {_COLUMNS} FROM review_imports WHERE assessment_id=?",  # noqa: S608
                (assessment_id,),
            )
            .all()
        )
    return newest_first([_row_to_imported(r) for r in rows])


def latest_review(db: Database, assessment_id: int) -> ImportedReview | None:
    found = reviews_for(db, assessment_id)
    return found[0] if found else None


def answered_review(db: Database, assessment_id: int) -> ImportedReview | None:
    """The review this assessment answers: the latest review of the revision it was reopened from."""
    row = assessments.get(db, assessment_id)
    return latest_review(db, row.parent_id) if row.parent_id is not None else None


def review_to_show(db: Database, assessment_id: int) -> ImportedReview | None:
    """For the commune screen: a review of this revision, else the review it answers."""
    return latest_review(db, assessment_id) or answered_review(db, assessment_id)


# --- explanations ------------------------------------------------------------------------------


def _answering_locked(db: Database, imported: ImportedReview) -> bool:
    """True once a revision answering this review has been signed (what was sent stays as sent)."""
    with db.read() as session:
        rows = (
            session.connection()
            .exec_driver_sql(
                "SELECT status FROM assessments WHERE parent_id=?", (imported.assessment_id,)
            )
            .all()
        )
    return any(status != Status.DRAFT.value for (status,) in rows)


def set_explanation(
    db: Database, review_id: str, code: str, text: str, user: str | None = None
) -> None:
    """The commune's explanation for an indicator the reviewer flagged or adjusted (empty removes it)."""
    imported = get(db, review_id)
    item = imported.review.items.get(code)
    if item is None or item.status is ItemStatus.ACCEPTED:
        raise StorageError(
            _(
                "Chỉ tiêu {code} không có yêu cầu giải trình hay điều chỉnh trong phiếu thẩm định này.",
                code=code,
            )
        )
    if _answering_locked(db, imported):
        raise StorageError(_("Bản giải trình đã được ký và gửi đi: không sửa được nữa."))
    who = db.user if user is None else user
    at = now_utc()
    text = nfc(text.strip())
    with db.write() as session:
        conn = session.connection()
        old_row = conn.exec_driver_sql(
            "SELECT text FROM review_explanations WHERE review_id=? AND indicator_code=?",
            (review_id, code),
        ).first()
        old = old_row[0] if old_row else ""
        if old == text:
            return
        if text:
            conn.exec_driver_sql(
                "INSERT INTO review_explanations(review_id, indicator_code, text, updated_by, updated_at) VALUES (?,?,?,?,?) "
                "ON CONFLICT(review_id, indicator_code) DO UPDATE SET text=excluded.text, updated_by=excluded.updated_by, "
                "updated_at=excluded.updated_at",
                (review_id, code, text, who, iso(at)),
            )
        else:
            conn.exec_driver_sql(
                "DELETE FROM review_explanations WHERE review_id=? AND indicator_code=?",
                (review_id, code),
            )
        audit.log(session, at=at, who=who, entity="explanation", key=f"{review_id}/{code}", old=audit.encode(old),
                  new=audit.encode(text), assessment_id=imported.assessment_id)  # fmt: skip
        record_change(session, Change("explanation", code, imported.assessment_id))


def explanations(db: Database, review_id: str) -> dict[str, str]:
    with db.read() as session:
        rows = (
            session.connection()
            .exec_driver_sql(
                "SELECT indicator_code, text FROM review_explanations WHERE review_id=?",
                (review_id,),
            )
            .all()
        )
    return {code: text for code, text in rows}


def missing_explanations(db: Database, review_id: str) -> list[str]:
    """Flagged indicators without an explanation yet (the answer should not be sent like that)."""
    imported = get(db, review_id)
    given = explanations(db, review_id)
    return [item.code for item in imported.review.flagged if not given.get(item.code)]


# --- the answering revision --------------------------------------------------------------------


def response_notes(notes: Mapping[str, str], given: Mapping[str, str]) -> dict[str, str]:
    """Indicator notes for the answering package: the officer's note, then the explanation.

    The package format has one free-text note per indicator; the explanation travels there so
    the reviewer reads it beside the answer, without a new package format version.
    """
    merged = {code: text for code, text in notes.items() if text}
    for code, text in given.items():
        if text:
            merged[code] = f"{merged[code]}\n\n{text}" if merged.get(code) else text
    return merged


def as_answer(db: Database, assessment_id: int, submission: Submission) -> Submission:
    """``submission`` (built by the GUI from its session) made the answer to a review, if this
    revision answers one: explanations in the notes, ``supersedes`` filled when still empty."""
    answered = answered_review(db, assessment_id)
    if answered is None:
        return submission
    given = explanations(db, answered.review.review_id)
    return replace(
        submission,
        # storage's record of the previous export (schema v4) names the same submission; it wins
        # when present, the review's submission id fills in for packages written before it
        supersedes=submission.supersedes or answered.review.submission.submission_id,
        notes=response_notes(submission.notes, given),
    )


def response_submission(
    db: Database,
    assessment_id: int,
    *,
    unit_name: str,
    officer_name: str = "",
    officer_position: str = "",
) -> Submission:
    """The ``Submission`` (for ``forms.packages.build.build_package``) of an assessment; when it
    answers a review it ``supersedes`` the reviewed submission and carries the explanations."""
    loaded = answers.load(db, assessment_id)
    row = loaded.assessment
    cs = criteria_store.load(db, row.criteria_hash)
    answered = answered_review(db, assessment_id)
    given = explanations(db, answered.review.review_id) if answered else {}
    files = [
        EvidenceFile(
            indicator=link.indicator_code,
            original_name=link.original_name,
            source=evidence.open_path(db, link.id),
            document={
                k: v
                for k, v in {
                    "number": link.doc_number,
                    "date": link.doc_date,
                    "issuer": link.issuer,
                    "summary": link.summary,
                }.items()
                if v
            },
        )
        for links in loaded.attachments.values()
        for link in links
        if link.id is not None
    ]
    return Submission(
        unit_code=row.unit_code,
        unit_name=unit_name,
        year=row.year,
        criteria_set=cs,
        answers=loaded.answers,
        notes=response_notes(loaded.notes, given),
        evidence=files,
        revision=row.revision,
        supersedes=answered.review.submission.submission_id if answered else None,
        officer_name=officer_name,
        officer_position=officer_position,
        criteria_hash=row.criteria_hash,
    )


def known_criteria_sets(data_dir: Path) -> list[CriteriaSet]:
    """The criteria sets the commune database in ``data_dir`` knows, read without opening it
    for writing (``dti-desk review verify`` changes nothing and works while the app holds the
    folder); empty when there is none or it is not readable."""
    import sqlite3

    from forms.criteria_json import from_dict
    from local_db.paths import DB_FILE

    path = Path(data_dir) / DB_FILE
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
        try:
            rows = conn.execute("SELECT canonical_json FROM criteria_sets").fetchall()
        finally:
            conn.close()
        return [from_dict(json.loads(text)) for (text,) in rows]
    except (sqlite3.Error, ValueError):
        return []  # not readable: the sets named with --criteria still apply
