"""Evidence attached to indicators: rows linking an assessment's indicator to a stored file.

Order of work in ``attach``: validate, store the file (content-addressed), then one
transaction inserting the blob row, the attachment row and the audit row. If that
transaction fails, a file this call created is deleted again; a crash in between leaves a
file without a row, which ``evidence_store.sweep`` removes at the next open. So a row never
points at a missing file and no orphan file survives.
"""

from __future__ import annotations

import builtins
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func
from sqlmodel import col, select

from forms.i18n import _
from forms.text import nfc
from local_db import assessments, audit, evidence_store
from local_db.database import Change, record_change
from local_db.errors import NotFound
from local_db.models import Attachment, EvidenceBlob, now_utc

if TYPE_CHECKING:
    from local_db.database import Database

# Serialises "store file + commit row" against "delete row + delete unreferenced file", so
# a removal can never delete a file an attach in another thread is about to reference.
_store_lock = threading.Lock()


def store_lock() -> threading.Lock:
    """Held around any write that makes a row refer to a stored file (``local_db.carry``)."""
    return _store_lock


@dataclass(frozen=True)
class EvidenceMeta:
    """Document metadata the officer types: number, date (ISO), issuing body, summary."""

    number: str = ""
    date: str = ""
    issuer: str = ""
    summary: str = ""


def _meta_dict(row: Attachment) -> dict[str, str]:
    return {
        "number": row.doc_number,
        "date": row.doc_date,
        "issuer": row.issuer,
        "summary": row.summary,
    }


def attach(
    db: Database,
    assessment_id: int,
    code: str,
    file_path: Path,
    meta: EvidenceMeta | None = None,
    user: str | None = None,
) -> Attachment:
    """Store ``file_path`` as evidence for indicator ``code``; raises ``EvidenceRejected``/``StorageError``."""
    meta = meta or EvidenceMeta()
    who = db.user if user is None else user
    file_path = Path(file_path)
    # Refuse edits of a signed assessment before copying anything.
    with db.read() as session:
        assessments.editable(session, assessment_id)
    name, file_type, _size = evidence_store.validate(file_path, db.evidence_limit)
    with _store_lock:
        blob = evidence_store.store_file(db.evidence_dir, file_path, db.evidence_limit, file_type)
        at = now_utc()
        try:
            with db.write() as session:
                row = assessments.editable(session, assessment_id)
                if session.get(EvidenceBlob, blob.sha256) is None:
                    session.add(
                        EvidenceBlob(
                            sha256=blob.sha256,
                            size=blob.size,
                            file_type=blob.file_type,
                            stored_at=at,
                        )
                    )
                    session.flush()  # no relationship() tells the unit of work to insert it first
                link = Attachment(
                    assessment_id=assessment_id, indicator_code=code, blob_sha256=blob.sha256, original_name=name,
                    doc_number=nfc(meta.number.strip()), doc_date=meta.date.strip(), issuer=nfc(meta.issuer.strip()),
                    summary=nfc(meta.summary.strip()), added_by=who, added_at=at,
                )  # fmt: skip
                session.add(link)
                session.flush()
                audit.log(session, at=at, who=who, entity="evidence", key=f"{code}/{name}", old=None,
                          new=audit.encode({"sha256": blob.sha256, "name": name, **_meta_dict(link)}),
                          assessment_id=assessment_id)  # fmt: skip
                assessments.touch(session, row, at)
                record_change(session, Change("evidence", code, assessment_id))
        except BaseException:
            if blob.created:
                evidence_store.delete_blob(db.evidence_dir, blob.sha256)
            raise
    return link


def _fetch(session: object, attachment_id: int) -> Attachment:
    row = session.get(Attachment, attachment_id)  # type: ignore[attr-defined]
    if row is None:
        raise NotFound(_("Không tìm thấy tệp minh chứng số {id}.", id=attachment_id))
    return row


def remove(db: Database, attachment_id: int, user: str | None = None) -> datetime:
    """Detach; the stored file is deleted once no attachment of any revision refers to it."""
    who = db.user if user is None else user
    at = now_utc()
    with _store_lock:
        with db.write() as session:
            link = _fetch(session, attachment_id)
            row = assessments.editable(session, link.assessment_id)
            sha = link.blob_sha256
            session.delete(link)
            session.flush()
            still_used = session.exec(
                select(func.count()).where(col(Attachment.blob_sha256) == sha)
            ).one()
            if not still_used:
                blob = session.get(EvidenceBlob, sha)
                if blob is not None:
                    session.delete(blob)
            audit.log(session, at=at, who=who, entity="evidence", key=f"{link.indicator_code}/{link.original_name}",
                      old=audit.encode({"sha256": sha, "name": link.original_name, **_meta_dict(link)}), new=None,
                      assessment_id=link.assessment_id)  # fmt: skip
            assessments.touch(session, row, at)
            record_change(session, Change("evidence", link.indicator_code, link.assessment_id))
        if not still_used:
            # After the commit: if deleting fails, sweep() removes the file at the next open.
            evidence_store.delete_blob(db.evidence_dir, sha)
    return at


def update_meta(
    db: Database, attachment_id: int, meta: EvidenceMeta, user: str | None = None
) -> datetime:
    who = db.user if user is None else user
    at = now_utc()
    with db.write() as session:
        link = _fetch(session, attachment_id)
        row = assessments.editable(session, link.assessment_id)
        old = audit.encode(_meta_dict(link))
        link.doc_number, link.doc_date = nfc(meta.number.strip()), meta.date.strip()
        link.issuer, link.summary = nfc(meta.issuer.strip()), nfc(meta.summary.strip())
        session.add(link)
        audit.log(session, at=at, who=who, entity="evidence_meta", key=f"{link.indicator_code}/{link.original_name}",
                  old=old, new=audit.encode(_meta_dict(link)), assessment_id=link.assessment_id)  # fmt: skip
        assessments.touch(session, row, at)
        record_change(session, Change("evidence", link.indicator_code, link.assessment_id))
    return at


def list_for(
    db: Database, assessment_id: int, code: str | None = None
) -> builtins.list[Attachment]:
    """Attachments of an assessment (or of one indicator), in the order they were added."""
    with db.read() as session:
        query = select(Attachment).where(Attachment.assessment_id == assessment_id)
        if code is not None:
            query = query.where(Attachment.indicator_code == code)
        return builtins.list(session.exec(query.order_by(col(Attachment.id))).all())


def find_by_name(db: Database, assessment_id: int, name: str) -> builtins.list[Attachment]:
    """Attachments whose original name equals ``name`` after NFC normalisation."""
    with db.read() as session:
        query = select(Attachment).where(
            Attachment.assessment_id == assessment_id, Attachment.original_name == nfc(name)
        )
        return builtins.list(session.exec(query.order_by(col(Attachment.id))).all())


def open_path(db: Database, attachment_id: int) -> Path:
    """Where the attachment's file is stored (open it read-only; never modify it)."""
    with db.read() as session:
        link = _fetch(session, attachment_id)
    path = evidence_store.blob_path(db.evidence_dir, link.blob_sha256)
    if not path.is_file():
        raise NotFound(
            _(
                "Thiếu tệp minh chứng {name} trong kho (hãy chạy: dti-desk db check).",
                name=link.original_name,
            )
        )
    return path


list = list_for  # noqa: A001 - the documented name, evidence.list(db, assessment_id)
