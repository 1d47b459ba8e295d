"""Several reviewers at once (issue 18): versions, refusals, the audit, append-only notes.

Every piece of editable review state (an indicator of a draft, the review's details, the draft
as a whole, a conflict decision, a unit's "not ranked" mark) carries a version, bumped by every
accepted write, with who made it and when. A write names the version it was based on; a
mismatch is refused (``StaleEdit``, reason ``stale_edit``) naming who changed it and when, with
the current value. The compare-and-set runs inside the writers' transaction (``BEGIN
IMMEDIATE``: SQLite's write lock, the advisory lock on PostgreSQL) *and* in the ``UPDATE ...
WHERE version = ?`` itself, so it holds on either engine even for a writer that did not queue.

Accepted writes leave a row in ``collector_audit`` keyed by (target, version): two accepted
writes of one version cannot both exist. Reviewers' comments and the general message are
``review_notes`` entries; both tables refuse UPDATE and DELETE in the database (triggers).

No import of ``local_db.collector`` here: its schema imports this module.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from forms.i18n import _
from forms.packages.manifest import decimal_text
from forms.review.model import ReviewItem
from forms.text import format_moment, nfc

MAX_OFFICER = 120  # characters of an officer's name
GENERAL = ""  # the indicator code of the review's general message in ``review_notes``

AUDIT_DDL = """
CREATE TABLE IF NOT EXISTS collector_audit (
    target       TEXT NOT NULL,
    version      INTEGER NOT NULL,
    action       TEXT NOT NULL,
    officer      TEXT NOT NULL,
    before_json  TEXT NOT NULL DEFAULT '',
    after_json   TEXT NOT NULL,
    at           TEXT NOT NULL,
    PRIMARY KEY (target, version)
)
"""

NOTES_DDL = """
CREATE TABLE IF NOT EXISTS review_notes (
    manifest_sha256  TEXT NOT NULL,
    indicator_code   TEXT NOT NULL,
    seq              INTEGER NOT NULL,
    officer          TEXT NOT NULL,
    at               TEXT NOT NULL,
    text             TEXT NOT NULL,
    PRIMARY KEY (manifest_sha256, indicator_code, seq)
)
"""

_PG_FUNCTION = (
    "CREATE OR REPLACE FUNCTION dti_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
    "BEGIN RAISE EXCEPTION 'append_only: %', TG_TABLE_NAME USING ERRCODE = 'restrict_violation'; END $$"
)


def engine_of(conn: object) -> str:
    return str(getattr(conn, "engine", "sqlite"))


def append_only(conn: sqlite3.Connection, table: str) -> None:
    """Make ``table`` refuse UPDATE and DELETE, in the database itself, on either engine."""
    if engine_of(conn) == "postgresql":
        script = conn.script  # type: ignore[attr-defined]
        script(_PG_FUNCTION)
        script(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        script(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dti_append_only()"
        )
        script(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        script(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION dti_append_only()"
        )
        return
    for verb in ("UPDATE", "DELETE"):
        conn.execute(
            f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'append_only: {table}'); END"
        )


def upgrade_reviews(conn: sqlite3.Connection) -> None:
    """Collector schema 2 for the review tables (inside the caller's transaction): versions
    and who/when on items and reviews, comments and messages moved into ``review_notes``."""
    for statement in (
        "ALTER TABLE reviews ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE reviews ADD COLUMN draft_version INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE reviews ADD COLUMN updated_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE review_items ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE review_items ADD COLUMN updated_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE review_items ADD COLUMN updated_at TEXT NOT NULL DEFAULT ''",
    ):
        conn.execute(statement)
    conn.execute(NOTES_DDL)
    # what was written before becomes the first entry of each note (its writer unknown)
    conn.execute(
        "INSERT INTO review_notes(manifest_sha256, indicator_code, seq, officer, at, text) "
        "SELECT i.manifest_sha256, i.indicator_code, 1, '', r.updated_at, i.comment "
        "FROM review_items i JOIN reviews r ON r.manifest_sha256 = i.manifest_sha256 WHERE i.comment <> ''"
    )
    conn.execute(
        "INSERT INTO review_notes(manifest_sha256, indicator_code, seq, officer, at, text) "
        "SELECT manifest_sha256, '', 1, '', updated_at, message FROM reviews WHERE message <> ''"
    )
    conn.execute("UPDATE review_items SET comment='' WHERE comment <> ''")
    conn.execute("UPDATE reviews SET message='' WHERE message <> ''")
    append_only(conn, "review_notes")


def upgrade_collector(conn: sqlite3.Connection, has_reviews: bool) -> None:
    """Collector schema 2 (inside the caller's transaction): the audit, versioned decisions
    and "not ranked" marks, and the review tables when this database has them."""
    conn.execute(AUDIT_DDL)
    append_only(conn, "collector_audit")
    for statement in (
        "ALTER TABLE decisions ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
        "ALTER TABLE decisions ADD COLUMN decided_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE units ADD COLUMN mark_version INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE units ADD COLUMN marked_by TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE units ADD COLUMN marked_at TEXT NOT NULL DEFAULT ''",
    ):
        conn.execute(statement)
    if has_reviews:
        upgrade_reviews(conn)


class ReviewError(Exception):
    """A request that cannot be done (unknown submission, editing an issued review, a stale
    edit); ``str()`` is Vietnamese, ``code`` the reason for a program."""

    def __init__(self, message: str, code: str = "review_refused") -> None:
        super().__init__(message)
        self.code = code


# --- officers --------------------------------------------------------------------------------


def officer_name(text: str | None) -> str:
    """An officer's name as stored: NFC, trimmed, 1..120 characters, no control characters;
    ``ReviewError`` (``officer_missing`` / ``officer_invalid``) otherwise."""
    name = nfc((text or "").strip())
    if not name:
        raise ReviewError(
            _("Chưa có tên cán bộ thực hiện: hãy nhập họ tên của bạn"), "officer_missing"
        )
    if len(name) > MAX_OFFICER or any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise ReviewError(
            _(
                "Tên cán bộ không hợp lệ: tối đa {max} ký tự, không có ký tự điều khiển",
                max=MAX_OFFICER,
            ),
            "officer_invalid",
        )
    return name


# --- refusals ---------------------------------------------------------------------------------


class StaleEdit(ReviewError):
    """A write based on a version that is no longer the current one (reason ``stale_edit``).

    ``current`` is the value now stored (a ``ReviewItem``, a mapping of details, ...), for the
    caller to show before the officer decides again; ``version`` the one to base on then."""

    def __init__(
        self, message: str, *, target: str, version: int, officer: str, at: str, current: Any
    ) -> None:
        super().__init__(message, "stale_edit")
        self.target, self.version, self.officer, self.at = target, version, officer, at
        self.current = current


def who(officer: str) -> str:
    return officer or _("(không rõ người sửa)")


def when(at: str) -> str:
    return format_moment(at) or _("(không rõ lúc nào)")


# --- the audit ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditRow:
    target: str
    version: int
    action: str  # review_item | review_details | issue | decision | not_ranked
    officer: str
    before: dict[str, Any]
    after: dict[str, Any]
    at: str


def audit(
    conn: sqlite3.Connection,
    target: str,
    version: int,
    action: str,
    officer: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any],
    at: str,
) -> None:
    conn.execute(
        "INSERT INTO collector_audit(target, version, action, officer, before_json, after_json, at) VALUES (?,?,?,?,?,?,?)",
        (
            target,
            version,
            action,
            officer,
            "" if before is None else json.dumps(before, ensure_ascii=False, sort_keys=True),
            json.dumps(after, ensure_ascii=False, sort_keys=True),
            at,
        ),
    )


def audit_rows(conn: sqlite3.Connection, prefix: str = "") -> list[AuditRow]:
    """The audit, oldest first per target: every row whose target starts with ``prefix``."""
    rows = conn.execute(
        "SELECT target, version, action, officer, before_json, after_json, at FROM collector_audit "
        "WHERE substr(target, 1, ?) = ? ORDER BY target, version",
        (len(prefix), prefix),
    ).fetchall()
    return [
        AuditRow(
            str(t), int(v), str(a), str(o), json.loads(b) if b else {}, json.loads(af), str(at)
        )
        for t, v, a, o, b, af, at in rows
    ]


# --- notes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Note:
    seq: int
    officer: str
    at: str
    text: str


def add_note(
    conn: sqlite3.Connection, sha: str, code: str, officer: str, at: str, text: str
) -> None:
    """Append an entry (inside the writer's transaction, which orders the entries)."""
    row = conn.execute(
        "SELECT coalesce(max(seq), 0) FROM review_notes WHERE manifest_sha256=? AND indicator_code=?",
        (sha, code),
    ).fetchone()
    conn.execute(
        "INSERT INTO review_notes(manifest_sha256, indicator_code, seq, officer, at, text) VALUES (?,?,?,?,?,?)",
        (sha, code, int(row[0]) + 1, officer, at, text),
    )


def current_notes(conn: sqlite3.Connection, sha: str) -> dict[str, str]:
    """The latest entry's text per indicator code (``GENERAL``: the review's message)."""
    return {
        str(code): str(text)
        for code, text in conn.execute(
            "SELECT n.indicator_code, n.text FROM review_notes n WHERE n.manifest_sha256=? AND n.seq = "
            "(SELECT max(m.seq) FROM review_notes m WHERE m.manifest_sha256 = n.manifest_sha256 "
            "AND m.indicator_code = n.indicator_code)",
            (sha,),
        )
    }


def current_note(conn: sqlite3.Connection, sha: str, code: str) -> str:
    row = conn.execute(
        "SELECT text FROM review_notes WHERE manifest_sha256=? AND indicator_code=? ORDER BY seq DESC LIMIT 1",
        (sha, code),
    ).fetchone()
    return "" if row is None else str(row[0])


def notes(conn: sqlite3.Connection, sha: str, code: str) -> list[Note]:
    """Every entry of one indicator's comment (or of the message), oldest first."""
    return [
        Note(int(s), str(o), str(a), str(t))
        for s, o, a, t in conn.execute(
            "SELECT seq, officer, at, text FROM review_notes WHERE manifest_sha256=? AND indicator_code=? ORDER BY seq",
            (sha, code),
        )
    ]


def now_iso(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds")


def item_json(item: ReviewItem) -> dict[str, Any]:
    out: dict[str, Any] = {
        "points": decimal_text(item.verified_points),
        "status": item.status.value,
        "comment": item.comment,
    }
    if item.self_met is not None:
        out["met"] = bool(item.met)
    return out
