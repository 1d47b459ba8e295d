"""`dti-desk db check|backup --db postgresql://…` against the throwaway cluster: the check's
counts and integrity findings, a backup restored by pg_restore into a fresh database gives the
same rows, pg_dump missing or failing is a reason code and leaves no file behind, and the
password reaches pg_dump only through its environment."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import psycopg
import pytest

from desktop.cli import main
from forms.packages.demo import write_demo
from forms.packages.trust import TrustRegistry
from forms.reference import reference_sets
from local_db.collector import CollectorStore, pg_admin
from local_db.collector.schema import SCHEMA_VERSION, dump


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return write_demo(tmp_path_factory.mktemp("demo") / "packages", units=5, seed=9, evidence=0)


@pytest.fixture
def populated(pg_url: str, demo) -> str:
    with CollectorStore(pg_url) as store:
        store.import_units_file(demo.units_json)
        store.merge(demo.packages, TrustRegistry.load(demo.trust), reference_sets())
    return pg_url


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_check_counts_and_json(populated: str, capsys) -> None:
    code, out, _err = run(capsys, "db", "check", "--db", populated, "--json")
    body = json.loads(out)
    assert code == 0 and body["ok"] is True and body["version"] == SCHEMA_VERSION
    assert body["counts"]["submissions"] == 5 and body["counts"]["units"] == 5
    assert body["problems"] == []
    code, out, _err = run(capsys, "db", "check", "--db", populated)
    assert code == 0 and "Cơ sở dữ liệu tốt" in out and "submissions: 5" in out


def test_check_finds_orphans_and_a_newer_schema(populated: str, capsys) -> None:
    with psycopg.connect(populated, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO decisions VALUES ('99999', 2025, %s, '2026-01-01', '')", ("ab" * 32,)
        )
    code, out, _err = run(capsys, "db", "check", "--db", populated, "--json")
    body = json.loads(out)
    assert code == 1 and not body["ok"]
    assert [p["code"] for p in body["problems"]] == ["orphan.decision_submission"]
    with psycopg.connect(populated, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '7' WHERE key = 'schema_version'")
    code, out, _err = run(capsys, "db", "check", "--db", populated, "--json")
    assert code == 1 and json.loads(out)["problems"][0]["code"] == "db.newer"


def test_check_of_a_database_that_is_not_ours(pg_url: str, capsys) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE other (x int)")
    code, out, _err = run(capsys, "db", "check", "--db", pg_url, "--json")
    assert code == 1 and json.loads(out)["problems"][0]["code"] == "db.not_collector"
    with psycopg.connect(pg_url, autocommit=True) as conn:  # and nothing was created there
        assert conn.execute("SELECT to_regclass('meta')").fetchone()[0] is None


def test_check_unreachable_says_so_without_the_password(tmp_path: Path, capsys) -> None:
    url = f"postgresql://postgres:hemlig@/x?host={tmp_path}&port=5999"
    code, out, err = run(capsys, "db", "check", "--db", url, "--json")
    assert code == 1 and json.loads(out)["code"] == "db_unreachable"
    assert "hemlig" not in out + err


def test_backup_restores_to_the_same_rows(populated: str, pg_cluster, tmp_path: Path, capsys):
    out_file = tmp_path / "sao-luu.dump"
    code, out, _err = run(capsys, "db", "backup", "--db", populated, "-o", out_file)
    assert code == 0 and out_file.is_file() and str(out_file) in out
    assert out_file.stat().st_mode & 0o077 == 0  # private: it holds every submission
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    fresh = pg_cluster.new_database()
    restore = pg_admin.find_pg_dump().with_name("pg_restore")  # type: ignore[union-attr]
    done = subprocess.run(
        [str(restore), "--no-owner", f"--dbname={fresh}", str(out_file)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with CollectorStore(populated) as a, CollectorStore(fresh) as b:
        original, restored = dump(a.conn), dump(b.conn)
    assert restored == original and len(restored["submissions"]) == 5
    code, out, _err = run(capsys, "db", "check", "--db", fresh, "--json")
    assert code == 0 and json.loads(out)["counts"]["submissions"] == 5


def test_pg_dump_missing(populated: str, tmp_path: Path, monkeypatch, capsys) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(pg_admin, "BIN_DIRS", str(tmp_path / "no-postgresql" / "*" / "bin"))
    target = tmp_path / "x.dump"
    code, _out, err = run(capsys, "db", "backup", "--db", populated, "-o", target)
    assert code == 1 and "Không tìm thấy chương trình pg_dump" in err
    assert not target.exists()
    with pytest.raises(pg_admin.PgAdminError) as caught:
        pg_admin.backup(populated, target)
    assert caught.value.code == "pg_dump_missing"


FAKE_PG_DUMP = """#!/bin/sh
printf '%s\\n' "$@" > "{record}.argv"
printf '%s' "$PGPASSWORD" > "{record}.env"
printf 'PGDMP half a dump'
echo "pg_dump: error: aborting because of server version mismatch" >&2
exit 1
"""


def test_pg_dump_failing_leaves_nothing_and_never_sees_the_password_in_argv(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "record"
    fake = bin_dir / "pg_dump"
    fake.write_text(FAKE_PG_DUMP.format(record=record), encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    target = tmp_path / "out" / "c.dump"
    target.parent.mkdir()
    url = "postgresql://tinh:b%C3%AD-m%E1%BA%ADt@db.example/dti?password=b%C3%AD-m%E1%BA%ADt"
    code, out, err = run(capsys, "db", "backup", "--db", url, "-o", target)
    assert code == 1 and "version mismatch" in err and "bí-mật" not in out + err
    assert list(target.parent.iterdir()) == []  # neither the dump nor its temporary file
    argv = Path(f"{record}.argv").read_text(encoding="utf-8")
    assert "--format=custom" in argv and "bí" not in argv and "%C3%AD" not in argv
    assert Path(f"{record}.env").read_text(encoding="utf-8") == "bí-mật"
    with pytest.raises(pg_admin.PgAdminError) as caught:
        pg_admin.backup(url, target)
    assert caught.value.code == "pg_dump_failed"


def test_sqlite_check_has_the_same_json_form(tmp_path: Path, capsys) -> None:
    from local_db.database import open_database

    open_database(tmp_path / "data").close()
    code, out, _err = run(capsys, "--data-dir", tmp_path / "data", "db", "check", "--json")
    body = json.loads(out)
    assert code == 0 and set(body) == {"ok", "database", "version", "counts", "problems"}
    assert body["ok"] is True and "units" in body["counts"]
