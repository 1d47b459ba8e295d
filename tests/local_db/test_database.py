"""Opening the data folder: PRAGMAs, the instance lock, integrity check, backups, error sorting."""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc

from local_db import (
    Change,
    DatabaseDamaged,
    DatabaseLocked,
    StorageError,
    answers,
    backup,
    open_database,
)
from local_db.database import Database
from local_db.errors import environment_message, translate_errors
from local_db.models import Assessment

ROOT = Path(__file__).resolve().parents[2]


def test_every_connection_gets_the_safety_pragmas(db: Database) -> None:
    with db.engine.connect() as conn:
        values = {
            name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("busy_timeout", "journal_mode", "synchronous", "foreign_keys")
        }
    assert values == {
        "busy_timeout": 10000,
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
    }


def test_sqlite_version_is_logged_at_open(data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="local_db"), open_database(data_dir):
        pass
    assert any(sqlite3.sqlite_version in r.getMessage() for r in caplog.records)


def test_second_process_is_refused_with_a_clear_message(data_dir: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from local_db import open_database\n"
         "db = open_database(Path(sys.argv[1])); print('ready', flush=True); sys.stdin.readline()",
         str(data_dir)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as holder:  # fmt: skip
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
            with pytest.raises(DatabaseLocked, match="đang được một cửa sổ dti-desk khác sử dụng"):
                open_database(data_dir)
        finally:
            holder.communicate(input="\n", timeout=30)
    # once the other one closed, this one opens
    with open_database(data_dir) as db:
        assert db.is_open


def test_second_open_in_the_same_process_is_refused_too(db: Database) -> None:
    with pytest.raises(DatabaseLocked):
        open_database(db.data_dir)
    assert db.is_open  # the refused attempt did not disturb the open one


def test_lock_is_released_when_the_holder_dies(data_dir: Path) -> None:
    with subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from pathlib import Path; from local_db import open_database\n"
         "db = open_database(Path(sys.argv[1])); print('ready', flush=True); time.sleep(60)",
         str(data_dir)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
    ) as holder:  # fmt: skip
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        finally:
            holder.kill()
            holder.communicate(timeout=30)
    with open_database(data_dir) as db:  # no stale lock after a crash
        assert db.is_open


def test_close_makes_a_daily_backup_and_rotates(data_dir: Path) -> None:
    with open_database(data_dir, backup_keep=2):
        pass
    first = backup.backups(data_dir, backup.AUTO)
    assert len(first) == 1 and backup.quick_check(first[0]) == (True, "ok")
    with open_database(data_dir, backup_keep=2):
        pass
    assert backup.backups(data_dir, backup.AUTO) == first  # at most daily
    for _ in range(2):
        # Pretend the existing backups are older than a day, so one is due at each close.
        for path in backup.backups(data_dir, backup.AUTO):
            earlier = backup.made_at(path) - timedelta(days=2)
            path.rename(path.with_name(f"auto-{earlier:%Y%m%d-%H%M%S-%f}.sqlite"))
        with open_database(data_dir, backup_keep=2):
            pass
    kept = backup.backups(data_dir, backup.AUTO)
    assert len(kept) == 2
    assert backup.made_at(kept[1]) > backup.made_at(first[0]) - timedelta(days=3)  # the oldest went
    assert all(backup.quick_check(p) == (True, "ok") for p in kept)


def test_backup_contains_what_was_saved(db: Database, draft: Assessment) -> None:
    answers.set_value(db, draft.id, "1.1", "count", 4, points=20)
    made = backup.make_backup(db.data_dir)  # while the database is open, WAL not yet checkpointed
    conn = sqlite3.connect(made)
    try:
        assert conn.execute("SELECT value_json FROM answers").fetchall() == [("4",)]
        assert (
            conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        )  # one self-contained file
    finally:
        conn.close()


def _corrupt(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(page, len(data), 7):  # leave the header page, scramble the b-trees
        data[offset] = (data[offset] + 0x5A) % 256
    path.write_bytes(bytes(data))


def test_damaged_database_is_reported_with_the_latest_good_backup_and_left_untouched(
    data_dir: Path,
) -> None:
    with open_database(data_dir) as db:
        from local_db import assessments
        from tests.forms.sample_sets import tiny_set

        assessments.create(db, "08001", 2025, tiny_set())
    good = backup.backups(data_dir, backup.AUTO)[0]
    path = data_dir / "dti-desk.sqlite"
    _corrupt(path)
    damaged = path.read_bytes()
    with pytest.raises(DatabaseDamaged) as caught:
        open_database(data_dir)
    assert caught.value.backup == good
    assert str(good) in str(caught.value) and "bị hỏng" in str(caught.value)
    assert path.read_bytes() == damaged
    # the lock was released: the check command and restore can still run
    report = backup.check(data_dir)
    assert not report.ok and report.problems[0].code == "db.damaged"


def test_damaged_database_without_backup_says_so(data_dir: Path) -> None:
    data_dir.mkdir(parents=True)
    (data_dir / "dti-desk.sqlite").write_bytes(b"this is not a database at all" * 200)
    with pytest.raises(DatabaseDamaged) as caught:
        open_database(data_dir)
    assert caught.value.backup is None and "không có bản sao lưu tốt" in str(caught.value)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("database or disk is full", "Ổ đĩa đã đầy"),
        ("database is locked", "chương trình khác giữ"),
        ("attempt to write a readonly database", "chỉ cho phép đọc"),
        ("disk I/O error", "Lỗi đọc/ghi ổ đĩa"),
    ],
)
def test_environment_errors_become_storage_errors(message: str, expected: str) -> None:
    error = sqlite3.OperationalError(message)
    assert expected in (environment_message(error) or "")
    with pytest.raises(StorageError, match=expected), translate_errors():
        raise sa_exc.OperationalError("UPDATE answers ...", {}, error)


def test_bugs_are_not_disguised_as_environment_errors(db: Database) -> None:
    with pytest.raises(sa_exc.OperationalError), db.write() as session:
        session.connection().exec_driver_sql("SELECT * FROM no_such_table")
    with pytest.raises(sa_exc.IntegrityError), db.write() as session:  # foreign keys are enforced
        session.connection().exec_driver_sql(
            "INSERT INTO answers (assessment_id, indicator_code, field_key, value_json, updated_at) VALUES (999, '1', 'x', '1', 'now')"
        )


def test_subscribers_hear_about_committed_changes_only(db: Database, draft: Assessment) -> None:
    heard: list[Change] = []
    db.subscribe(heard.append)
    answers.set_value(db, draft.id, "1.1", "count", 2)
    with pytest.raises(RuntimeError), db.write() as session:
        from local_db.database import record_change

        record_change(session, Change("answer", "rolled back", draft.id))
        raise RuntimeError("abort")
    db.unsubscribe(heard.append)
    answers.set_value(db, draft.id, "1.1", "count", 3)
    assert heard == [Change("answer", "1.1/count", draft.id)]


def test_closed_database_refuses_work(db: Database, draft: Assessment) -> None:
    db.close()
    with pytest.raises(StorageError, match="đã đóng"):
        answers.get_all(db, draft.id)


def test_backup_if_due_while_open(db: Database, draft: Assessment) -> None:
    answers.set_value(db, draft.id, "1.1", "count", 3)
    made = db.backup_if_due()
    assert made is not None and backup.quick_check(made) == (True, "ok")
    assert db.backup_if_due() is None  # once a day


def test_threads_writing_at_once_all_succeed(db: Database, draft: Assessment) -> None:
    # The GUI saves from worker threads; BEGIN IMMEDIATE + busy_timeout make them queue.
    from concurrent.futures import ThreadPoolExecutor

    def edit(n: int) -> None:
        for i in range(15):
            answers.set_value(db, draft.id, f"t{n}", f"f{i}", i, user=f"thread {n}")

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(edit, range(4)))
    stored = answers.get_all(db, draft.id)
    assert stored == {f"t{n}": {f"f{i}": i for i in range(15)} for n in range(4)}
    from local_db import audit

    assert len(audit.entries(db, draft.id, "answer")) == 60
