"""The reviewed items of a review in the collector database: points and status per indicator
(``review_items``), and a 0-point target's met / not met (``review_targets``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal

from forms.packages.manifest import decimal_text
from forms.review.model import ItemStatus, ReviewItem
from local_db.review.schema import has_review_targets


def read_items(conn: sqlite3.Connection, manifest_sha256: str) -> dict[str, ReviewItem]:
    items = {
        code: ReviewItem(code, Decimal(self_pts), Decimal(verified), ItemStatus(status), comment)
        for code, self_pts, verified, status, comment in conn.execute(
            "SELECT indicator_code, self_points, verified_points, status, comment FROM review_items WHERE manifest_sha256=?",
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


def write_items(
    conn: sqlite3.Connection, manifest_sha256: str, items: Mapping[str, ReviewItem]
) -> None:
    """Insert every item (inside the caller's transaction; ``ensure_schema`` ran)."""
    conn.executemany(
        "INSERT INTO review_items VALUES (?,?,?,?,?,?)",
        [
            (manifest_sha256, code, decimal_text(i.self_points), decimal_text(i.verified_points),
             i.status.value, i.comment)
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


def update_item(conn: sqlite3.Connection, manifest_sha256: str, item: ReviewItem) -> None:
    conn.execute(
        "UPDATE review_items SET verified_points=?, status=?, comment=? WHERE manifest_sha256=? AND indicator_code=?",
        (decimal_text(item.verified_points), item.status.value, item.comment, manifest_sha256, item.code),
    )  # fmt: skip
    if item.self_met is not None:
        conn.execute(
            "UPDATE review_targets SET met=? WHERE manifest_sha256=? AND indicator_code=?",
            (int(bool(item.met)), manifest_sha256, item.code),
        )


def delete_items(conn: sqlite3.Connection, manifest_sha256: str) -> None:
    if has_review_targets(conn):
        conn.execute("DELETE FROM review_targets WHERE manifest_sha256=?", (manifest_sha256,))
    conn.execute("DELETE FROM review_items WHERE manifest_sha256=?", (manifest_sha256,))
