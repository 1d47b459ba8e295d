"""The reviewer overturns a commune's "không áp dụng" (issue 16): the indicator becomes
applicable again and scores the points the reviewer verifies (the review's item, set on the
usual path). Kept apart from the review's own rows, which another change is versioning: an
overturn is a row of its own table, and counts once the review of that submission is issued,
as verified points do. The ranking then takes the unit's applicable maximum with the
overturned marks applying again.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal

from forms.applicability import UnitFacts, maxima, not_applicable
from forms.criteria import CriteriaSet
from forms.i18n import _
from local_db.collector.applicability import Applicable, of_submission
from local_db.review.schema import ISSUED, ReviewError, has_reviews

DDL = """
CREATE TABLE IF NOT EXISTS review_overturns (
    manifest_sha256  TEXT NOT NULL,
    indicator_code   TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    overturned_by    TEXT NOT NULL DEFAULT '',
    overturned_at    TEXT NOT NULL,
    PRIMARY KEY (manifest_sha256, indicator_code)
)
"""


def _ensure(conn: sqlite3.Connection) -> None:
    conn.execute(DDL)


def marks(conn: sqlite3.Connection, manifest_sha256: str) -> dict[str, str]:
    """The commune's marks in the submission (code -> reason), as its package carried them."""
    found = of_submission(conn, manifest_sha256)
    return {} if found is None else dict(found.marks)


def overturned(conn: sqlite3.Connection, manifest_sha256: str) -> dict[str, str]:
    """code -> the reviewer's note, for each mark the reviewer overturned."""
    _ensure(conn)
    return dict(
        conn.execute(
            "SELECT indicator_code, note FROM review_overturns WHERE manifest_sha256=?",
            (manifest_sha256,),
        ).fetchall()
    )


def _editable(conn: sqlite3.Connection, manifest_sha256: str, code: str) -> None:
    if code not in marks(conn, manifest_sha256):
        raise ReviewError(_("Xã không đánh dấu {code} là không áp dụng.", code=code))
    if has_reviews(conn):
        row = conn.execute(
            "SELECT state FROM reviews WHERE manifest_sha256=?", (manifest_sha256,)
        ).fetchone()
        if row is not None and row[0] == ISSUED:
            raise ReviewError(_("Bản thẩm định đã phát hành, không sửa được."))


def set_overturned(
    conn: sqlite3.Connection,
    manifest_sha256: str,
    code: str,
    overturn: bool,
    *,
    note: str = "",
    who: str = "",
    now: datetime | None = None,
) -> None:
    """Overturn the commune's mark on ``code`` (``overturn=False`` accepts it again)."""
    _editable(conn, manifest_sha256, code)
    _ensure(conn)
    at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn.execute("BEGIN IMMEDIATE")
    try:
        if overturn:
            conn.execute(
                "INSERT INTO review_overturns VALUES (?,?,?,?,?) ON CONFLICT(manifest_sha256, "
                "indicator_code) DO UPDATE SET note=excluded.note, overturned_by=excluded.overturned_by, "
                "overturned_at=excluded.overturned_at",
                (manifest_sha256, code, note.strip(), who, at),
            )
        else:
            conn.execute(
                "DELETE FROM review_overturns WHERE manifest_sha256=? AND indicator_code=?",
                (manifest_sha256, code),
            )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _issued(conn: sqlite3.Connection, manifest_sha256: str) -> bool:
    if not has_reviews(conn):
        return False
    row = conn.execute(
        "SELECT state FROM reviews WHERE manifest_sha256=?", (manifest_sha256,)
    ).fetchone()
    return row is not None and row[0] == ISSUED


def issued_overturns(conn: sqlite3.Connection, manifest_sha256: str) -> dict[str, str]:
    """``overturned``, but only once the review of the submission is issued (else {})."""
    return overturned(conn, manifest_sha256) if _issued(conn, manifest_sha256) else {}


def applicable_max(
    conn: sqlite3.Connection, cs: CriteriaSet, unit_code: str, found: Applicable
) -> Decimal:
    """The unit's applicable maximum for the ranking: the package's, or, once the review is
    issued, with the overturned marks applying again."""
    gone = issued_overturns(conn, found.manifest_sha256)
    if not gone:
        return found.applicable_max
    kept = {c: r for c, r in found.marks.items() if c not in gone}
    na = not_applicable(cs, UnitFacts(found.unit_kind, unit_code), kept)
    return maxima(cs, na).total
