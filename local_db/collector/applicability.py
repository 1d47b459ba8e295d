"""The collector's side of applicability (issue 16).

A package under a set with applicability says its unit's kind (``unit.kind``) and was scored
with it. The collector's units list is the province's word on a unit's kind: a package whose
kind contradicts it is **rejected** (``unit_kind_mismatch``), not flagged, since its points
and maximum were computed for another kind of unit and would be ranked wrongly. A unit absent
from the list, or listed without a kind, keeps the package's kind.

Accepted packages of such sets leave their applicable maximum and the total on the full
scale in ``submission_applicability`` (its own table, created when first needed, so a
database without such packages is as it was), which the ranking reads.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.i18n import _
from forms.text import fold
from local_db.collector.kinds import Reason

DDL = """
CREATE TABLE IF NOT EXISTS submission_applicability (
    manifest_sha256  TEXT PRIMARY KEY,
    applicable_max   TEXT NOT NULL,
    scaled_total     TEXT NOT NULL,
    marks_json       TEXT NOT NULL
)
"""


def _ensure(conn: sqlite3.Connection) -> None:
    conn.execute(DDL)


def kind_reasons(
    conn: sqlite3.Connection, manifest: Mapping[str, Any] | None
) -> tuple[Reason, ...]:
    """``unit_kind_mismatch`` when the package's unit kind is not the units list's."""
    unit = (manifest or {}).get("unit") or {}
    kind, code = str(unit.get("kind") or ""), str(unit.get("code") or "")
    if not kind:
        return ()
    row = conn.execute("SELECT kind FROM units WHERE code=?", (code,)).fetchone()
    listed = str(row[0]) if row is not None and row[0] else ""
    if not listed or fold(listed) == fold(kind):
        return ()
    return (
        Reason(
            "unit_kind_mismatch",
            _(
                "Gói của đơn vị {code} ghi loại đơn vị “{kind}”, nhưng danh sách đơn vị ghi “{listed}”: điểm được tính cho loại khác; đơn vị cần cập nhật danh sách đơn vị rồi ký lại.",
                code=code,
                kind=kind,
                listed=listed,
            ),
        ),
    )


def record(conn: sqlite3.Connection, manifest_sha256: str, manifest: Mapping[str, Any]) -> None:
    """Keep an accepted package's applicable maximum, scaled total and marks (only for a
    set with applicability: its scores carry ``applicable_max``)."""
    scores = manifest.get("scores") or {}
    if "applicable_max" not in scores:
        return
    _ensure(conn)
    conn.execute(
        "INSERT INTO submission_applicability VALUES (?,?,?,?) "
        "ON CONFLICT(manifest_sha256) DO NOTHING",
        (
            manifest_sha256,
            str(scores["applicable_max"]),
            str(scores.get("scaled_total") or scores.get("total") or "0"),
            json.dumps(manifest.get("not_applicable") or {}, sort_keys=True, ensure_ascii=False),
        ),
    )


def by_unit(
    conn: sqlite3.Connection, year: int, criteria_hash: str
) -> dict[str, tuple[Decimal, Decimal, dict[str, str]]]:
    """unit code -> (applicable maximum, total on the full scale, marks) of the current
    submissions of ``year`` under the set ``criteria_hash``."""
    _ensure(conn)
    query = """
        SELECT s.unit_code, a.applicable_max, a.scaled_total, a.marks_json
        FROM current c JOIN submissions s USING(manifest_sha256)
        JOIN submission_applicability a ON a.manifest_sha256 = s.manifest_sha256
        WHERE c.year=? AND c.status='current' AND s.criteria_hash=?
    """
    return {
        code: (Decimal(amax), Decimal(scaled), json.loads(marks))
        for code, amax, scaled, marks in conn.execute(query, (year, criteria_hash))
    }
