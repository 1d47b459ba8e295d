"""Re-creates ``fixtures/schema_v1.sqlite``: a genuine schema-version-1 database with data.

It runs only migration step 1 (the original DDL) and fills it as dti-desk v1 would have, so
the migration test upgrades a real old file. Run from the project root:
``.venv/bin/python -m tests.local_db.make_fixture``. The committed file must not change when
later versions are added; only regenerate it if step 1 itself was wrong.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from forms.criteria import canonical_bytes
from local_db import migrations
from tests.forms.sample_sets import tiny_set

FIXTURE = Path(__file__).with_name("fixtures") / "schema_v1.sqlite"
AT = "2025-03-01T08:00:00.000000+00:00"


def build(path: Path = FIXTURE) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = DELETE")  # one self-contained file in git
        migrations.upgrade(conn, target=1)
        cs = tiny_set()
        conn.execute("BEGIN")
        conn.executemany(
            "INSERT INTO units (code, name, kind, group_name, province, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                ("08001", "Phường Hòa Bình", "phường", "TP. Hòa Bình", "Phú Thọ", AT),
                ("08002", "Xã Đoan Hùng", "xã", "Huyện Đoan Hùng", "Phú Thọ", AT),
                ("08003", "Xã Thanh Ba", "xã", "Huyện Thanh Ba", "Phú Thọ", AT),
            ],
        )
        conn.execute(
            "INSERT INTO profile (id, officer_name, position, phone, email, unit_code, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
            (
                "Nguyễn Thị Lan",
                "Công chức Văn hóa - Xã hội",
                "0912345678",
                "lan@example.vn",
                "08001",
                AT,
            ),
        )
        conn.execute(
            "INSERT INTO criteria_sets (content_hash, set_id, year, version, title, canonical_json, added_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                cs.content_hash,
                cs.set_id,
                cs.year,
                cs.version,
                cs.title,
                canonical_bytes(cs).decode(),
                AT,
            ),
        )
        conn.execute(
            "INSERT INTO assessments (id, unit_code, year, criteria_hash, status, revision, created_at, updated_at) VALUES (1, '08001', 2025, ?, 'draft', 1, ?, ?)",
            (cs.content_hash, AT, AT),
        )
        for code, key, value, points in [
            ("1.1", "count", 3, "15"),
            ("2.1", "choice", "vice", "5"),
            ("2.2.1", "yes", True, "5"),
        ]:
            conn.execute(
                "INSERT INTO answers (assessment_id, indicator_code, field_key, value_json, points, updated_by, updated_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
                (code, key, json.dumps(value), points, "Nguyễn Thị Lan", AT),
            )
            conn.execute(
                "INSERT INTO audit (at, who, entity, key, assessment_id, old_value, new_value) VALUES (?, ?, 'answer', ?, 1, NULL, ?)",
                (AT, "Nguyễn Thị Lan", f"{code}/{key}", json.dumps(value)),
            )
        conn.execute("COMMIT")
        conn.execute("VACUUM")
    finally:
        conn.close()
    return path


if __name__ == "__main__":
    print(build())
