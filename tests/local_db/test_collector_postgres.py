"""The collector database on PostgreSQL (issue 18): the command line's ``--db postgresql://``,
passwords never printed, and two merges at once ending as one after the other (real
processes, a real server: the session's throwaway cluster)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktop.cli import main
from forms.packages.demo import write_demo
from local_db.collector import CollectorStore, dump, open_collector
from local_db.collector.db_url import masked
from local_db.collector.pg import translate
from local_db.errors import StorageError
from tests.local_db.pg_cluster import Cluster

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return write_demo(tmp_path_factory.mktemp("demo") / "packages", units=40, seed=3, evidence=0)


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_a_password_is_masked_wherever_it_is_written() -> None:
    assert masked("postgresql://lan:b%C3%AD-m%E1%BA%ADt@db.tinh.vn:5432/dti") == (
        "postgresql://lan:***@db.tinh.vn:5432/dti"
    )
    assert masked("postgresql://lan@/dti?host=/run/pg&password=hidden&port=5433") == (
        "postgresql://lan@/dti?host=/run/pg&password=***&port=5433"
    )
    assert masked("postgresql://lan@/dti?host=/run/pg") == "postgresql://lan@/dti?host=/run/pg"


def test_sqlite_spellings_are_rewritten_for_postgresql() -> None:
    assert translate("INSERT OR IGNORE INTO t VALUES (?, ?)") == (
        "INSERT INTO t VALUES (%s, %s) ON CONFLICT DO NOTHING"
    )
    assert translate("SET a=min(t.a, excluded.a) WHERE b LIKE '5%'") == (
        "SET a=LEAST(t.a, excluded.a) WHERE b LIKE '5%%'"
    )
    assert translate("SELECT min(a) FROM t") == "SELECT min(a) FROM t"  # the aggregate stays
    assert translate("SELECT 'a%' LIKE 'a%'", bound=False) == "SELECT 'a%' LIKE 'a%'"


def test_a_refused_connection_names_the_database_without_its_password(
    pg_cluster: Cluster, tmp_path: Path, demo, capsys
) -> None:
    secret = "mat-khau-bi-mat"
    bad = [
        f"postgresql://{pg_cluster.user}:{secret}@/khong_co?host={pg_cluster.socket}&port={pg_cluster.port}",
        f"postgresql://{pg_cluster.user}@/khong_co?host={pg_cluster.socket}&port={pg_cluster.port}&password={secret}",
    ]
    for url in bad:
        with pytest.raises(StorageError) as caught:
            CollectorStore(url)
        assert secret not in str(caught.value) and "***" in str(caught.value)
        code, out, err = run(capsys, "merge", "--db", url, demo.packages[0], "--trust", demo.trust)
        assert code == 1 and "khong_co" in err and "***" in err
        assert secret not in out + err
        code, out, err = run(capsys, "merge", "--db", url, demo.packages[0], "--trust", demo.trust, "--json")  # fmt: skip
        assert code == 1 and secret not in out + err and '"db_unreachable"' in out + err
    assert not any(tmp_path.iterdir())  # no file named after the URL was made or removed


def test_merge_and_export_ranking_into_postgresql_as_into_sqlite(
    pg_url: str, tmp_path: Path, demo, capsys
) -> None:
    lite = tmp_path / "c.sqlite"
    for db in (lite, pg_url):
        code, _out, _err = run(
            capsys, "merge", "--db", db, demo.packages[0].parent, "--trust", demo.trust,
            "--units", demo.units_json, "--workers", 0,
        )  # fmt: skip
        assert code == 0
    assert dump(open_collector(pg_url)) == dump(open_collector(lite))
    tables = []
    for i, db in enumerate((lite, pg_url)):
        out_csv = tmp_path / f"bang-{i}.csv"
        code, out, _err = run(capsys, "export", "ranking", "--db", db, "--year", 2025, "-o", out_csv)  # fmt: skip
        assert code == 0 and "40" in out
        tables.append(out_csv.read_text(encoding="utf-8-sig"))
    assert tables[0] == tables[1] and tables[0].count("\n") == 41
    reports = []
    for i, db in enumerate((lite, pg_url)):
        report = tmp_path / f"tinh-trang-{i}.csv"
        code, out, _err = run(capsys, "export", "completeness", "--db", db, "--year", 2025, "-o", report)  # fmt: skip
        assert code == 0 and "40 đã nộp hợp lệ" in out
        reports.append(report.read_text(encoding="utf-8-sig"))
    assert reports[0] == reports[1]
    code, out, _err = run(capsys, "merge", "--db", pg_url, *demo.packages[:5], "--trust", demo.trust)  # fmt: skip
    assert code == 0 and "5 trùng" in out  # again: idempotent


def _inboxes(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Two inboxes sharing a third of their packages (under other names in the second)."""
    demo = write_demo(tmp_path / "demo", units=150, seed=7, evidence=0)
    files = sorted(demo.packages)
    a, b = tmp_path / "hop-thu-a", tmp_path / "hop-thu-b"
    a.mkdir()
    b.mkdir()
    for path in files[:100]:
        shutil.copy(path, a / path.name)
    for path in files[50:]:
        shutil.copy(path, b / f"ban-sao-{path.name}")
    return a, b, demo.trust


def _merge_process(db: str, inbox: Path, trust: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "desktop.cli", "merge", "--db", db, str(inbox), "--trust",
         str(trust), "--workers", "0", "--json"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def test_two_merges_at_once_end_as_one_after_the_other(pg_cluster: Cluster, tmp_path: Path) -> None:
    a, b, trust = _inboxes(tmp_path)
    together, one_by_one = pg_cluster.new_database(), pg_cluster.new_database()
    # no schema yet: the two processes race to create it too
    running = [_merge_process(together, a, trust), _merge_process(together, b, trust)]
    for proc in running:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    for inbox in (a, b):
        proc = _merge_process(one_by_one, inbox, trust)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    got, want = dump(open_collector(together)), dump(open_collector(one_by_one))
    assert len(want["submissions"]) == 150 and len(want["received_files"]) == 150
    assert got == want


def test_a_machine_without_postgresql_fails_the_cluster_not_skips_it(monkeypatch) -> None:
    """``make test`` installs PostgreSQL; without it the fixture raises (CI goes red), naming
    the fix, instead of skipping the PostgreSQL half of the tests in silence."""
    import tests.local_db.pg_cluster as pg_cluster

    monkeypatch.setattr(pg_cluster.glob, "glob", lambda _pattern: [])
    monkeypatch.setattr(pg_cluster.shutil, "which", lambda _name: None)
    with pytest.raises(pg_cluster.PostgresMissing, match="make sysdeps"):
        pg_cluster.Cluster()
