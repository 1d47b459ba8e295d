"""The collector database: its tables and how it is opened.

A collector (district, area) or the province keeps what it receives in its own SQLite file,
apart from the commune officer's database: one laptop may hold both roles, and a collector
database is handed over, backed up and deleted as a unit.

Raw DDL and the standard-library ``sqlite3`` module rather than the ORM: merging 3,321 packages
must take about a second, and one ORM flush per package costs more than the verification itself.
Every table is keyed by *content* (sha256 of the file, of the signed manifest, of the bundle)
or by (unit, year), never by an autoincrement id, so the same packages merged in any order give
the same rows: that is what makes merging order-independent and easy to test by a dump.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import cast

from local_db.collector import db_url, feed, pg
from local_db.review.schema import has_reviews
from local_db.review.versions import upgrade_collector

# 1: the tables below; 2: several reviewers at once (``local_db.review.versions``: versions,
# the audit, append-only notes). A database is brought up one numbered step at a time.
SCHEMA_VERSION = 2

DDL = """
-- bookkeeping (last merge time): not content, left out of dumps
CREATE TABLE IF NOT EXISTS meta (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS units (
    code        TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL DEFAULT '',
    group_name  TEXT NOT NULL DEFAULT '',
    not_ranked  INTEGER NOT NULL DEFAULT 0
);
-- original package bytes, untouched (bundles forward them as they came)
CREATE TABLE IF NOT EXISTS blobs (
    sha256  TEXT PRIMARY KEY,
    data    BLOB NOT NULL
);
-- one row per signed manifest that passed verification
CREATE TABLE IF NOT EXISTS submissions (
    manifest_sha256     TEXT PRIMARY KEY,
    file_sha256         TEXT NOT NULL REFERENCES blobs(sha256),
    submission_id       TEXT NOT NULL,
    unit_code           TEXT NOT NULL,
    unit_name           TEXT NOT NULL,
    year                INTEGER NOT NULL,
    revision            INTEGER NOT NULL,
    supersedes          TEXT,
    criteria_hash       TEXT NOT NULL,
    criteria_set_id     TEXT NOT NULL,
    criteria_version    TEXT NOT NULL,
    signer_kind         TEXT NOT NULL,
    signer_fingerprint  TEXT NOT NULL,
    signer_key_id       TEXT NOT NULL,
    signer_subject      TEXT NOT NULL DEFAULT '',
    officer_name        TEXT NOT NULL DEFAULT '',
    officer_position    TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL DEFAULT '',
    pillars_json        TEXT NOT NULL,
    total               TEXT NOT NULL,
    classification      TEXT NOT NULL DEFAULT '',
    received_at         TEXT NOT NULL,
    state               TEXT NOT NULL
        CHECK (state IN ('current', 'superseded', 'conflict', 'passed_over'))
);
CREATE INDEX IF NOT EXISTS submissions_unit_year ON submissions(unit_code, year);
-- every file received, accepted or not (same bytes twice = one row)
CREATE TABLE IF NOT EXISTS received_files (
    file_sha256      TEXT PRIMARY KEY,
    file_name        TEXT NOT NULL,
    size             INTEGER NOT NULL,
    received_at      TEXT NOT NULL,
    manifest_sha256  TEXT REFERENCES submissions(manifest_sha256)
);
-- rejected packages with their reasons: never merged, never ranked
CREATE TABLE IF NOT EXISTS quarantine (
    file_sha256    TEXT PRIMARY KEY REFERENCES received_files(file_sha256),
    reasons_json   TEXT NOT NULL,
    unit_code      TEXT NOT NULL DEFAULT '',
    year           INTEGER,
    submission_id  TEXT NOT NULL DEFAULT '',
    via_bundle     TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS bundles (
    bundle_sha256       TEXT PRIMARY KEY,
    file_name           TEXT NOT NULL,
    received_at         TEXT NOT NULL,
    ok                  INTEGER NOT NULL,
    reasons_json        TEXT NOT NULL,
    collector_name      TEXT NOT NULL DEFAULT '',
    collector_unit      TEXT NOT NULL DEFAULT '',
    signer_kind         TEXT NOT NULL DEFAULT '',
    signer_fingerprint  TEXT NOT NULL DEFAULT '',
    signer_key_id       TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL DEFAULT '',
    package_count       INTEGER NOT NULL DEFAULT 0
);
-- the chain: which collector forwarded which package file
CREATE TABLE IF NOT EXISTS forwardings (
    file_sha256    TEXT NOT NULL,
    bundle_sha256  TEXT NOT NULL REFERENCES bundles(bundle_sha256),
    PRIMARY KEY (file_sha256, bundle_sha256)
);
-- the current submission per unit and year (NULL while in conflict)
CREATE TABLE IF NOT EXISTS current (
    unit_code        TEXT NOT NULL,
    year             INTEGER NOT NULL,
    manifest_sha256  TEXT REFERENCES submissions(manifest_sha256),
    status           TEXT NOT NULL CHECK (status IN ('current', 'conflict')),
    PRIMARY KEY (unit_code, year)
);
CREATE TABLE IF NOT EXISTS conflicts (
    unit_code        TEXT NOT NULL,
    year             INTEGER NOT NULL,
    manifest_sha256  TEXT NOT NULL REFERENCES submissions(manifest_sha256),
    PRIMARY KEY (unit_code, year, manifest_sha256)
);
-- a person's choice between conflicting submissions (merges never write here)
CREATE TABLE IF NOT EXISTS decisions (
    unit_code        TEXT NOT NULL,
    year             INTEGER NOT NULL,
    manifest_sha256  TEXT NOT NULL,
    decided_at       TEXT NOT NULL,
    note             TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (unit_code, year)
);
-- an earlier year's published table (dti-desk results import), for year-over-year
CREATE TABLE IF NOT EXISTS published_results (
    year            INTEGER NOT NULL,
    row_key         TEXT NOT NULL,
    unit_code       TEXT NOT NULL DEFAULT '',
    name            TEXT NOT NULL,
    group_name      TEXT NOT NULL DEFAULT '',
    pillars_json    TEXT NOT NULL,
    total           TEXT NOT NULL,
    classification  TEXT NOT NULL DEFAULT '',
    rank            INTEGER,
    PRIMARY KEY (year, row_key)
);
"""

# tables in the order a dump lists them, with their ordering key
DUMP_TABLES: dict[str, str] = {
    "units": "code",
    "blobs": "sha256",
    "submissions": "manifest_sha256",
    "received_files": "file_sha256",
    "quarantine": "file_sha256",
    "bundles": "bundle_sha256",
    "forwardings": "file_sha256, bundle_sha256",
    "current": "unit_code, year",
    "conflicts": "unit_code, year, manifest_sha256",
    "decisions": "unit_code, year",
    "published_results": "year, row_key",
}


class CollectorSchemaError(Exception):
    pass


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (creating if needed) a collector database: a SQLite file with the storage layer's
    pragmas, or a ``postgresql://`` URL (``local_db.collector.pg``)."""
    if db_url.is_url(path):
        return _connect_postgres(str(path))
    # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves, one per package.
    # SQLite's default check_same_thread holds: a thread that needs the database opens its
    # own connection (``CollectorStore`` keeps one per thread)
    conn = sqlite3.connect(str(path), isolation_level=None)
    conn.execute("PRAGMA busy_timeout = 5000")  # first: the others may need the lock
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        conn.close()
        raise CollectorSchemaError(str(path))
    if version < SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # re-read under the write lock: another process may have migrated meanwhile
            version = int(conn.execute("PRAGMA user_version").fetchone()[0])
            _migrate(conn, version)
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            conn.close()
            raise
    return conn


def _migrate(conn: sqlite3.Connection, version: int) -> None:
    """From ``version`` to ``SCHEMA_VERSION``, inside the caller's transaction, on either engine."""
    if version < 1:
        for statement in DDL.split(";"):
            if statement.strip():
                conn.execute(statement)  # in PostgreSQL's types there (``pg.ddl``)
        if pg.engine_of(conn) == "postgresql":
            # package bytes are zip files, compressed already: stored as they are, not
            # compressed again by the server (its default for large values, costly per merge)
            conn.execute("ALTER TABLE blobs ALTER COLUMN data SET STORAGE EXTERNAL")
    if version < 2:
        upgrade_collector(conn, has_reviews(conn))


def _connect_postgres(url: str) -> sqlite3.Connection:
    """The collector's schema on PostgreSQL, created by the first to open it (under the
    writers' lock, so two at once do not both create it); its version is a ``meta`` row."""
    conn = pg.PgConnection(url)
    try:
        conn.execute("BEGIN IMMEDIATE")
        found = conn.execute("SELECT to_regclass('meta') IS NOT NULL").fetchone()
        row = None
        if found is not None and found[0]:
            row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        version = int(row[0]) if row is not None else 0
        if version > SCHEMA_VERSION:
            raise CollectorSchemaError(db_url.masked(url))
        if version < SCHEMA_VERSION:
            _migrate(cast(sqlite3.Connection, conn), version)
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (str(SCHEMA_VERSION),),
            )
        conn.with_driver(feed.ensure)  # a database made before the change feed gets it now
        conn.execute("COMMIT")
    except BaseException:
        conn.close()
        raise
    # the collector's code takes the connection for ``sqlite3.Connection``: ``PgConnection``
    # answers the part of it that code uses
    return cast(sqlite3.Connection, conn)


def dump(conn: sqlite3.Connection, *, volatile: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table in key order; ``volatile=False`` drops clock columns."""
    out: dict[str, list[tuple]] = {}
    for table, order in DUMP_TABLES.items():
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY {order}")  # noqa: S608 - fixed names
        names = [d[0] for d in cursor.description]
        keep = [
            i for i, n in enumerate(names) if volatile or n not in ("received_at", "decided_at")
        ]
        out[table] = [tuple(row[i] for i in keep) for row in cursor.fetchall()]
    return out
