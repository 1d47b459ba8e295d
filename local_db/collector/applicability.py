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
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from forms.i18n import _
from forms.text import fold
from local_db.collector.kinds import Reason

DDL = """
CREATE TABLE IF NOT EXISTS submission_applicability (
    manifest_sha256  TEXT PRIMARY KEY,
    unit_kind        TEXT NOT NULL,
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
        "INSERT INTO submission_applicability VALUES (?,?,?,?,?) "
        "ON CONFLICT(manifest_sha256) DO NOTHING",
        (
            manifest_sha256,
            str((manifest.get("unit") or {}).get("kind") or ""),
            str(scores["applicable_max"]),
            str(scores.get("scaled_total") or scores.get("total") or "0"),
            json.dumps(manifest.get("not_applicable") or {}, sort_keys=True, ensure_ascii=False),
        ),
    )


@dataclass(frozen=True)
class Applicable:
    """What an accepted package under a set with applicability said of its unit."""

    manifest_sha256: str
    unit_kind: str
    applicable_max: Decimal
    scaled_total: Decimal
    marks: dict[str, str]


def of_submission(conn: sqlite3.Connection, manifest_sha256: str) -> Applicable | None:
    _ensure(conn)
    row = conn.execute(
        "SELECT manifest_sha256, unit_kind, applicable_max, scaled_total, marks_json "
        "FROM submission_applicability WHERE manifest_sha256=?",
        (manifest_sha256,),
    ).fetchone()
    return None if row is None else _applicable(row)


def _applicable(row: Any) -> Applicable:
    sha, kind, amax, scaled, marks = row
    return Applicable(sha, kind, Decimal(amax), Decimal(scaled), json.loads(marks))


def by_unit(conn: sqlite3.Connection, year: int, criteria_hash: str) -> dict[str, Applicable]:
    """unit code -> what its current submission of ``year`` under ``criteria_hash`` said."""
    _ensure(conn)
    query = """
        SELECT s.unit_code, a.manifest_sha256, a.unit_kind, a.applicable_max, a.scaled_total,
               a.marks_json
        FROM current c JOIN submissions s USING(manifest_sha256)
        JOIN submission_applicability a ON a.manifest_sha256 = s.manifest_sha256
        WHERE c.year=? AND c.status='current' AND s.criteria_hash=?
    """
    return {row[0]: _applicable(row[1:]) for row in conn.execute(query, (year, criteria_hash))}
