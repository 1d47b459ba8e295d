"""The review tables of the collector database, created on first use.

They are this feature's own (``CREATE TABLE IF NOT EXISTS``), additive to the collector
schema (``local_db/collector/schema.py``): a collector database that never saw a review is
untouched, and readers ask ``has_reviews`` before reading them. Rows are keyed by the reviewed
submission's manifest sha256, like ``submissions``, so one submission has at most one review.
"""

from __future__ import annotations

import sqlite3

from local_db.review.versions import ReviewError, upgrade_reviews

DRAFT, ISSUED = "draft", "issued"

DDL = """
CREATE TABLE IF NOT EXISTS reviews (
    manifest_sha256     TEXT PRIMARY KEY REFERENCES submissions(manifest_sha256),
    review_id           TEXT NOT NULL UNIQUE,
    submission_json     TEXT NOT NULL,  -- forms.review.model.ReviewedSubmission, from the manifest
    state               TEXT NOT NULL CHECK (state IN ('draft', 'issued')),
    reviewer_name       TEXT NOT NULL DEFAULT '',
    reviewer_position   TEXT NOT NULL DEFAULT '',
    reviewer_org        TEXT NOT NULL DEFAULT '',
    deadline            TEXT,
    message             TEXT NOT NULL DEFAULT '',
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    issued_at           TEXT,
    signer_fingerprint  TEXT NOT NULL DEFAULT '',
    file_name           TEXT NOT NULL DEFAULT '',
    file_data           BLOB,
    verified_pillars_json TEXT,
    verified_total      TEXT,
    verified_classification TEXT
);
CREATE TABLE IF NOT EXISTS review_items (
    manifest_sha256  TEXT NOT NULL REFERENCES reviews(manifest_sha256),
    indicator_code   TEXT NOT NULL,
    self_points      TEXT NOT NULL,
    verified_points  TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('accepted', 'adjusted', 'explanation_requested')),
    comment          TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (manifest_sha256, indicator_code)
);
-- a 0-point target met or not (forms.review.model.ReviewItem), which its points cannot
-- say, added after the first two tables: created on first use in databases that have them
CREATE TABLE IF NOT EXISTS review_targets (
    manifest_sha256  TEXT NOT NULL REFERENCES reviews(manifest_sha256),
    indicator_code   TEXT NOT NULL,
    self_met         INTEGER NOT NULL,
    met              INTEGER NOT NULL,
    PRIMARY KEY (manifest_sha256, indicator_code)
)
"""


def ensure_schema(conn: sqlite3.Connection) -> None:
    if has_reviews(conn) and has_review_targets(conn):
        return
    fresh = not has_reviews(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in DDL.split(";"):
            if statement.strip():
                conn.execute(statement)
        if fresh:  # the collector schema's step 2, as on a database made before it
            upgrade_reviews(conn)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def has_reviews(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name IN ('reviews', 'review_items')"
    ).fetchone()
    return int(row[0]) == 2


def has_review_targets(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='review_targets'"
    ).fetchone()
    return int(row[0]) == 1


__all__ = [
    "DDL",
    "DRAFT",
    "ISSUED",
    "ReviewError",
    "ensure_schema",
    "has_review_targets",
    "has_reviews",
]
