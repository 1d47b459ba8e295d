"""The officer's profile (one row): name, position, phone, e-mail, the unit they report for and
the unit's chairman, who signs the report."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from forms.text import nfc
from local_db import audit
from local_db.database import Change, record_change
from local_db.models import Profile, now_utc

if TYPE_CHECKING:
    from local_db.database import Database

FIELDS = ("officer_name", "position", "phone", "email", "unit_code", "chairman_name")


def get(db: Database) -> Profile | None:
    with db.read() as session:
        return session.get(Profile, 1)


def save(
    db: Database,
    *,
    officer_name: str = "",
    position: str = "",
    phone: str = "",
    email: str = "",
    unit_code: str = "",
    chairman_name: str = "",
    user: str | None = None,
) -> datetime:
    """Replace the profile; returns the saved time. Changed fields go to the audit trail."""
    values = {
        "officer_name": nfc(officer_name.strip()),
        "position": nfc(position.strip()),
        "phone": phone.strip(),
        "email": email.strip(),
        "unit_code": unit_code.strip(),
        "chairman_name": nfc(chairman_name.strip()),
    }
    who = (db.user if user is None else user) or values["officer_name"]
    at = now_utc()
    with db.write() as session:
        row = session.get(Profile, 1) or Profile(id=1, updated_at=at)
        for key in FIELDS:
            old = getattr(row, key)
            if old != values[key]:
                audit.log(
                    session,
                    at=at,
                    who=who,
                    entity="profile",
                    key=key,
                    old=audit.encode(old),
                    new=audit.encode(values[key]),
                )
                setattr(row, key, values[key])
        row.updated_at = at
        session.add(row)
        record_change(session, Change("profile"))
    return at
