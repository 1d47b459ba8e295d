"""`dti-desk merge`, `export ranking|completeness|bundle`, `results import` end to end."""

from __future__ import annotations

import json

import openpyxl
import pytest

from desktop.cli import main
from forms.packages import keys
from forms.packages.demo import write_demo
from forms.packages.trust import ROLE_BUNDLE, TrustRegistry
from forms.results_check import check_workbook


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    result = write_demo(out / "packages", units=40, seed=3, evidence=1)
    return result


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_merge_export_and_check(tmp_path, demo, capsys):
    db = tmp_path / "c.sqlite"
    code, out, _err = run(
        capsys,
        "merge",
        "--db",
        db,
        demo.packages[0].parent,
        "--trust",
        demo.trust,
        "--units",
        demo.units_json,
        "--json",
    )
    assert code == 0
    assert json.loads(out) == {
        "ok": True,  # as an error's JSON says "ok": false
        "files": 40,
        "accepted": 40,
        "duplicates": 0,
        "superseded": 0,
        "conflicts": 0,
        "rejected": [],
        "bundles": 0,
        "bundles_rejected": [],
        "verified_in_workers": 0,  # 40 new packages: too few to start worker processes
    }
    code, out, _err = run(
        capsys, "merge", "--db", db, *demo.packages[:5], "--trust", demo.trust, "--json"
    )
    assert code == 0 and json.loads(out)["duplicates"] == 5

    xlsx = tmp_path / "bang.xlsx"
    code, out, _err = run(capsys, "export", "ranking", "--db", db, "--year", 2025, "-o", xlsx)
    assert code == 0 and "40" in out
    result = check_workbook(xlsx)
    assert result.errors == [] and result.rows == 40
    ws = openpyxl.load_workbook(xlsx).active
    header = [c.value for c in ws[3]]  # the default (overall) layout: no group column
    assert header[:2] == ["STT", "Tên đơn vị"] and header[-2:] == [
        "Tổng điểm năm 2025",
        "Xếp loại",
    ]
    assert len(header) == 2 + 7 + 2  # the reference set's seven pillars

    csv_path = tmp_path / "bang.csv"
    assert run(capsys, "export", "ranking", "--db", db, "--year", 2025, "-o", csv_path)[0] == 0
    assert csv_path.read_text(encoding="utf-8-sig").count("\n") == 41

    report = tmp_path / "tinh-trang.csv"
    code, out, _err = run(
        capsys, "export", "completeness", "--db", db, "--year", 2025, "-o", report
    )
    assert code == 0 and "40 đã nộp hợp lệ" in out


def test_untrusted_packages_are_rejected_with_reasons(tmp_path, demo, capsys):
    empty = tmp_path / "trust.json"
    TrustRegistry().save(empty)
    code, out, err = run(
        capsys, "merge", "--db", tmp_path / "c.sqlite", *demo.packages[:3], "--trust", empty
    )
    assert code == 1 and "3 bị từ chối" in out
    assert err.count("Người ký không xác định") == 3
    code, _out, err = run(
        capsys,
        "export",
        "ranking",
        "--db",
        tmp_path / "c.sqlite",
        "--year",
        2025,
        "-o",
        tmp_path / "x.xlsx",
    )
    assert code == 1 and "Chưa có bài nộp hợp lệ nào cho năm 2025" in err
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["export", "ranking", "--db", "{tmp}/c.sqlite", "--year", "2025", "-o", "{tmp}/x.pdf"],
            "phải có đuôi",
        ),
        (
            ["export", "ranking", "--db", "{tmp}", "--year", "2025", "-o", "{tmp}/x.xlsx"],
            "là thư mục",
        ),
        (
            [
                "export",
                "ranking",
                "--db",
                "{tmp}/nowhere/c.sqlite",
                "--year",
                "2025",
                "-o",
                "{tmp}/x.xlsx",
            ],
            "Không có thư mục",
        ),
        (
            ["merge", "--db", "{tmp}/c.sqlite", "{tmp}", "--trust", "{tmp}/none.json"],
            "Không tìm thấy danh sách tin cậy",
        ),
        (
            ["merge", "--db", "{tmp}/junk.sqlite", "{tmp}", "--trust", "{trust}"],
            "Không mở được cơ sở dữ liệu",
        ),
        (
            ["merge", "--db", "{tmp}/c.sqlite", "{tmp}", "--trust", "{trust}", "--workers", "-1"],
            "--workers phải là số không âm",
        ),
    ],
)
def test_bad_input_gives_a_message_not_a_traceback(tmp_path, demo, capsys, argv, message):
    (tmp_path / "junk.sqlite").write_bytes(b"this is not sqlite" * 100)
    args = [a.format(tmp=tmp_path, trust=demo.trust) for a in argv]
    code, _out, err = run(capsys, *args)
    assert code == 1 and message in err and "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["junk.sqlite"]  # nothing half-written


def test_bundle_export_and_results_import(tmp_path, collector_target, demo, capsys, monkeypatch):
    """On either engine (a bundle exported from PostgreSQL merges into SQLite)."""
    db = collector_target
    run(
        capsys,
        "merge",
        "--db",
        db,
        *demo.packages,
        "--trust",
        demo.trust,
        "--units",
        demo.units_json,
    )
    keys.create_key(tmp_path / "keys", "mật khẩu", "Cụm 1")
    monkeypatch.setenv("DTI_PASSPHRASE", "mật khẩu")
    bundle = tmp_path / "cum.dtibundle"
    code, out, err = run(
        capsys,
        "export",
        "bundle",
        "--db",
        db,
        "--year",
        2025,
        "-o",
        bundle,
        "--name",
        "Cụm 1",
        "--key-dir",
        tmp_path / "keys",
    )
    assert code == 0, err
    trust = TrustRegistry.load(demo.trust)
    trust.add_key(
        "cum-1", keys.load_public(tmp_path / "keys").public_key, "Cụm 1", roles=(ROLE_BUNDLE,)
    )
    trust.save(tmp_path / "trust.json")
    code, out, _err = run(
        capsys,
        "merge",
        "--db",
        tmp_path / "p.sqlite",
        bundle,
        "--trust",
        tmp_path / "trust.json",
        "--json",
    )
    assert code == 0 and json.loads(out)["accepted"] == 40

    # last year's published table, then this year's ranking shows the change per unit
    table = tmp_path / "2024.xlsx"
    assert run(capsys, "export", "ranking", "--db", db, "--year", 2025, "-o", table)[0] == 0
    code, out, _err = run(capsys, "results", "import", table, "--year", 2024, "--db", db)
    assert code == 0 and "40 dòng khớp" in out
    from forms.reference import reference_set
    from local_db.collector import open_collector
    from local_db.collector.reports import ranking_for_year

    ranking = ranking_for_year(open_collector(db), 2025, [reference_set()])
    assert all(
        r.rank_change == 0 and r.points_change == 0 for r in ranking.rows if r.rank is not None
    )

    monkeypatch.setenv("DTI_PASSPHRASE", "sai")
    code, _out, err = run(
        capsys,
        "export",
        "bundle",
        "--db",
        db,
        "--year",
        2025,
        "-o",
        tmp_path / "x.dtibundle",
        "--name",
        "Cụm 1",
        "--key-dir",
        tmp_path / "keys",
    )
    assert code == 1 and "Không mở được khóa ký" in err and not (tmp_path / "x.dtibundle").exists()


def test_a_published_table_matches_names_whatever_vowel_carries_the_tone(tmp_path):
    """Last year's table says "Phường Hoà Bình" (new-style tone placement), the units list
    "Phường Hòa Bình": the same unit."""
    from forms.results_table import read_tables
    from local_db.collector import open_collector
    from local_db.collector.published import import_published
    from local_db.collector.reports import set_units
    from tests.forms.results_workbooks import real_table, write

    table = real_table("departments")
    table.unit(1).name = "Phường Hoà Bình"
    table.unit(2).name = "Xã Thuỷ Khê"
    conn = open_collector(tmp_path / "c.sqlite")
    try:
        set_units(
            conn, [("001", "Phường Hòa Bình", "phường", ""), ("002", "Xã Thủy Khê", "xã", "")]
        )
        imported = import_published(conn, 2024, read_tables(write(tmp_path / "2024.xlsx", table)))
        assert imported.matched == 2
        codes = {name: code for code, name in conn.execute(
            "SELECT unit_code, name FROM published_results WHERE year = 2024 AND unit_code != ''"
        )}  # fmt: skip
        assert codes == {"Phường Hoà Bình": "001", "Xã Thuỷ Khê": "002"}
    finally:
        conn.close()


def test_the_demo_units_files_are_accepted_by_units_import_and_merge(tmp_path, capsys):
    """Regression (issue 14): both refused the demo's units.csv ("Thiếu cột Loại")."""
    from forms.packages.demo import write_demo

    demo = write_demo(tmp_path / "demo", units=4, seed=2, year=2025)
    for units_file in (demo.units_csv, demo.units_json):
        db = tmp_path / f"collector-{units_file.suffix[1:]}.sqlite"
        code, out, err = run(
            capsys, "merge", "--db", db, *demo.packages, "--trust", demo.trust,
            "--units", units_file, "--json",
        )  # fmt: skip
        assert code == 0, err
        assert json.loads(out)["accepted"] == 4
    code, out, err = run(
        capsys, "--data-dir", tmp_path / "commune", "units", "import", demo.units_csv
    )
    assert code == 0, err
    assert "thêm 4" in out


def test_bundle_export_without_a_key_says_how_to_make_one_before_any_passphrase(
    tmp_path, capsys, monkeypatch
):
    """Regression (issue 14): with no key it asked for the passphrase first (or said to set
    DTI_PASSPHRASE), and only then that there was no key."""
    monkeypatch.delenv("DTI_PASSPHRASE", raising=False)
    db = tmp_path / "c.sqlite"
    code, _out, err = run(
        capsys, "export", "bundle", "--db", db, "--year", 2025, "-o", tmp_path / "x.dtibundle",
        "--name", "Cụm 1", "--key-dir", tmp_path / "không có khóa",
    )  # fmt: skip
    assert code == 1
    assert "Chưa có khóa ký" in err and "dti-desk keys create" in err
    assert "DTI_PASSPHRASE" not in err and "Traceback" not in err
    assert not (tmp_path / "x.dtibundle").exists()
