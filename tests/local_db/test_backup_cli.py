"""Backup and restore round trip, integrity verdicts, and the `db` / `units` commands."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from desktop.cli import main
from local_db import StorageError, answers, assessments, backup, evidence, open_database
from tests.forms.sample_sets import tiny_set

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "units"
PDF = b"%PDF-1.4\n%%EOF\n"


def _draft(data_dir: Path, count: int) -> int:
    with open_database(data_dir) as db:
        draft = assessments.create(db, "08101", 2025, tiny_set())
        answers.set_value(db, draft.id, "1.1", "count", count)
        assert draft.id is not None
        return draft.id


def _count(data_dir: Path, assessment_id: int) -> object:
    with open_database(data_dir) as db:
        return answers.get_all(db, assessment_id)["1.1"]["count"]


def test_backup_and_restore_round_trip(data_dir: Path, tmp_path: Path) -> None:
    assessment_id = _draft(data_dir, 2)
    saved = backup.make_backup(data_dir)
    with open_database(data_dir) as db:
        answers.set_value(db, assessment_id, "1.1", "count", 4)
    kept = backup.restore(data_dir, saved)
    assert _count(data_dir, assessment_id) == 2
    assert kept is not None and kept.name.startswith("pre-restore-")
    # the database replaced by the restore is itself restorable
    backup.restore(data_dir, kept)
    assert _count(data_dir, assessment_id) == 4


def test_restore_refuses_bad_sources_and_changes_nothing(data_dir: Path, tmp_path: Path) -> None:
    assessment_id = _draft(data_dir, 3)
    garbage = tmp_path / "hỏng.sqlite"
    garbage.write_bytes(b"not a database" * 100)
    with pytest.raises(StorageError, match="hỏng.sqlite bị hỏng"):
        backup.restore(data_dir, garbage)
    foreign = tmp_path / "khác.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE t(x)")
    conn.commit()
    conn.close()
    with pytest.raises(StorageError, match="không phải cơ sở dữ liệu của dti-desk"):
        backup.restore(data_dir, foreign)
    with pytest.raises(StorageError, match="Không tìm thấy tệp sao lưu"):
        backup.restore(data_dir, tmp_path / "không có.sqlite")
    assert _count(data_dir, assessment_id) == 3


def test_restore_over_a_damaged_database_moves_it_aside(data_dir: Path) -> None:
    assessment_id = _draft(data_dir, 1)
    good = backup.make_backup(data_dir)
    path = data_dir / "dti-desk.sqlite"
    path.write_bytes(b"\x00" * 8192)  # wiped by a disk fault
    kept = backup.restore(data_dir, good)
    assert (
        kept is not None
        and kept.name.startswith("damaged-")
        and kept.read_bytes() == b"\x00" * 8192
    )
    assert _count(data_dir, assessment_id) == 1


def test_a_damaged_databases_side_files_go_aside_with_it(data_dir: Path) -> None:
    """Regression (issue 14): the list of side files here lacked ``-journal`` (the one in
    ``local_db.paths`` has it), so a damaged database's hot journal stayed beside the restored
    one (a stale file beside it, or worse one SQLite would roll back into it)."""
    assessment_id = _draft(data_dir, 1)
    good = backup.make_backup(data_dir)
    path = data_dir / "dti-desk.sqlite"
    path.write_bytes(b"\x00" * 8192)
    Path(f"{path}-journal").write_bytes(b"\x00" * 512 + b"left by the fault")
    kept = backup.restore(data_dir, good)
    assert kept is not None and Path(f"{kept}-journal").read_bytes().endswith(b"by the fault")
    assert not Path(f"{path}-journal").exists()
    assert _count(data_dir, assessment_id) == 1


def test_check_reports_a_missing_evidence_file(data_dir: Path, tmp_path: Path) -> None:
    assessment_id = _draft(data_dir, 1)
    source = tmp_path / "qd.pdf"
    source.write_bytes(PDF)
    with open_database(data_dir) as db:
        path = evidence.open_path(db, evidence.attach(db, assessment_id, "1.1", source).id)
    assert backup.check(data_dir).ok
    path.unlink()
    report = backup.check(data_dir)
    assert not report.ok and [p.code for p in report.problems] == ["evidence.missing"]


def test_db_commands(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(data_dir)]
    assert main([*base, "db", "check"]) == 1
    assert "Chưa có cơ sở dữ liệu" in capsys.readouterr().out
    assessment_id = _draft(data_dir, 2)
    assert main([*base, "db", "check"]) == 0
    assert "Cơ sở dữ liệu tốt" in capsys.readouterr().out
    target = tmp_path / "sao lưu.sqlite"
    assert main([*base, "db", "backup", "--to", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    with open_database(data_dir) as db:
        answers.set_value(db, assessment_id, "1.1", "count", 4)
        # restoring while the app has the folder open is refused
        assert main([*base, "db", "restore", str(target)]) == 1
        assert "đang được một cửa sổ dti-desk khác sử dụng" in capsys.readouterr().err
    assert main([*base, "db", "restore", str(target)]) == 0
    assert _count(data_dir, assessment_id) == 2
    assert main([*base, "db", "restore", str(tmp_path / "không có.sqlite")]) == 1
    assert "Không tìm thấy tệp sao lưu" in capsys.readouterr().err


def test_units_commands(data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["--data-dir", str(data_dir)]
    assert main([*base, "units", "import", str(SAMPLES / "phu_tho_sample.xlsx")]) == 0
    assert "thêm 43" in capsys.readouterr().out
    assert main([*base, "units", "list", "--search", "hoa binh"]) == 0
    assert capsys.readouterr().out.splitlines() == ["08231\tPhường Hòa Bình\tphường\tKhu vực 7"]
    bad = tmp_path / "lỗi.csv"
    bad.write_text("Mã,Tên,Loại\n1,Xã Một,huyện\n", encoding="utf-8")
    assert main([*base, "units", "import", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "lỗi.csv, dòng 2" in err and "Không nhập đơn vị nào" in err
    assert main(["--lang", "en", *base, "units", "import", str(bad)]) == 1
    assert "lỗi.csv, row 2" in capsys.readouterr().err


def test_restoring_an_old_schema_backup_upgrades_at_the_next_open(data_dir: Path) -> None:
    fixture = Path(__file__).with_name("fixtures") / "schema_v1.sqlite"
    _draft(data_dir, 4)
    backup.restore(data_dir, fixture)
    with open_database(data_dir) as db:
        assert answers.get_all(db, 1)["1.1"] == {"count": 3}  # the fixture's data
    assert backup.backups(data_dir, "pre-migration")  # upgraded after a backup


def test_evidence_of_the_replaced_database_survives_a_restore(
    data_dir: Path, tmp_path: Path
) -> None:
    assessment_id = _draft(data_dir, 1)
    older = backup.make_backup(data_dir)  # before the file was attached
    source = tmp_path / "qd.pdf"
    source.write_bytes(PDF)
    with open_database(data_dir) as db:
        link = evidence.attach(db, assessment_id, "1.1", source)
    kept = backup.restore(data_dir, older)
    with open_database(data_dir) as db:  # the file is unknown to this database, but kept
        assert evidence.list(db, assessment_id) == []
    assert kept is not None
    backup.restore(data_dir, kept)  # the officer changes their mind
    with open_database(data_dir) as db:
        assert evidence.open_path(db, link.id).read_bytes() == PDF
