"""The tables, as sqlmodel classes describing the LATEST schema.

The schema itself is created by ``migrations.py`` (raw DDL, one numbered step each); these
classes only map rows. ``tests/local_db/test_migrations.py`` checks the two agree.
Times are stored as ISO-8601 UTC text so that they sort and read the same everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Text
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def now_utc() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    """The stored text form of a time: ISO-8601 in UTC with microseconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime stored as ISO-8601 text."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        return None if value is None else iso(value)

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _time(nullable: bool = False) -> Any:
    return Field(sa_column=Column(UTCDateTime(), nullable=nullable))


class Status(StrEnum):
    DRAFT = "draft"
    FINALISED = "finalised"
    SIGNED = "signed"
    EXPORTED = "exported"


class Unit(SQLModel, table=True):
    __tablename__ = "units"
    code: str = Field(primary_key=True)
    name: str
    name_folded: str = ""
    kind: str
    group_name: str = ""
    province: str = ""
    updated_at: datetime = _time()


class Profile(SQLModel, table=True):
    __tablename__ = "profile"
    id: int = Field(default=1, primary_key=True)
    officer_name: str = ""
    position: str = ""
    phone: str = ""
    email: str = ""
    unit_code: str = ""
    chairman_name: str = ""  # who signs the report (TM. Ủy ban nhân dân, Chủ tịch)
    updated_at: datetime = _time()


class CriteriaSetRow(SQLModel, table=True):
    __tablename__ = "criteria_sets"
    content_hash: str = Field(primary_key=True)
    set_id: str
    year: int
    version: str
    title: str
    canonical_json: str
    added_at: datetime = _time()


class Assessment(SQLModel, table=True):
    __tablename__ = "assessments"
    id: int | None = Field(default=None, primary_key=True)
    unit_code: str
    year: int
    criteria_hash: str = Field(foreign_key="criteria_sets.content_hash")
    status: str = Status.DRAFT.value
    revision: int = 1
    parent_id: int | None = Field(default=None, foreign_key="assessments.id")
    created_at: datetime = _time()
    updated_at: datetime = _time()
    finalised_at: datetime | None = _time(nullable=True)
    signed_at: datetime | None = _time(nullable=True)
    exported_at: datetime | None = _time(nullable=True)

    @property
    def editable(self) -> bool:
        return self.status == Status.DRAFT.value


class PackageExport(SQLModel, table=True):
    """One exported package of an assessment revision (schema version 4)."""

    __tablename__ = "package_exports"
    submission_id: str = Field(primary_key=True)
    assessment_id: int = Field(foreign_key="assessments.id")
    revision: int
    supersedes: str | None = None
    manifest_sha256: str
    file_name: str
    created_at: str  # the manifest's created_at claim, exactly as signed (YYYY-MM-DDTHH:MM:SSZ)
    exported_by: str = ""
    exported_at: datetime = _time()


class Answer(SQLModel, table=True):
    __tablename__ = "answers"
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessments.id")
    indicator_code: str
    field_key: str
    value_json: str
    points: str | None = None
    note: str = ""
    updated_by: str = ""
    updated_at: datetime = _time()


class IndicatorNote(SQLModel, table=True):
    __tablename__ = "indicator_notes"
    assessment_id: int = Field(foreign_key="assessments.id", primary_key=True)
    indicator_code: str = Field(primary_key=True)
    note: str
    updated_by: str = ""
    updated_at: datetime = _time()


class NotApplicableMark(SQLModel, table=True):
    """The commune's "không áp dụng" on an indicator or pillar, with its reason (issue 16)."""

    __tablename__ = "not_applicable_marks"
    assessment_id: int = Field(foreign_key="assessments.id", primary_key=True)
    code: str = Field(primary_key=True)
    reason: str
    updated_by: str = ""
    updated_at: datetime = _time()


class EvidenceBlob(SQLModel, table=True):
    __tablename__ = "evidence_blobs"
    sha256: str = Field(primary_key=True)
    size: int
    file_type: str
    stored_at: datetime = _time()


class Attachment(SQLModel, table=True):
    __tablename__ = "evidence_attachments"
    id: int | None = Field(default=None, primary_key=True)
    assessment_id: int = Field(foreign_key="assessments.id")
    indicator_code: str
    blob_sha256: str = Field(foreign_key="evidence_blobs.sha256")
    original_name: str
    doc_number: str = ""
    doc_date: str = ""
    issuer: str = ""
    summary: str = ""
    added_by: str = ""
    added_at: datetime = _time()


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _time()
    who: str
    entity: str
    key: str
    assessment_id: int | None = None
    old_value: str | None = None
    new_value: str | None = None
