"""The reviewer overturns a commune's "không áp dụng" (issue 16): the indicator becomes
applicable again and scores the points the reviewer verifies (the review's item, set on the
usual path). Kept apart from the review's own rows, which another change is versioning: an
overturn is a row of its own table, and counts once the review of that submission is issued,
as verified points do. The ranking then takes the unit's applicable maximum with the
overturned marks applying again.

Several reviewers (issue 18): each mark's overturn has a version, the count of accepted
writes in ``collector_audit`` (target ``<sha>/overturn/<code>``, 0 before the first); a write
names the version it read (``based_on``) and a stale one is refused (``StaleEdit`` naming who
and when, the current overturned / note as ``current``). The audit's (target, version) key is
the compare-and-set: of two writes of one version only one row can exist.
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
from local_db.review.versions import StaleEdit, audit, when, who

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


def _target(manifest_sha256: str, code: str) -> str:
    return f"{manifest_sha256}/overturn/{code}"


def versions(conn: sqlite3.Connection, manifest_sha256: str) -> dict[str, tuple[int, str, str]]:
    """code -> (version, officer, at) of the last accepted overturn write, per marked code
    (version 0, no officer: never written)."""
    out = {code: (0, "", "") for code in marks(conn, manifest_sha256)}
    prefix = f"{manifest_sha256}/overturn/"
    for target, version, officer, at in conn.execute(
        "SELECT a.target, a.version, a.officer, a.at FROM collector_audit a WHERE "
        "substr(a.target, 1, ?) = ? AND a.version = (SELECT max(b.version) FROM collector_audit b "
        "WHERE b.target = a.target)",
        (len(prefix), prefix),
    ):
        code = str(target)[len(prefix) :]
        if code in out:
            out[code] = (int(version), str(officer), str(at))
    return out


def _state(conn: sqlite3.Connection, manifest_sha256: str, code: str) -> dict[str, object]:
    row = conn.execute(
        "SELECT note FROM review_overturns WHERE manifest_sha256=? AND indicator_code=?",
        (manifest_sha256, code),
    ).fetchone()
    return {"overturned": row is not None, "note": "" if row is None else str(row[0])}


def _stale(code: str, current: dict[str, object], stamp: tuple[int, str, str]) -> StaleEdit:
    version, officer, at = stamp
    return StaleEdit(
        _(
            "Dấu không áp dụng của chỉ tiêu {code} đã được {officer} sửa lúc {when} sau khi bạn "
            "mở nó; hiện tại: {state}. Thay đổi của bạn chưa được lưu.",
            code=code, officer=who(officer), when=when(at),
            state=_("không chấp nhận (chỉ tiêu được tính điểm)") if current["overturned"]
            else _("chấp nhận là không áp dụng"),
        ),
        target=code, version=version, officer=officer, at=at, current=current,
    )  # fmt: skip


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
    officer: str = "",
    based_on: int | None = None,
    now: datetime | None = None,
) -> int:
    """Overturn the commune's mark on ``code`` (``overturn=False`` accepts it again); the new
    version. ``based_on``: the version the caller read (``versions``); another write since is
    refused (``StaleEdit``). None: whatever is stored now. ``who``: ``officer``'s old name."""
    _ensure(conn)
    officer = officer or who
    at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    conn.execute("BEGIN IMMEDIATE")
    try:
        _editable(conn, manifest_sha256, code)  # under the lock: issued meanwhile?
        stamp = versions(conn, manifest_sha256)[code]
        before = _state(conn, manifest_sha256, code)
        if based_on is not None and based_on != stamp[0]:
            raise _stale(code, before, stamp)
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
        after = {"overturned": overturn, "note": note.strip() if overturn else ""}
        # the audit's (target, version) key: a second write of this version cannot commit
        audit(conn, _target(manifest_sha256, code), stamp[0] + 1, "overturn", officer,
              before, after, at)  # fmt: skip
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return stamp[0] + 1


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
