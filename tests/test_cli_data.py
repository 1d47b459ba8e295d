"""`dti-desk data build|show|import` (issue 16), run as the officer runs them: a values sheet
with bad rows names each cell and signs nothing; a good one makes a file that `show` reads and
a commune imports into its draft."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from desktop.cli import main
from forms.criteria_json import dump_json
from forms.packages import keys
from forms.packages.trust import ANY_UNIT, ROLE_PROVINCE_DATA, TrustRegistry
from local_db import answers, assessments, open_database
from local_db.paths import REVIEWERS_FILE
from tests.province_data_helpers import supplied_set

CS = supplied_set()
HEADER = ["Mã đơn vị", "Chỉ số", "Trường", "Giá trị", "Nguồn"]


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def sheet(path: Path, rows: list[list]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Giá trị"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def province(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("DTI_PASSPHRASE", "mật khẩu tỉnh")
    folder = tmp_path / "province-keys"
    keys.create_key(folder, "mật khẩu tỉnh", "Sở KH&CN")
    dump_json(CS, tmp_path / "set.json")
    return folder


def build(capsys, tmp_path, key_dir, rows) -> tuple[int, str, str]:
    values = sheet(tmp_path / "values.xlsx", rows)
    return run(
        capsys, "data", "build", "--set", tmp_path / "set.json", "--values", values,
        "-o", tmp_path / "out.dtidata", "--issuer", "Sở KH&CN", "--key-dir", key_dir,
    )  # fmt: skip


def test_bad_rows_are_named_and_nothing_is_signed(capsys, tmp_path, province):
    rows = [
        ["08001", "1.2", "b", 8, ""],
        ["08001", "9.9", "b", 1, ""],
        ["08002", "1.2", "a", 1, ""],
        ["08003", "1.2", "b", "nhiều", ""],
        ["08001", "1.2", "b", 9, ""],
        ["", "1.2", "b", 1, ""],
        ["08004", "1.2", "b", -2, ""],
    ]
    code, _out, err = build(capsys, tmp_path, province, rows)
    assert code == 1
    for cell, reason in [
        ("Giá trị!B3", "unknown_indicator"),
        ("Giá trị!C4", "not_supplied_field"),
        ("Giá trị!D5", "value_invalid"),
        ("Giá trị!A6", "duplicate_row"),
        ("Giá trị!A7", "missing"),
    ]:
        assert f"[{reason}] {cell}" in err, err
    assert not (tmp_path / "out.dtidata").exists()
    # -2 passes the sheet but not the field's own check: refused when signing, naming the unit
    code, _out, err = build(capsys, tmp_path, province, [["08004", "1.2", "b", -2, ""]])
    assert code == 1 and "[value_invalid]" in err and "08004" in err
    assert not (tmp_path / "out.dtidata").exists()


def test_missing_column(capsys, tmp_path, province):
    values = tmp_path / "values.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Mã đơn vị", "Chỉ số", "Giá trị"])
    wb.save(values)
    code, _out, err = run(capsys, "data", "build", "--set", tmp_path / "set.json", "--values", values, "-o", tmp_path / "o.dtidata", "--issuer", "S", "--key-dir", province)  # fmt: skip
    assert code == 1 and "[missing_column]" in err and "Trường" in err


def test_build_show_import(capsys, tmp_path, province):
    code, out, err = build(
        capsys, tmp_path, province, [["08001", "1.2", "b", 8, "Hệ thống iOffice"]]
    )
    assert code == 0, err
    target = tmp_path / "out.dtidata"
    public = keys.load_public(province)
    trust = TrustRegistry()
    trust.add_key(ANY_UNIT, public.public_key, roles=(ROLE_PROVINCE_DATA,))
    commune = tmp_path / "commune"
    with open_database(commune) as db:
        draft = assessments.create(db, "08001", 2025, CS)
    trust.save(commune / REVIEWERS_FILE)

    code, out, err = run(capsys, "--data-dir", commune, "data", "show", target, "--criteria", tmp_path / "set.json", "--json")  # fmt: skip
    shown = json.loads(out)
    assert code == 0 and shown["ok"], shown
    assert shown["units"] == {"08001": {"1.2/b": {"value": 8, "source": "Hệ thống iOffice"}}}

    code, out, err = run(capsys, "--data-dir", commune, "data", "import", target)
    assert code == 0, err
    assert "Sở KH&CN" in out
    with open_database(commune) as db:
        assert answers.get_all(db, draft.id)["1.2"] == {"b": 8}

    # a commune that does not trust the key refuses the file
    TrustRegistry().save(commune / REVIEWERS_FILE)
    code, _out, err = run(capsys, "--data-dir", commune, "data", "import", target)
    assert code == 1 and "[province_key_unknown]" in err
