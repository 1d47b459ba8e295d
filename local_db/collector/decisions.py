"""A person's choices in the collector database: a conflict's decision, a unit's "not ranked"
mark. Both are versioned and audited with the officer's name (``local_db.review.versions``):
a choice based on a version that changed since is refused (``StaleEdit``), naming who made
the newer one and when."""

from __future__ import annotations

import sqlite3

from forms.i18n import _
from local_db.review.versions import StaleEdit, audit, now_iso, when, who


def set_not_ranked(
    conn: sqlite3.Connection,
    code: str,
    flag: bool,
    *,
    officer: str = "",
    based_on: int | None = None,
    now: str | None = None,
) -> int:
    """Mark a unit "not ranked" (listed after the ranked ones, no rank) or ranked again; the
    mark's new version. ``based_on``: the mark's version the caller read (0: never marked).

    A unit missing from the units list is added with the name its submissions carry.
    """
    at = now or now_iso()
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute(
            "SELECT not_ranked, mark_version, marked_by, marked_at FROM units WHERE code=?", (code,)
        ).fetchone()
        flag_was, version = (bool(row[0]), int(row[1])) if row else (False, 0)
        if based_on is not None and based_on != version:
            assert row is not None  # version 0 is the only one of a missing unit
            raise StaleEdit(
                _(
                    "Dấu \u201ckhông xếp hạng\u201d của đơn vị {unit} đã được {officer} đổi lúc {when}; hãy xem lại rồi chọn lại.",
                    unit=code, officer=who(str(row[2])), when=when(str(row[3])),
                ),
                target=f"unit/{code}", version=version, officer=str(row[2]), at=str(row[3]),
                current=flag_was,
            )  # fmt: skip
        conn.execute(
            "INSERT INTO units(code, name, not_ranked, mark_version, marked_by, marked_at) VALUES (?, COALESCE((SELECT max(unit_name) "
            "FROM submissions WHERE unit_code=?), ?), ?, 1, ?, ?) ON CONFLICT(code) DO UPDATE SET not_ranked=excluded.not_ranked, "
            "mark_version=units.mark_version+1, marked_by=excluded.marked_by, marked_at=excluded.marked_at",
            (code, code, code, int(flag), officer, at),
        )
        audit(conn, f"unit/{code}", version + 1, "not_ranked", officer,
              {"not_ranked": flag_was} if row else None, {"not_ranked": flag}, at)  # fmt: skip
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version + 1


def decide(
    conn: sqlite3.Connection,
    unit: str,
    year: int,
    manifest_sha256: str,
    note: str,
    now: str,
    *,
    officer: str = "",
    based_on: int | None = None,
) -> int:
    """A person settles a conflict: ``manifest_sha256`` becomes current if it is one of the
    heads. ``based_on``: the decision's version the caller read (0: none yet). The new version."""
    from local_db.collector.rows import refresh_unit_year

    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute(
            "SELECT manifest_sha256, version, decided_by, decided_at FROM decisions WHERE unit_code=? AND year=?",
            (unit, year),
        ).fetchone()
        version = int(row[1]) if row else 0
        if based_on is not None and based_on != version:
            assert row is not None
            raise StaleEdit(
                _(
                    "Bài nộp hiện hành của đơn vị {unit} năm {year} đã được {officer} chọn lúc {when}; hãy xem lại rồi chọn lại.",
                    unit=unit, year=year, officer=who(str(row[2])), when=when(str(row[3])),
                ),
                target=f"decision/{unit}/{year}", version=version, officer=str(row[2]),
                at=str(row[3]), current=str(row[0]),
            )  # fmt: skip
        conn.execute(
            "INSERT INTO decisions(unit_code, year, manifest_sha256, decided_at, note, version, decided_by) VALUES (?,?,?,?,?,1,?) "
            "ON CONFLICT(unit_code, year) DO UPDATE SET manifest_sha256=excluded.manifest_sha256, decided_at=excluded.decided_at, "
            "note=excluded.note, version=decisions.version+1, decided_by=excluded.decided_by",
            (unit, year, manifest_sha256, now, note, officer),
        )
        audit(conn, f"decision/{unit}/{year}", version + 1, "decision", officer,
              {"manifest_sha256": str(row[0])} if row else None,
              {"manifest_sha256": manifest_sha256, "note": note}, now)  # fmt: skip
        refresh_unit_year(conn, unit, year)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return version + 1
