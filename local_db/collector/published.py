"""An earlier year's published ranking table, imported for year-over-year comparison.

Read with the results checker's reader (``forms.results_table``). Each row is matched to a unit
of the units list by name (NFC, case-, space- and tone-placement-insensitive: "Hòa" is "Hoà";
preferring the same group), so a table without unit codes still lines up with this year's
submissions. Importing a year again
replaces that year's rows (one transaction).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from forms.results_table import ResultsTable, name_key


@dataclass(frozen=True)
class ImportedTable:
    rows: int
    matched: int
    skipped: int  # rows without a usable total
    unmatched: tuple[str, ...]


def import_published(
    conn: sqlite3.Connection, year: int, tables: Sequence[ResultsTable]
) -> ImportedTable:
    by_name: dict[str, list[tuple[str, str]]] = {}
    for code, name, group in conn.execute("SELECT code, name, group_name FROM units"):
        by_name.setdefault(name_key(name), []).append((code, name_key(group)))
    items = []
    skipped = 0
    for table in tables:
        for row in table.rows:
            if not row.total.usable:
                skipped += 1
                continue
            pillars = {
                header: str(n.value)
                for header, n in zip(table.pillar_headers, row.pillars, strict=False)
                if n.usable
            }
            total = row.total.value
            assert total is not None  # usable
            items.append((row, pillars, total))
    ranked = sorted((t for r, _p, t in items if not r.not_ranked), reverse=True)
    rank_of: dict[Decimal, int] = {}
    for i, total in enumerate(ranked, start=1):
        rank_of.setdefault(total, i)  # competition ranking: the first position of a total
    records = []
    unmatched = []
    matched = 0
    for index, (row, pillars, total) in enumerate(items):
        candidates = by_name.get(name_key(row.name), [])
        same_group = [c for c, g in candidates if g == name_key(row.group)]
        code = (
            same_group[0]
            if len(same_group) == 1
            else (candidates[0][0] if len(candidates) == 1 else "")
        )
        if code:
            matched += 1
        else:
            unmatched.append(row.name)
        key = code or f"{index:05}:{name_key(row.group)}:{name_key(row.name)}"
        records.append(
            (year, key, code, row.name, row.group, json.dumps(pillars, ensure_ascii=False, sort_keys=True), str(total), row.label,
             None if row.not_ranked else rank_of[total])
        )  # fmt: skip
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute("DELETE FROM published_results WHERE year=?", (year,))
        conn.executemany(
            "INSERT INTO published_results VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT(year, row_key) DO UPDATE SET "
            "unit_code=excluded.unit_code, name=excluded.name, group_name=excluded.group_name, "
            "pillars_json=excluded.pillars_json, total=excluded.total, "
            "classification=excluded.classification, rank=excluded.rank",
            records,
        )
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return ImportedTable(len(records), matched, skipped, tuple(unmatched))
