"""The append-only audit trail: who changed what, from which value to which, when.

``log`` is called inside the same ``db.write()`` transaction as the change it records, so
either both are committed or neither. Triggers in the schema abort any UPDATE or DELETE.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlmodel import Session, col, select

from forms.canonical import canonical_bytes
from local_db.models import AuditEntry

if TYPE_CHECKING:
    from local_db.database import Database


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_normalise(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normalise(v) for v in value]
    return value


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"not JSON-compatible: {type(value).__name__}")


def encode(value: Any) -> str:
    """Canonical JSON of an answer value (NFC text, Decimal as text, sorted keys)."""
    return canonical_bytes(_normalise(value), default=_default).decode("utf-8")


def decode(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def log(
    session: Session,
    *,
    at: datetime,
    who: str,
    entity: str,
    key: str,
    old: str | None,
    new: str | None,
    assessment_id: int | None = None,
) -> None:
    """Record one change; ``old``/``new`` are already JSON text (or None)."""
    session.add(
        AuditEntry(
            at=at,
            who=who,
            entity=entity,
            key=key,
            assessment_id=assessment_id,
            old_value=old,
            new_value=new,
        )
    )


def entries(
    db: Database, assessment_id: int | None = None, entity: str | None = None
) -> list[AuditEntry]:
    """Audit rows, oldest first."""
    with db.read() as session:
        query = select(AuditEntry)
        if assessment_id is not None:
            query = query.where(AuditEntry.assessment_id == assessment_id)
        if entity is not None:
            query = query.where(AuditEntry.entity == entity)
        return list(session.exec(query.order_by(col(AuditEntry.id))).all())
