"""Crash safety: SIGKILL an autosaving process at random moments; no acknowledged edit is lost.

A SIGKILL is harsher than a window being closed and, for SQLite in WAL mode with
synchronous=FULL, equivalent to a power cut for everything the OS already accepted. After
every kill the database must pass ``PRAGMA integrity_check`` and hold every edit the child
printed (printed = ``set_value`` returned = promised durable). At most one more edit may be
present: committed, but killed before it could print.
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local_db import assessments, open_database
from tests.forms.sample_sets import tiny_set
from tests.local_db.crash_child import KEYS

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("crash_child.py")


def _stored(db_path: Path, assessment_id: int) -> tuple[str, dict[str, int], int]:
    conn = sqlite3.connect(db_path)
    try:
        verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
        rows = conn.execute(
            "SELECT field_key, value_json FROM answers WHERE assessment_id = ? AND indicator_code = '1.1'",
            (assessment_id,),
        ).fetchall()
        audited = conn.execute("SELECT count(*) FROM audit WHERE entity = 'answer'").fetchone()[0]
    finally:
        conn.close()
    return verdict, {key: json.loads(value) for key, value in rows}, int(audited)


def run_kills(tmp_path: Path, kills: int, seed: int) -> int:
    data_dir = tmp_path / "data"
    with open_database(data_dir) as db:
        assessment_id = assessments.create(db, "08001", 2025, tiny_set()).id
    assert assessment_id is not None
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    acknowledged: dict[str, int] = {}  # field -> newest acknowledged value
    applied = 0  # edits known to be in the database
    next_k = 0
    total_acked = 0
    for round_no in range(kills):
        child = subprocess.Popen(
            [sys.executable, str(CHILD), str(data_dir), str(assessment_id), str(next_k)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        try:
            if round_no % 5 == 4:
                # Sometimes kill during start-up (lock, integrity check, sweep, WAL recovery).
                time.sleep(rng.uniform(0.0, 0.6))
            else:
                assert child.stdout is not None
                first = child.stdout.readline()
                assert first.strip() == "open", f"child did not start: {first!r}"
                time.sleep(rng.uniform(0.0, 0.15))
        finally:
            child.kill()  # SIGKILL on POSIX, TerminateProcess on Windows: no clean-up runs
            # Read through the same buffered reader as readline() above: communicate() with a
            # timeout reads the raw pipe and would drop lines already buffered here.
            assert child.stdout is not None
            out = child.stdout.read()
            child.stdout.close()
            child.wait(timeout=30)
        assert child.returncode == (-signal.SIGKILL if os.name == "posix" else 1)
        lines = [line for line in out.split() if line != "open"]
        acked = [int(line) for line in lines]
        assert acked == list(range(next_k, next_k + len(acked))), "acknowledged edits out of order"
        for k in acked:
            acknowledged[f"f{k % KEYS}"] = k
        total_acked += len(acked)

        verdict, stored, audited = _stored(data_dir / "dti-desk.sqlite", assessment_id)
        assert verdict == "ok", f"kill {round_no}: integrity_check says {verdict}"
        last_acked = next_k + len(acked) - 1
        unacked_but_committed = last_acked + 1
        for key, value in acknowledged.items():
            if (
                key == f"f{unacked_but_committed % KEYS}"
                and stored.get(key) == unacked_but_committed
            ):
                continue  # committed, then killed before it could print
            assert stored.get(key) == value, (
                f"kill {round_no}: acknowledged edit {key}={value} lost"
            )
        extra = [v for v in stored.values() if v > last_acked]
        assert extra in ([], [unacked_but_committed]), f"kill {round_no}: unexpected values {extra}"
        applied = next_k + len(acked) + len(extra)
        # Every applied edit has its audit row, written in the same transaction.
        assert audited == applied
        for key, value in stored.items():
            acknowledged[key] = value
        next_k = applied
    return total_acked


@pytest.mark.slow
def test_sigkill_during_autosave_loses_no_acknowledged_edit(tmp_path: Path) -> None:
    acked = run_kills(tmp_path, kills=20, seed=20261123)
    assert acked > 20  # the children really did edit between the kills


@pytest.mark.soak
def test_sigkill_soak(tmp_path: Path) -> None:
    kills = int(os.environ.get("DTI_SOAK_KILLS", "200"))
    acked = run_kills(tmp_path, kills=kills, seed=int(time.time()))
    assert acked > kills
