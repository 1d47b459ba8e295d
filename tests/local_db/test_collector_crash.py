"""Crash safety of a merge: SIGKILL a merging process (with or without its verification
workers) at random moments; the database is never damaged and never holds part of a package,
and merging the same files again gives exactly the database of an uninterrupted merge.

Packages share commits (``merge.BATCH``): a kill loses the packages of the open batch, whole.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from local_db.collector import dump, merge_paths, open_collector
from tests.local_db.collector_support import clock

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import merge_paths, open_collector
    import local_db.collector.merge as merge_module

    if __name__ == "__main__":
        merge_module.POOL_MINIMUM = 100
        db, folder, workers = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
        conn = open_collector(db)
        print("open", flush=True)
        merge_paths(conn, [folder], TrustRegistry.load(folder / "trust.json"), [reference_set()],
                    lambda done, total: print(done, flush=True), workers=workers)
        print("finished", flush=True)
    """
)


def _whole_packages_only(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        orphans = {
            "submission without its file": "SELECT count(*) FROM submissions s "
            "LEFT JOIN blobs b ON b.sha256 = s.file_sha256 WHERE b.sha256 IS NULL",
            "accepted file without its submission": "SELECT count(*) FROM received_files f "
            "LEFT JOIN submissions s ON s.manifest_sha256 = f.manifest_sha256 "
            "WHERE f.manifest_sha256 IS NOT NULL AND s.manifest_sha256 IS NULL",
            "submission without its received file": "SELECT count(*) FROM submissions s "
            "WHERE NOT EXISTS (SELECT 1 FROM received_files f WHERE f.file_sha256 = s.file_sha256)",
            "unit-year without its current row": "SELECT count(*) FROM (SELECT DISTINCT unit_code, "
            "year FROM submissions) u WHERE NOT EXISTS (SELECT 1 FROM current c "
            "WHERE c.unit_code = u.unit_code AND c.year = u.year)",
            "blob without a file row": "SELECT count(*) FROM blobs b WHERE NOT EXISTS "
            "(SELECT 1 FROM received_files f WHERE f.file_sha256 = b.sha256)",
        }
        for what, sql in orphans.items():
            assert conn.execute(sql).fetchone()[0] == 0, what
    finally:
        conn.close()


@pytest.mark.slow
def test_killed_merges_leave_whole_packages_and_merging_again_completes(tmp_path):
    from forms.packages.demo import write_demo
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set

    demo = write_demo(tmp_path / "in", units=700, seed=11, evidence=0)
    trust = TrustRegistry.load(demo.trust)
    clean = open_collector(tmp_path / "clean.sqlite")
    merge_paths(clean, [tmp_path / "in"], trust, [reference_set()], clock=clock, workers=0)
    expected = dump(clean)
    clean.close()

    script = tmp_path / "merge_child.py"
    script.write_text(CHILD, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(7)
    db = tmp_path / "killed.sqlite"
    kills = 0
    for workers in (0, 1, 0, 1):
        child = subprocess.Popen(
            [sys.executable, str(script), str(db), str(tmp_path / "in"), str(workers)],
            stdout=subprocess.PIPE, text=True, env=env, start_new_session=True,
        )  # fmt: skip
        assert child.stdout is not None
        stop_at = rng.randrange(1, 650)
        finished = False
        for line in child.stdout:
            if line.strip() == "finished":
                finished = True
                break
            if line.strip().isdigit() and int(line) >= stop_at:
                break
        if not finished:
            os.killpg(child.pid, signal.SIGKILL)  # the merge and its worker processes
            kills += 1
        child.wait()
        child.stdout.close()
        _whole_packages_only(db)
    assert kills >= 2

    conn = open_collector(db)
    try:
        summary = merge_paths(conn, [tmp_path / "in"], trust, [reference_set()], clock=clock)
        assert summary.accepted + summary.duplicates == 700 and not summary.rejected
        assert dump(conn) == expected
    finally:
        conn.close()
