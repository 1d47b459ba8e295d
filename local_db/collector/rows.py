"""The rows a merge writes: one package accepted or rejected (each all or nothing, see
``txn.atomic``), the recomputed current submission of a unit and year (``resolve``), and the
few reads a merge makes of what is already stored.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from local_db.collector import applicability
from local_db.collector.kinds import Checked
from local_db.collector.resolve import Node, Resolution, resolve
from local_db.collector.txn import atomic

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _unit_year_rows(
    conn: sqlite3.Connection, unit: str, year: int
) -> tuple[list[Node], dict[str, str], dict[str, str]]:
    """The unit-year's submissions: nodes, states and file hashes by manifest hash."""
    rows = conn.execute(
        "SELECT manifest_sha256, submission_id, revision, supersedes, state, file_sha256 FROM submissions WHERE unit_code=? AND year=?",
        (unit, year),
    ).fetchall()
    nodes = [Node(r[0], r[1], int(r[2]), r[3]) for r in rows]
    return nodes, {r[0]: r[4] for r in rows}, {r[0]: r[5] for r in rows}


def _chosen(conn: sqlite3.Connection, unit: str, year: int) -> str | None:
    row = conn.execute(
        "SELECT manifest_sha256 FROM decisions WHERE unit_code=? AND year=?", (unit, year)
    ).fetchone()
    return row[0] if row else None


def _apply(
    conn: sqlite3.Connection, unit: str, year: int, before: dict[str, str], result: Resolution
) -> int:
    """Write a resolution: changed states, conflict rows, the current pointer. Returns newly superseded."""
    newly_superseded = 0
    for key, state in result.states.items():
        old = before.get(key)
        if old is not None and old != state:
            conn.execute("UPDATE submissions SET state=? WHERE manifest_sha256=?", (state, key))
        if state == "superseded" and old != "superseded":
            newly_superseded += 1
    if result.conflict or "conflict" in before.values():
        conn.execute("DELETE FROM conflicts WHERE unit_code=? AND year=?", (unit, year))
        conn.executemany(
            "INSERT INTO conflicts(unit_code, year, manifest_sha256) VALUES (?,?,?)",
            [(unit, year, k) for k in result.conflict],
        )
    conn.execute(
        "INSERT INTO current(unit_code, year, manifest_sha256, status) VALUES (?,?,?,?) "
        "ON CONFLICT(unit_code, year) DO UPDATE SET manifest_sha256=excluded.manifest_sha256, status=excluded.status",
        (unit, year, result.current, "current" if result.current is not None else "conflict"),
    )
    return newly_superseded


def refresh_unit_year(conn: sqlite3.Connection, unit: str, year: int) -> tuple[int, bool]:
    """Recompute states and the current pointer of one unit and year (inside a transaction).

    Returns (how many submissions newly became superseded, whether the unit-year is in conflict).
    """
    nodes, before, _files = _unit_year_rows(conn, unit, year)
    if not nodes:
        return 0, False
    result = resolve(nodes, _chosen(conn, unit, year))
    return _apply(conn, unit, year, before, result), result.current is None


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def store_accepted(
    conn: sqlite3.Connection,
    data: bytes,
    sha: str,
    name: str,
    checked: Checked,
    now: str,
    bundle: str,
    was_quarantined: bool = False,
    has_decisions: bool = True,
) -> tuple[str, int, tuple[str, int]]:
    """One transaction. Returns ("accepted"|"duplicate", newly superseded, (unit, year))."""
    m = checked.manifest or {}
    unit = _text((m.get("unit") or {}).get("code"))
    year = int(m.get("year") or 0)
    with atomic(conn):
        conn.execute("INSERT OR IGNORE INTO blobs(sha256, data) VALUES (?, ?)", (sha, data))
        # a manifest names its unit and year: stored already, it is among that unit-year's rows
        nodes, before, files = _unit_year_rows(conn, unit, year)
        existing = files.get(checked.manifest_sha256)
        outcome = "duplicate"
        newly = 0
        if existing is None:
            # resolve first, so the new row is written once with its final state
            new = Node(
                checked.manifest_sha256,
                _text(m.get("submission_id")),
                int(m.get("revision") or 0),
                m.get("supersedes") or None,
            )
            result = resolve([*nodes, new], _chosen(conn, unit, year) if has_decisions else None)
            scores = m.get("scores") or {}
            criteria = m.get("criteria_set") or {}
            officer = m.get("officer") or {}
            conn.execute(
                "INSERT INTO submissions VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    checked.manifest_sha256, sha, _text(m.get("submission_id")), unit,
                    _text((m.get("unit") or {}).get("name")), year, int(m.get("revision") or 0),
                    m.get("supersedes") or None, _text(criteria.get("content_hash")),
                    _text(criteria.get("set_id")), _text(criteria.get("version")),
                    checked.signer_kind, checked.signer_fingerprint, checked.signer_key_id,
                    checked.signer_subject, _text(officer.get("name")), _text(officer.get("position")),
                    _text(m.get("created_at")),
                    json.dumps(scores.get("pillars") or {}, sort_keys=True, ensure_ascii=False),
                    _text(scores.get("total")), _text(scores.get("classification")), now,
                    result.states[new.key],
                ),
            )  # fmt: skip
            applicability.record(conn, checked.manifest_sha256, m)  # issue 16, when it applies
            newly = _apply(conn, unit, year, before, result)
            outcome = "accepted"
        elif existing > sha:  # the same signed manifest in other bytes: keep the smallest hash
            conn.execute(
                "UPDATE submissions SET file_sha256=? WHERE manifest_sha256=?",
                (sha, checked.manifest_sha256),
            )
        conn.execute(
            "INSERT INTO received_files(file_sha256, file_name, size, received_at, manifest_sha256) VALUES (?,?,?,?,?) "
            "ON CONFLICT(file_sha256) DO UPDATE SET manifest_sha256=excluded.manifest_sha256, "
            "file_name=min(received_files.file_name, excluded.file_name)",
            (sha, name, len(data), now, checked.manifest_sha256),
        )
        if was_quarantined:
            conn.execute("DELETE FROM quarantine WHERE file_sha256=?", (sha,))
        if bundle:
            conn.execute("INSERT OR IGNORE INTO forwardings VALUES (?, ?)", (sha, bundle))
    return outcome, newly, (unit, year)


def quarantine_fields(manifest: Mapping[str, Any] | None) -> dict[str, Any]:
    """What a quarantine row keeps of a manifest that could not be stored: plain text, a
    year SQLite can hold (see ``store_rejected``), nothing that might fail again."""
    m = manifest or {}
    unit = m.get("unit")
    code = unit.get("code") if isinstance(unit, dict) else None
    out: dict[str, Any] = {"unit": {"code": code}} if isinstance(code, str) else {}
    if isinstance(m.get("submission_id"), str):
        out["submission_id"] = m["submission_id"]
    if isinstance(m.get("year"), int):
        out["year"] = m["year"]
    return out


def store_rejected(
    conn: sqlite3.Connection,
    data: bytes,
    sha: str,
    name: str,
    checked: Checked,
    now: str,
    bundle: str,
) -> None:
    m = checked.manifest or {}
    unit: dict[str, Any] = m["unit"] if isinstance(m.get("unit"), dict) else {}
    year = m.get("year") if isinstance(m.get("year"), int) else None
    if year is not None and not _INT64_MIN <= year <= _INT64_MAX:
        year = None  # a hostile 2**63 would stop storing the very rejection
    reasons = json.dumps([r.to_json() for r in checked.reasons], ensure_ascii=False, sort_keys=True)
    with atomic(conn):
        conn.execute(
            "INSERT INTO received_files(file_sha256, file_name, size, received_at, manifest_sha256) VALUES (?,?,?,?,NULL) "
            "ON CONFLICT(file_sha256) DO UPDATE SET file_name=min(received_files.file_name, excluded.file_name)",
            (sha, name, len(data), now),
        )
        conn.execute(
            "INSERT INTO quarantine(file_sha256, reasons_json, unit_code, year, submission_id, via_bundle) VALUES (?,?,?,?,?,?) "
            "ON CONFLICT(file_sha256) DO UPDATE SET reasons_json=excluded.reasons_json, "
            "via_bundle=min(quarantine.via_bundle, excluded.via_bundle)",
            (sha, reasons, _text(unit.get("code")), year, _text(m.get("submission_id")), bundle),
        )


# --- what is stored already ---------------------------------------------------------------


def has_decisions(conn: sqlite3.Connection) -> bool:
    """Whether a person has settled any conflict (decisions are made between merges)."""
    return conn.execute("SELECT EXISTS(SELECT 1 FROM decisions)").fetchone()[0] == 1


def accepted_files(conn: sqlite3.Connection) -> set[str]:
    """The file hashes of every accepted package."""
    return {
        r[0]
        for r in conn.execute(
            "SELECT file_sha256 FROM received_files WHERE manifest_sha256 IS NOT NULL"
        )
    }


def received(
    conn: sqlite3.Connection, sha: str
) -> tuple[str | None, str, tuple[str, int] | None] | None:
    """(its submission's manifest hash, or None if rejected; its file name; its submission's
    unit and year, or None) for a file seen before, None for new bytes. One query: a merge
    asks it of every file, so a re-merge of thousands of duplicates is one round trip each."""
    row = conn.execute(
        "SELECT f.manifest_sha256, f.file_name, s.unit_code, s.year FROM received_files f "
        "LEFT JOIN submissions s ON s.manifest_sha256 = f.manifest_sha256 WHERE f.file_sha256=?",
        (sha,),
    ).fetchone()
    if row is None:
        return None
    return row[0], row[1], None if row[2] is None else (row[2], int(row[3]))


def received_again(
    conn: sqlite3.Connection, sha: str, name: str, bundle: str, known_name: str
) -> None:
    """Accepted bytes that came again: remember a new forwarding or a smaller name."""
    if bundle or name < known_name:
        with atomic(conn):
            conn.execute(
                "UPDATE received_files SET file_name=? WHERE file_sha256=? AND file_name>?",
                (name, sha, name),
            )
            if bundle:
                conn.execute("INSERT OR IGNORE INTO forwardings VALUES (?, ?)", (sha, bundle))


def unit_year_of(conn: sqlite3.Connection, manifest_sha256: str) -> tuple[str, int]:
    row = conn.execute(
        "SELECT unit_code, year FROM submissions WHERE manifest_sha256=?", (manifest_sha256,)
    ).fetchone()
    return row[0], int(row[1])


def conflicts_among(conn: sqlite3.Connection, unit_years: Iterable[tuple[str, int]]) -> int:
    """How many of these unit-years are in conflict."""
    pairs = sorted(unit_years)
    if not pairs:
        return 0
    marks = ",".join("(?,?)" for _ in pairs)
    args = [v for pair in pairs for v in pair]
    return int(
        conn.execute(
            f"SELECT count(*) FROM current WHERE status='conflict' AND (unit_code, year) IN (VALUES {marks})",  # noqa: S608
            args,
        ).fetchone()[0]
    )


def note_last_merge(conn: sqlite3.Connection, now: str) -> None:
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('last_merge', ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
        (now,),
    )
