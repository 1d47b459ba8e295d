"""The commune's "không áp dụng" marks (issue 16): an indicator or pillar the criteria set
lets the commune mark as not applicable, with the reason, one row per code of an assessment.

Each call is one committed transaction with its audit row (entity ``not_applicable``), like
the answers' autosave; a reason is checked by the core (``forms.applicability``) before it
is written, so nothing the package would refuse is ever stored.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete
from sqlmodel import col, select

from forms.applicability import UnitFacts, mark_allowed, nfc, reason_problem
from forms.criteria import CriteriaSet
from forms.i18n import _
from local_db import assessments
from local_db.errors import StorageError
from local_db.models import NotApplicableMark, now_utc

if TYPE_CHECKING:
    from local_db.database import Database


class MarkRefused(StorageError):
    """A mark the set does not allow or a reason that cannot be kept; ``str`` says why."""

    code = "storage.mark_refused"


def unit_facts(db: Database, assessment_id: int) -> UnitFacts:
    """The assessed unit's kind and code, from the units list (kind empty when the unit is
    not on it: then every part applies, and the package says no kind)."""
    from local_db import units

    code = assessments.get(db, assessment_id).unit_code
    unit = units.get(db, code)
    return UnitFacts(kind=unit.kind if unit is not None else "", code=code)


def marks(db: Database, assessment_id: int) -> dict[str, str]:
    """code -> reason of every mark of the assessment."""
    with db.read() as session:
        rows = session.exec(
            select(NotApplicableMark).where(NotApplicableMark.assessment_id == assessment_id)
        ).all()
        return {r.code: r.reason for r in rows}


def set_mark(
    db: Database,
    cs: CriteriaSet,
    assessment_id: int,
    code: str,
    reason: str | None,
    user: str | None = None,
) -> datetime:
    """Mark ``code`` "không áp dụng" with ``reason`` (NFC, trimmed); None removes the mark.
    ``MarkRefused`` when the set does not allow it or the reason is not acceptable."""
    who = db.user if user is None else user
    at = now_utc()
    if reason is not None:
        reason = nfc(reason).strip()
        if not mark_allowed(cs, code):
            raise MarkRefused(
                _("Bộ tiêu chí không cho phép đánh dấu {code} là không áp dụng.", code=code)
            )
        problem = reason_problem(reason)
        if problem is not None:
            raise MarkRefused(problem.message)
    with db.write() as session:
        row = assessments.editable(session, assessment_id)
        existing = session.get(NotApplicableMark, (assessment_id, code))
        old = existing.reason if existing is not None else None
        if old == reason:
            return at
        if reason is None:
            session.execute(
                delete(NotApplicableMark).where(
                    col(NotApplicableMark.assessment_id) == assessment_id,
                    col(NotApplicableMark.code) == code,
                )
            )
        elif existing is None:
            session.add(
                NotApplicableMark(
                    assessment_id=assessment_id, code=code, reason=reason, updated_by=who,
                    updated_at=at,
                )
            )  # fmt: skip
        else:
            existing.reason, existing.updated_by, existing.updated_at = reason, who, at
            session.add(existing)
        assessments.edited(
            session, row, entity="not_applicable", key=code, old=old, new=reason, who=who, at=at
        )
    return at
