"""Answers (one row per indicator field) and indicator notes: the autosave path.

Each call is one committed transaction including its audit row; when it returns, the edit
is durable. Values are stored as canonical JSON text, points as decimal text (never float:
two machines must agree on a published score).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from forms.text import nfc
from local_db import assessments, audit
from local_db.database import Change, record_change
from local_db.models import Answer, Assessment, Attachment, IndicatorNote, iso, now_utc

if TYPE_CHECKING:
    from local_db.database import Database

Answers = dict[str, dict[str, Any]]


def _points_text(points: Decimal | str | int | None) -> str | None:
    if points is None:
        return None
    return format(Decimal(str(points)).normalize(), "f")


def _set_one(
    session: Session,
    row: Assessment,
    code: str,
    key: str,
    value: Any,
    points: str | None,
    who: str,
    at: datetime,
) -> bool:
    """Write one field inside an open transaction; False when nothing changed."""
    assert row.id is not None
    existing = session.exec(
        select(Answer).where(
            Answer.assessment_id == row.id, Answer.indicator_code == code, Answer.field_key == key
        )
    ).first()
    old_json = existing.value_json if existing is not None else None
    new_json = None if value is None else audit.encode(value)
    if old_json == new_json and (points is None or existing is None or existing.points == points):
        return False
    if new_json is None:
        assert existing is not None
        session.delete(existing)
    elif existing is None:
        session.add(Answer(assessment_id=row.id, indicator_code=code, field_key=key, value_json=new_json,
                           points=points, updated_by=who, updated_at=at))  # fmt: skip
    else:
        existing.value_json = new_json
        existing.updated_by = who
        existing.updated_at = at
        if points is not None:
            existing.points = points
        session.add(existing)
    if points is not None:
        # The indicator's points live on each of its field rows, kept equal here.
        session.flush()
        session.execute(
            update(Answer)
            .where(col(Answer.assessment_id) == row.id, col(Answer.indicator_code) == code)
            .values(points=points)
        )
    if old_json != new_json:
        audit.log(
            session,
            at=at,
            who=who,
            entity="answer",
            key=f"{code}/{key}",
            old=old_json,
            new=new_json,
            assessment_id=row.id,
        )
    return True


def set_value(
    db: Database,
    assessment_id: int,
    code: str,
    field_key: str,
    value: Any,
    points: Decimal | str | int | None = None,
    user: str | None = None,
) -> datetime:
    """Save one answer field (``None`` clears it); returns the saved time once committed.

    This is the autosave path, called on every keystroke pause, so it is written in plain
    SQL: the ORM version cost 2-3 ms per edit on top of the fsync (benchmarks/bench_storage.py).
    """
    who = db.user if user is None else user
    at = now_utc()
    stamp = iso(at)
    new_json = None if value is None else audit.encode(value)
    points_text = _points_text(points)
    with db.write_sql() as conn:
        found = conn.exec_driver_sql(
            "SELECT status, unit_code, year, revision FROM assessments WHERE id = ?",
            (assessment_id,),
        ).first()
        assessments.check_editable(assessment_id, *found) if found else assessments.check_editable(
            assessment_id
        )
        existing = conn.exec_driver_sql(
            "SELECT id, value_json, points FROM answers WHERE assessment_id = ? AND indicator_code = ? AND field_key = ?",
            (assessment_id, code, field_key),
        ).first()
        old_json = existing[1] if existing is not None else None
        points_changed = points_text is not None and (
            existing is None or existing[2] != points_text
        )
        if old_json == new_json and not points_changed:
            return at
        if new_json is None:
            if existing is not None:
                conn.exec_driver_sql("DELETE FROM answers WHERE id = ?", (existing[0],))
        elif existing is None:
            conn.exec_driver_sql(
                "INSERT INTO answers (assessment_id, indicator_code, field_key, value_json, points, updated_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (assessment_id, code, field_key, new_json, points_text, who, stamp),
            )
        elif old_json != new_json:
            conn.exec_driver_sql(
                "UPDATE answers SET value_json = ?, updated_by = ?, updated_at = ? WHERE id = ?",
                (new_json, who, stamp, existing[0]),
            )
        if points_changed:
            # The indicator's points live on each of its field rows, kept equal here.
            conn.exec_driver_sql(
                "UPDATE answers SET points = ? WHERE assessment_id = ? AND indicator_code = ?",
                (points_text, assessment_id, code),
            )
        if old_json != new_json:
            conn.exec_driver_sql(
                "INSERT INTO audit (at, who, entity, key, assessment_id, old_value, new_value) "
                "VALUES (?, ?, 'answer', ?, ?, ?, ?)",
                (stamp, who, f"{code}/{field_key}", assessment_id, old_json, new_json),
            )
        conn.exec_driver_sql(
            "UPDATE assessments SET updated_at = ? WHERE id = ?", (stamp, assessment_id)
        )
        record_change(conn, Change("answer", f"{code}/{field_key}", assessment_id))
    return at


def set_many(
    db: Database,
    assessment_id: int,
    answers: Answers,
    points: dict[str, Decimal] | None = None,
    user: str | None = None,
) -> datetime:
    """Save many fields in one transaction (imports, paste); all or nothing."""
    who = db.user if user is None else user
    at = now_utc()
    points = points or {}
    with db.write() as session:
        row = assessments.editable(session, assessment_id)
        changed = False
        for code, fields in answers.items():
            for key, value in fields.items():
                changed |= _set_one(
                    session, row, code, key, value, _points_text(points.get(code)), who, at
                )
        if changed:
            assessments.touch(session, row, at)
            record_change(session, Change("answer", "*", assessment_id))
    return at


def get_all(db: Database, assessment_id: int) -> Answers:
    with db.read() as session:
        return _answers(session, assessment_id)


def answers_in(session: Session, assessment_id: int) -> Answers:
    """The assessment's answers, read inside an open transaction."""
    return _answers(session, assessment_id)


def _answers(session: Session, assessment_id: int) -> Answers:
    result: Answers = {}
    rows = session.connection().exec_driver_sql(
        "SELECT indicator_code, field_key, value_json FROM answers WHERE assessment_id = ?",
        (assessment_id,),
    )
    for code, key, value_json in rows:
        result.setdefault(code, {})[key] = audit.decode(value_json)
    return result


def _points(session: Session, assessment_id: int) -> dict[str, Decimal]:
    rows = session.connection().exec_driver_sql(
        "SELECT indicator_code, points FROM answers WHERE assessment_id = ? AND points IS NOT NULL",
        (assessment_id,),
    )
    return {code: Decimal(text) for code, text in rows}


def points(db: Database, assessment_id: int) -> dict[str, Decimal]:
    """The stored points per indicator (as last computed by the caller)."""
    with db.read() as session:
        return _points(session, assessment_id)


def set_note(
    db: Database, assessment_id: int, code: str, note: str, user: str | None = None
) -> datetime:
    """The officer's free-text note on an indicator (empty text removes it)."""
    who = db.user if user is None else user
    at = now_utc()
    note = nfc(note)
    with db.write() as session:
        row = assessments.editable(session, assessment_id)
        existing = session.get(IndicatorNote, (assessment_id, code))
        old = existing.note if existing is not None else ""
        if old == note:
            return at
        if not note:
            session.execute(
                delete(IndicatorNote).where(
                    col(IndicatorNote.assessment_id) == assessment_id,
                    col(IndicatorNote.indicator_code) == code,
                )
            )
        elif existing is None:
            session.add(
                IndicatorNote(
                    assessment_id=assessment_id,
                    indicator_code=code,
                    note=note,
                    updated_by=who,
                    updated_at=at,
                )
            )
        else:
            existing.note, existing.updated_by, existing.updated_at = note, who, at
            session.add(existing)
        assessments.edited(session, row, entity="note", key=code, old=old, new=note, who=who, at=at)
    return at


def notes(db: Database, assessment_id: int) -> dict[str, str]:
    with db.read() as session:
        rows = session.exec(
            select(IndicatorNote).where(IndicatorNote.assessment_id == assessment_id)
        ).all()
        return {r.indicator_code: r.note for r in rows}


@dataclass
class LoadedAssessment:
    """Everything an editor shows for one assessment, read in one transaction."""

    assessment: Assessment
    answers: Answers
    points: dict[str, Decimal]
    notes: dict[str, str]
    attachments: dict[str, list[Attachment]] = field(default_factory=dict)


def load(db: Database, assessment_id: int) -> LoadedAssessment:
    with db.read() as session:
        row = assessments.fetch(session, assessment_id)
        note_rows = session.exec(
            select(IndicatorNote).where(IndicatorNote.assessment_id == assessment_id)
        ).all()
        links = session.exec(
            select(Attachment)
            .where(Attachment.assessment_id == assessment_id)
            .order_by(col(Attachment.id))
        ).all()
        by_code: dict[str, list[Attachment]] = {}
        for link in links:
            by_code.setdefault(link.indicator_code, []).append(link)
        return LoadedAssessment(
            assessment=row,
            answers=_answers(session, assessment_id),
            points=_points(session, assessment_id),
            notes={n.indicator_code: n.note for n in note_rows},
            attachments=by_code,
        )
