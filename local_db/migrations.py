"""Numbered schema steps keyed on ``PRAGMA user_version``.

Why not Alembic: the schema is small, the app is frozen with PyInstaller for offices, and a
step list that runs inside ``sqlite3`` with one transaction per step (the version bump in the
same transaction, so a power cut leaves either the old or the new schema) is easy to read
and to test from a real old database (``tests/local_db/fixtures/schema_v1.sqlite``).
Never edit a released step: add a new one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass

from forms.text import fold

Statement = str | Callable[[sqlite3.Connection], None]


@dataclass(frozen=True)
class Step:
    version: int
    description: str
    statements: tuple[Statement, ...]


_V1 = (
    """CREATE TABLE units (
        code TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        group_name TEXT NOT NULL DEFAULT '',
        province TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE profile (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        officer_name TEXT NOT NULL DEFAULT '',
        position TEXT NOT NULL DEFAULT '',
        phone TEXT NOT NULL DEFAULT '',
        email TEXT NOT NULL DEFAULT '',
        unit_code TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE criteria_sets (
        content_hash TEXT PRIMARY KEY,
        set_id TEXT NOT NULL,
        year INTEGER NOT NULL,
        version TEXT NOT NULL,
        title TEXT NOT NULL,
        canonical_json TEXT NOT NULL,
        added_at TEXT NOT NULL
    )""",
    """CREATE TABLE assessments (
        id INTEGER PRIMARY KEY,
        unit_code TEXT NOT NULL,
        year INTEGER NOT NULL,
        criteria_hash TEXT NOT NULL REFERENCES criteria_sets(content_hash),
        status TEXT NOT NULL DEFAULT 'draft'
            CHECK (status IN ('draft', 'finalised', 'signed', 'exported')),
        revision INTEGER NOT NULL DEFAULT 1,
        parent_id INTEGER REFERENCES assessments(id),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        finalised_at TEXT,
        signed_at TEXT,
        exported_at TEXT,
        UNIQUE (unit_code, year, revision)
    )""",
    """CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments(id),
        indicator_code TEXT NOT NULL,
        field_key TEXT NOT NULL,
        value_json TEXT NOT NULL,
        points TEXT,
        note TEXT NOT NULL DEFAULT '',
        updated_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        UNIQUE (assessment_id, indicator_code, field_key)
    )""",
    """CREATE TABLE audit (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        who TEXT NOT NULL,
        entity TEXT NOT NULL,
        key TEXT NOT NULL,
        assessment_id INTEGER,
        old_value TEXT,
        new_value TEXT
    )""",
    "CREATE INDEX audit_assessment ON audit(assessment_id)",
    # Append-only, enforced by the database itself, not by our good intentions.
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'audit is append-only'); END""",
)


def _backfill_folded_names(conn: sqlite3.Connection) -> None:
    rows = conn.execute("SELECT code, name FROM units").fetchall()
    conn.executemany(
        "UPDATE units SET name_folded = ? WHERE code = ?", [(fold(n), c) for c, n in rows]
    )


_V2 = (
    "ALTER TABLE units ADD COLUMN name_folded TEXT NOT NULL DEFAULT ''",
    _backfill_folded_names,
    "CREATE INDEX units_name_folded ON units(name_folded)",
    """CREATE TABLE indicator_notes (
        assessment_id INTEGER NOT NULL REFERENCES assessments(id),
        indicator_code TEXT NOT NULL,
        note TEXT NOT NULL,
        updated_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (assessment_id, indicator_code)
    )""",
    """CREATE TABLE evidence_blobs (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        file_type TEXT NOT NULL,
        stored_at TEXT NOT NULL
    )""",
    """CREATE TABLE evidence_attachments (
        id INTEGER PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments(id),
        indicator_code TEXT NOT NULL,
        blob_sha256 TEXT NOT NULL REFERENCES evidence_blobs(sha256),
        original_name TEXT NOT NULL,
        doc_number TEXT NOT NULL DEFAULT '',
        doc_date TEXT NOT NULL DEFAULT '',
        issuer TEXT NOT NULL DEFAULT '',
        summary TEXT NOT NULL DEFAULT '',
        added_by TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL
    )""",
    "CREATE INDEX evidence_attachments_assessment ON evidence_attachments(assessment_id, indicator_code)",
    "CREATE INDEX evidence_attachments_blob ON evidence_attachments(blob_sha256)",
)

# Reviews (thẩm định) imported by the commune, and its explanation per flagged indicator;
# read and written by local_db/review/commune.py (raw SQL, no ORM class needed).
_V3 = (
    """CREATE TABLE review_imports (
        review_id TEXT PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments(id),
        submission_id TEXT NOT NULL,
        file_sha256 TEXT NOT NULL,
        body_json TEXT NOT NULL,
        file_data BLOB NOT NULL,
        signer_fingerprint TEXT NOT NULL,
        imported_by TEXT NOT NULL DEFAULT '',
        imported_at TEXT NOT NULL
    )""",
    "CREATE INDEX review_imports_assessment ON review_imports(assessment_id)",
    """CREATE TABLE review_explanations (
        review_id TEXT NOT NULL REFERENCES review_imports(review_id),
        indicator_code TEXT NOT NULL,
        text TEXT NOT NULL,
        updated_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (review_id, indicator_code)
    )""",
)

# Which package was exported for which revision: its submission id (the next revision's
# ``supersedes``), the sha256 of its signed manifest bytes, file name and times. Keyed by the
# submission id; an assessment may have several rows (re-exports). Read and written by
# local_db/assessments.py (record_export, previous_submission_id).
_V4 = (
    """CREATE TABLE package_exports (
        submission_id TEXT PRIMARY KEY,
        assessment_id INTEGER NOT NULL REFERENCES assessments(id),
        revision INTEGER NOT NULL,
        supersedes TEXT,
        manifest_sha256 TEXT NOT NULL,
        file_name TEXT NOT NULL,
        created_at TEXT NOT NULL,
        exported_by TEXT NOT NULL DEFAULT '',
        exported_at TEXT NOT NULL
    )""",
    "CREATE INDEX package_exports_assessment ON package_exports(assessment_id)",
)

# The chairman of the commune's People's Committee, who signs the report (issue 15): asked
# in the wizard and settings beside the officer, carried in the package.
_V5 = ("ALTER TABLE profile ADD COLUMN chairman_name TEXT NOT NULL DEFAULT ''",)

# The commune's "không áp dụng" marks with their reasons (issue 16), one per indicator or
# pillar code of an assessment; written by local_db/not_applicable.py.
_V6 = (
    """CREATE TABLE not_applicable_marks (
        assessment_id INTEGER NOT NULL REFERENCES assessments(id),
        code TEXT NOT NULL,
        reason TEXT NOT NULL,
        updated_by TEXT NOT NULL DEFAULT '',
        updated_at TEXT NOT NULL,
        PRIMARY KEY (assessment_id, code)
    )""",
)

STEPS: tuple[Step, ...] = (
    Step(1, "units, profile, criteria sets, assessments, answers, audit", _V1),
    Step(2, "evidence, indicator notes, accent-insensitive unit names", _V2),
    Step(3, "imported reviews and explanations", _V3),
    Step(4, "exported packages: submission ids for supersedes", _V4),
    Step(5, "the chairman's name in the profile", _V5),
    Step(6, "not-applicable marks with their reasons", _V6),
)
LATEST = STEPS[-1].version


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def upgrade(conn: sqlite3.Connection, target: int = LATEST) -> list[int]:
    """Apply the steps after the current version up to ``target``; returns the versions applied.

    ``conn`` must be in autocommit mode (``isolation_level=None``) so that each step's
    ``BEGIN IMMEDIATE ... COMMIT`` is ours alone.
    """
    applied: list[int] = []
    for step in STEPS:
        if step.version <= schema_version(conn) or step.version > target:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in step.statements:
                if callable(statement):
                    statement(conn)
                else:
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {int(step.version)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(step.version)
    return applied
