"""The reviewed items of a review in the collector database: points and status per indicator
(``review_items``), and a 0-point target's met / not met (``review_targets``). Comments are
the latest entries of their notes (``review_notes``, append-only: ``local_db.review.versions``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from forms.packages.manifest import decimal_text
from forms.review.model import ItemStatus, ReviewItem
from local_db.review.schema import has_review_targets
from local_db.review.versions import add_note, current_notes


def read_items(conn: sqlite3.Connection, manifest_sha256: str) -> dict[str, ReviewItem]:
    texts = current_notes(conn, manifest_sha256)
    items = {
        code: ReviewItem(
            code, Decimal(self_pts), Decimal(verified), ItemStatus(status), texts.get(code, "")
        )
        for code, self_pts, verified, status in conn.execute(
            "SELECT indicator_code, self_points, verified_points, status FROM review_items WHERE manifest_sha256=?",
            (manifest_sha256,),
        )
    }
    if has_review_targets(conn):
        for code, self_met, met in conn.execute(
            "SELECT indicator_code, self_met, met FROM review_targets WHERE manifest_sha256=?",
            (manifest_sha256,),
        ):
            if code in items:
                items[code] = replace(items[code], self_met=bool(self_met), met=bool(met))
    return items


def read_target(conn: sqlite3.Connection, manifest_sha256: str, item: ReviewItem) -> ReviewItem:
    """``item`` with its 0-point target's met / not met, when it has one."""
    if not has_review_targets(conn):
        return item
    row = conn.execute(
        "SELECT self_met, met FROM review_targets WHERE manifest_sha256=? AND indicator_code=?",
        (manifest_sha256, item.code),
    ).fetchone()
    return item if row is None else replace(item, self_met=bool(row[0]), met=bool(row[1]))


def write_items(
    conn: sqlite3.Connection,
    manifest_sha256: str,
    items: Mapping[str, ReviewItem],
    officer: str = "",
    at: str = "",
) -> None:
    """Insert every item at version 1 (inside the caller's transaction; ``ensure_schema``
    ran); their comments become note entries by ``officer``, unless the note already says the
    same (a draft's notes stay when an issued review replaces it)."""
    conn.executemany(
        "INSERT INTO review_items(manifest_sha256, indicator_code, self_points, verified_points, status, comment, "
        "version, updated_by, updated_at) VALUES (?,?,?,?,?,'',1,?,?)",
        [
            (manifest_sha256, code, decimal_text(i.self_points), decimal_text(i.verified_points),
             i.status.value, officer, at)
            for code, i in sorted(items.items())
        ],
    )  # fmt: skip
    conn.executemany(
        "INSERT INTO review_targets VALUES (?,?,?,?)",
        [
            (manifest_sha256, code, int(i.self_met), int(bool(i.met)))
            for code, i in sorted(items.items())
            if i.self_met is not None
        ],
    )
    held = current_notes(conn, manifest_sha256)
    for code, item in sorted(items.items()):
        if item.comment and held.get(code, "") != item.comment:
            add_note(conn, manifest_sha256, code, officer, at, item.comment)


def update_target(conn: sqlite3.Connection, manifest_sha256: str, item: ReviewItem) -> None:
    """A 0-point target's met / not met as ``item`` has it (points, status, comment and the
    version are the caller's compare-and-set: ``collector.set_item``)."""
    if item.self_met is not None:
        conn.execute(
            "UPDATE review_targets SET met=? WHERE manifest_sha256=? AND indicator_code=?",
            (int(bool(item.met)), manifest_sha256, item.code),
        )


def delete_items(conn: sqlite3.Connection, manifest_sha256: str) -> None:
    if has_review_targets(conn):
        conn.execute("DELETE FROM review_targets WHERE manifest_sha256=?", (manifest_sha256,))
    conn.execute("DELETE FROM review_items WHERE manifest_sha256=?", (manifest_sha256,))
