"""Criteria sets known to this installation, kept by content hash as canonical JSON.

An assessment names its criteria set by hash, so the exact rules it was scored with can be
loaded again years later, whatever sets the installation receives afterwards.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlmodel import col, select

from forms.criteria import CriteriaSet, canonical_bytes
from forms.i18n import _
from local_db.database import Change, record_change
from local_db.errors import NotFound
from local_db.models import CriteriaSetRow, now_utc

if TYPE_CHECKING:
    from local_db.database import Database


def remember(db: Database, cs: CriteriaSet) -> str:
    """Store ``cs`` if new; returns its content hash."""
    content_hash = cs.content_hash
    with db.read() as session:
        if session.get(CriteriaSetRow, content_hash) is not None:
            return content_hash
    with db.write() as session:
        if session.get(CriteriaSetRow, content_hash) is None:
            session.add(
                CriteriaSetRow(
                    content_hash=content_hash, set_id=cs.set_id, year=cs.year, version=cs.version, title=cs.title,
                    canonical_json=canonical_bytes(cs).decode("utf-8"), added_at=now_utc(),
                )
            )  # fmt: skip
            record_change(session, Change("criteria_set", content_hash))
    return content_hash


def load(db: Database, content_hash: str) -> CriteriaSet:
    from forms.criteria_json import from_dict

    with db.read() as session:
        row = session.get(CriteriaSetRow, content_hash)
    if row is None:
        raise NotFound(
            _("Không tìm thấy bộ tiêu chí {hash} trong máy này.", hash=content_hash[:12])
        )
    return from_dict(json.loads(row.canonical_json))


def known(db: Database) -> list[CriteriaSetRow]:
    """Every stored set, newest year first (rows carry no JSON parsing cost)."""
    with db.read() as session:
        return list(
            session.exec(
                select(CriteriaSetRow).order_by(
                    col(CriteriaSetRow.year).desc(), col(CriteriaSetRow.set_id)
                )
            ).all()
        )
