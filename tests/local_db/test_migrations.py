"""Schema migrations: a real version-1 database opens, upgrades in place, keeps its data."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlmodel import SQLModel

from local_db import (
    SchemaTooNew,
    answers,
    assessments,
    audit,
    migrations,
    models,  # noqa: F401  (registers the tables in SQLModel.metadata)
    open_database,
    units,
)
from local_db.backup import backups

FIXTURE = Path(__file__).with_name("fixtures") / "schema_v1.sqlite"


def _version(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return migrations.schema_version(conn)
    finally:
        conn.close()


def test_fixture_is_a_genuine_version_1_database() -> None:
    assert _version(FIXTURE) == 1
    conn = sqlite3.connect(FIXTURE)
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        unit_columns = {r[1] for r in conn.execute("PRAGMA table_info(units)")}
    finally:
        conn.close()
    assert "evidence_attachments" not in tables and "name_folded" not in unit_columns


def test_version_1_database_upgrades_in_place_with_data_kept_and_a_backup(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    shutil.copy(FIXTURE, data_dir / "dti-desk.sqlite")
    with open_database(data_dir) as db:
        assert _version(db.path) == migrations.LATEST
        # v1 data is all there
        draft = assessments.current(db, "08001", 2025)
        assert draft is not None and draft.status == "draft"
        assert answers.get_all(db, draft.id) == {
            "1.1": {"count": 3},
            "2.1": {"choice": "vice"},
            "2.2.1": {"yes": True},
        }
        assert len(audit.entries(db, draft.id)) == 3
        # v2's backfilled column works: accent-insensitive search over old rows
        assert [u.code for u in units.search(db, "hoa binh")] == ["08001"]
        # v2's new tables are usable
        answers.set_note(db, draft.id, "1.1", "Đã họp 3 lần")
        assert answers.notes(db, draft.id) == {"1.1": "Đã họp 3 lần"}
    saved = backups(data_dir, "pre-migration")
    assert len(saved) == 1 and "v1" in saved[0].name
    assert _version(saved[0]) == 1  # the backup is the database as it was before


def test_latest_database_is_not_backed_up_again(data_dir: Path) -> None:
    with open_database(data_dir):
        pass
    with open_database(data_dir):
        pass
    assert backups(data_dir, "pre-migration") == []


def test_models_match_the_migrated_schema(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    try:
        migrations.upgrade(conn)
        for table in SQLModel.metadata.sorted_tables:
            if table.name not in {
                t for (t,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
            }:
                continue  # another area's table (the collector keeps its own database)
            db_columns = {
                r[1]: (r[3], r[5]) for r in conn.execute(f"PRAGMA table_info({table.name})")
            }
            assert set(db_columns) == set(table.columns.keys()), table.name
            primary = {name for name, (_nn, pk) in db_columns.items() if pk}
            assert primary == {c.name for c in table.primary_key.columns}, table.name
    finally:
        conn.close()
    ours = {"units", "profile", "criteria_sets", "assessments", "answers", "indicator_notes",
            "evidence_blobs", "evidence_attachments", "audit"}  # fmt: skip
    assert ours <= {t.name for t in SQLModel.metadata.sorted_tables}


def test_failed_step_rolls_back_and_keeps_the_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conn = sqlite3.connect(tmp_path / "x.sqlite", isolation_level=None)
    try:
        migrations.upgrade(conn, target=1)

        def explode(_conn: sqlite3.Connection) -> None:
            raise RuntimeError("power cut in the middle of a step")

        broken = migrations.Step(2, "broken", (migrations.STEPS[1].statements[0], explode))
        monkeypatch.setattr(migrations, "STEPS", (migrations.STEPS[0], broken))
        with pytest.raises(RuntimeError):
            migrations.upgrade(conn)
        assert migrations.schema_version(conn) == 1
        columns = {r[1] for r in conn.execute("PRAGMA table_info(units)")}
        assert "name_folded" not in columns  # the ALTER TABLE was rolled back too
    finally:
        conn.close()


def test_database_from_a_newer_version_is_refused_untouched(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    path = data_dir / "dti-desk.sqlite"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {migrations.LATEST + 1}")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(SchemaTooNew, match="mới hơn"):
        open_database(data_dir)
    assert path.read_bytes() == before
    # and the lock was released: a second attempt gives the same clear error, not "locked"
    with pytest.raises(SchemaTooNew):
        open_database(data_dir)
