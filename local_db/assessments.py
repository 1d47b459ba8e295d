"""Assessments and their life cycle: draft -> finalised -> signed -> exported.

Only a draft can be edited. Reopening a finalised assessment returns it to draft; reopening
a signed or exported one keeps it untouched (what was signed stays provable) and starts a
new draft revision copying its answers, notes and evidence links.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from forms.criteria import CriteriaSet
from forms.i18n import _
from local_db import audit, criteria_store
from local_db.database import Change, record_change
from local_db.errors import NotFound, ReadOnlyAssessment, StorageError
from local_db.models import (
    Answer,
    Assessment,
    Attachment,
    IndicatorNote,
    NotApplicableMark,
    PackageExport,
    Status,
    now_utc,
)

if TYPE_CHECKING:
    from local_db.database import Database


def status_label(status: str) -> str:
    labels = {
        Status.DRAFT.value: _("bản nháp"),
        Status.FINALISED.value: _("đã chốt"),
        Status.SIGNED.value: _("đã ký"),
        Status.EXPORTED.value: _("đã xuất gói"),
    }
    return labels.get(status, status)


def fetch(session: Session, assessment_id: int) -> Assessment:
    found = session.get(Assessment, assessment_id)
    if found is None:
        raise NotFound(_("Không tìm thấy bản đánh giá số {id}.", id=assessment_id))
    return found


def editable(session: Session, assessment_id: int) -> Assessment:
    """The assessment, if it may be edited now; else ``ReadOnlyAssessment``."""
    found = fetch(session, assessment_id)
    check_editable(assessment_id, found.status, found.unit_code, found.year, found.revision)
    return found


def check_editable(
    assessment_id: int,
    status: str | None = None,
    unit_code: str = "",
    year: int = 0,
    revision: int = 0,
) -> None:
    """Raise unless an assessment with this ``status`` (None: not found) may be edited."""
    if status is None:
        raise NotFound(_("Không tìm thấy bản đánh giá số {id}.", id=assessment_id))
    if status != Status.DRAFT.value:
        raise ReadOnlyAssessment(
            _(
                "Bản đánh giá {unit} năm {year} (lần {revision}) {status}: không sửa được. Hãy mở lại để tạo bản sửa đổi.",
                unit=unit_code,
                year=year,
                revision=revision,
                status=status_label(status),
            )
        )


def create(
    db: Database, unit_code: str, year: int, cs: CriteriaSet, user: str | None = None
) -> Assessment:
    """A new draft (revision 1) for ``unit_code`` and ``year``, scored by ``cs``."""
    content_hash = criteria_store.remember(db, cs)
    who = db.user if user is None else user
    at = now_utc()
    with db.write() as session:
        existing = session.exec(
            select(Assessment).where(Assessment.unit_code == unit_code, Assessment.year == year)
        ).first()
        if existing is not None:
            raise StorageError(
                _("Đơn vị {unit} đã có bản đánh giá năm {year}.", unit=unit_code, year=year)
            )
        row = Assessment(
            unit_code=unit_code, year=year, criteria_hash=content_hash, created_at=at, updated_at=at
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        audit.log(session, at=at, who=who, entity="assessment", key=f"{unit_code}/{year}/1", old=None,
                  new=audit.encode({"status": row.status, "criteria": content_hash}), assessment_id=row.id)  # fmt: skip
        record_change(session, Change("assessment", str(row.id), row.id))
    return row


def get(db: Database, assessment_id: int) -> Assessment:
    with db.read() as session:
        return fetch(session, assessment_id)


def current(db: Database, unit_code: str, year: int) -> Assessment | None:
    """The newest revision for ``unit_code`` and ``year``."""
    with db.read() as session:
        return session.exec(
            select(Assessment)
            .where(Assessment.unit_code == unit_code, Assessment.year == year)
            .order_by(col(Assessment.revision).desc())
        ).first()


def history(db: Database, unit_code: str, year: int) -> list[Assessment]:
    """Every revision, oldest first."""
    with db.read() as session:
        return list(
            session.exec(
                select(Assessment)
                .where(Assessment.unit_code == unit_code, Assessment.year == year)
                .order_by(col(Assessment.revision))
            ).all()
        )


def list_for_unit(db: Database, unit_code: str) -> list[Assessment]:
    with db.read() as session:
        return list(
            session.exec(
                select(Assessment)
                .where(Assessment.unit_code == unit_code)
                .order_by(col(Assessment.year).desc(), col(Assessment.revision).desc())
            ).all()
        )


def _transition(
    db: Database, assessment_id: int, allowed_from: tuple[str, ...], to: str, user: str | None
) -> Assessment:
    who = db.user if user is None else user
    at = now_utc()
    with db.write() as session:
        row = fetch(session, assessment_id)
        if row.status not in allowed_from:
            raise StorageError(
                _(
                    "Không thể chuyển bản đánh giá từ trạng thái {old} sang {new}.",
                    old=status_label(row.status),
                    new=status_label(to),
                )
            )
        old = row.status
        row.status = to
        row.updated_at = at
        if to == Status.FINALISED.value:
            row.finalised_at = at
        elif to == Status.SIGNED.value:
            row.signed_at = at
        elif to == Status.EXPORTED.value:
            row.exported_at = at
        session.add(row)
        audit.log(session, at=at, who=who, entity="status", key=f"{row.unit_code}/{row.year}/{row.revision}",
                  old=audit.encode(old), new=audit.encode(to), assessment_id=row.id)  # fmt: skip
        record_change(session, Change("status", to, row.id))
    return row


def finalise(db: Database, assessment_id: int, user: str | None = None) -> Assessment:
    return _transition(db, assessment_id, (Status.DRAFT.value,), Status.FINALISED.value, user)


def mark_signed(db: Database, assessment_id: int, user: str | None = None) -> Assessment:
    return _transition(db, assessment_id, (Status.FINALISED.value,), Status.SIGNED.value, user)


def mark_exported(db: Database, assessment_id: int, user: str | None = None) -> Assessment:
    # Exporting the same signed package again (a lost USB stick) is allowed.
    return _transition(
        db, assessment_id, (Status.SIGNED.value, Status.EXPORTED.value), Status.EXPORTED.value, user
    )


def reopen(db: Database, assessment_id: int, user: str | None = None) -> Assessment:
    """Back to editing: a finalised one becomes a draft; a signed/exported one gets revision n+1."""
    with db.read() as session:
        status = fetch(session, assessment_id).status
    if status == Status.DRAFT.value:
        return get(db, assessment_id)
    if status == Status.FINALISED.value:
        return _transition(db, assessment_id, (Status.FINALISED.value,), Status.DRAFT.value, user)
    who = db.user if user is None else user
    at = now_utc()
    with db.write() as session:
        old = fetch(session, assessment_id)
        newest = session.exec(
            select(Assessment)
            .where(Assessment.unit_code == old.unit_code, Assessment.year == old.year)
            .order_by(col(Assessment.revision).desc())
        ).first()
        assert newest is not None
        if newest.id != old.id:
            raise StorageError(
                _(
                    "Đã có bản sửa đổi mới hơn (lần {revision}); hãy mở bản đó.",
                    revision=newest.revision,
                )
            )
        new = Assessment(
            unit_code=old.unit_code, year=old.year, criteria_hash=old.criteria_hash, revision=old.revision + 1,
            parent_id=old.id, created_at=at, updated_at=at,
        )  # fmt: skip
        session.add(new)
        session.flush()
        assert new.id is not None
        for answer in session.exec(select(Answer).where(Answer.assessment_id == old.id)).all():
            session.add(Answer(assessment_id=new.id, indicator_code=answer.indicator_code, field_key=answer.field_key,
                               value_json=answer.value_json, points=answer.points, note=answer.note,
                               updated_by=answer.updated_by, updated_at=answer.updated_at))  # fmt: skip
        for note in session.exec(
            select(IndicatorNote).where(IndicatorNote.assessment_id == old.id)
        ).all():
            session.add(IndicatorNote(assessment_id=new.id, indicator_code=note.indicator_code, note=note.note,
                                      updated_by=note.updated_by, updated_at=note.updated_at))  # fmt: skip
        for mark in session.exec(
            select(NotApplicableMark).where(NotApplicableMark.assessment_id == old.id)
        ).all():
            session.add(NotApplicableMark(assessment_id=new.id, code=mark.code, reason=mark.reason,
                                          updated_by=mark.updated_by, updated_at=mark.updated_at))  # fmt: skip
        for link in session.exec(
            select(Attachment).where(Attachment.assessment_id == old.id)
        ).all():
            session.add(Attachment(assessment_id=new.id, indicator_code=link.indicator_code, blob_sha256=link.blob_sha256,
                                   original_name=link.original_name, doc_number=link.doc_number, doc_date=link.doc_date,
                                   issuer=link.issuer, summary=link.summary, added_by=link.added_by,
                                   added_at=link.added_at))  # fmt: skip
        audit.log(session, at=at, who=who, entity="revision", key=f"{new.unit_code}/{new.year}/{new.revision}",
                  old=audit.encode({"id": old.id, "revision": old.revision, "status": old.status}),
                  new=audit.encode({"id": new.id, "revision": new.revision, "status": new.status}),
                  assessment_id=new.id)  # fmt: skip
        record_change(session, Change("assessment", str(new.id), new.id))
    return new


# --- exported packages: what the next revision supersedes -----------------------------


def record_export(
    db: Database,
    assessment_id: int,
    *,
    submission_id: str,
    manifest_sha256: str,
    file_name: str,
    created_at: str,
    supersedes: str | None = None,
    user: str | None = None,
) -> PackageExport:
    """Remember that a package of this assessment was written (call it once the file exists).

    The submission id is what the next revision's package names in ``supersedes``, so the
    collector sees a replacement, not a conflict. Recording the same package again is a no-op;
    a different manifest under an already recorded submission id is refused (a bug).
    """
    who = db.user if user is None else user
    at = now_utc()
    with db.write() as session:
        row = fetch(session, assessment_id)
        existing = session.get(PackageExport, submission_id)
        if existing is not None:
            if (
                existing.assessment_id == assessment_id
                and existing.manifest_sha256 == manifest_sha256
            ):
                return existing
            raise StorageError(
                _("Mã bài nộp {id} đã được dùng cho một gói khác.", id=submission_id)
            )
        export = PackageExport(
            submission_id=submission_id, assessment_id=assessment_id, revision=row.revision,
            supersedes=supersedes, manifest_sha256=manifest_sha256, file_name=file_name,
            created_at=created_at, exported_by=who, exported_at=at,
        )  # fmt: skip
        session.add(export)
        audit.log(session, at=at, who=who, entity="export", key=f"{row.unit_code}/{row.year}/{row.revision}",
                  old=None, new=audit.encode({"submission_id": submission_id, "supersedes": supersedes,
                                              "manifest_sha256": manifest_sha256, "file": file_name}),
                  assessment_id=assessment_id)  # fmt: skip
        record_change(session, Change("export", submission_id, assessment_id))
    return export


def exports(db: Database, assessment_id: int) -> list[PackageExport]:
    """The packages written for this assessment revision, oldest first."""
    with db.read() as session:
        fetch(session, assessment_id)
        return list(
            session.exec(
                select(PackageExport)
                .where(PackageExport.assessment_id == assessment_id)
                .order_by(col(PackageExport.exported_at), col(PackageExport.submission_id))
            ).all()
        )


def previous_submission_id(db: Database, assessment_id: int) -> str | None:
    """The submission id a package of this revision supersedes, or None.

    That is the newest package exported from the nearest earlier revision that was exported
    at all (a revision reopened before anything left the office is skipped: the collector
    never saw it). Revision 1, or nothing exported before: None.
    """
    with db.read() as session:
        row = fetch(session, assessment_id)
        seen = {row.id}
        parent_id = row.parent_id
        while parent_id is not None and parent_id not in seen:
            seen.add(parent_id)
            newest = session.exec(
                select(PackageExport)
                .where(PackageExport.assessment_id == parent_id)
                .order_by(
                    col(PackageExport.exported_at).desc(), col(PackageExport.submission_id).desc()
                )
            ).first()
            if newest is not None:
                return newest.submission_id
            parent = session.get(Assessment, parent_id)
            parent_id = parent.parent_id if parent is not None else None
    return None


def touch(session: Session, row: Assessment, at: datetime) -> None:
    row.updated_at = at
    session.add(row)


def edited(
    session: Session,
    row: Assessment,
    *,
    entity: str,
    key: str,
    old: object,
    new: object,
    who: str,
    at: datetime,
) -> None:
    """What every single edit of an assessment ends with, in its transaction: the audit row
    (``entity``/``key``, ``old`` -> ``new``), the assessment touched, the change announced."""
    assert row.id is not None
    audit.log(
        session, at=at, who=who, entity=entity, key=key,
        old=audit.encode(old), new=audit.encode(new), assessment_id=row.id,
    )  # fmt: skip
    touch(session, row, at)
    record_change(session, Change(entity, key, row.id))
