"""`dti-desk schema check / compile / show`."""

from __future__ import annotations

import json

import openpyxl

from desktop.cli import main
from forms.criteria_json import load_json
from forms.criteria_xlsx import dump_xlsx
from forms.reference import reference_set, reference_xlsx_path

from .sample_sets import tiny_set


def _broken_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    dump_xlsx(tiny_set(), path)
    wb = openpyxl.load_workbook(path)
    wb["Chỉ tiêu"]["C2"] = "=10+10"
    wb["Chỉ tiêu"]["A3"] = "1.1"
    del wb["Xếp loại"]
    wb.save(path)
    return path


def test_check_a_good_set(capsys):
    assert main(["schema", "check", str(reference_xlsx_path())]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("Hợp lệ: dti-xa-2025-reference 2025")


def test_check_lists_every_problem(tmp_path, capsys):
    assert main(["schema", "check", str(_broken_workbook(tmp_path))]) == 1
    out = capsys.readouterr().out
    assert "Chỉ tiêu!C2: Ô chứa công thức" in out
    assert "Chỉ tiêu!A3: Mã chỉ tiêu 1.1 bị trùng" in out
    assert "Xếp loại: Thiếu trang tính “Xếp loại”." in out


def test_check_json_output(tmp_path, capsys):
    assert main(["schema", "check", "--json", str(_broken_workbook(tmp_path))]) == 1
    payload = json.loads(capsys.readouterr().out)
    assert {"formula", "duplicate_code", "missing_sheet"} <= {
        p["code"] for p in payload["problems"]
    }
    assert main(["schema", "check", "--json", str(reference_xlsx_path())]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["problems"] == [] and payload["content_hash"] == reference_set().content_hash


def test_check_a_missing_file(tmp_path, capsys):
    assert main(["schema", "check", str(tmp_path / "none.xlsx")]) == 1
    assert "Không tìm thấy tệp" in capsys.readouterr().out


def test_compile_writes_the_json(tmp_path, capsys):
    out = tmp_path / "set.json"
    assert main(["schema", "compile", str(reference_xlsx_path()), "-o", str(out)]) == 0
    assert load_json(out).content_hash == reference_set().content_hash
    assert "Đã ghi" in capsys.readouterr().out


def test_compile_refuses_a_broken_set(tmp_path, capsys):
    out = tmp_path / "set.json"
    assert main(["schema", "compile", str(_broken_workbook(tmp_path)), "-o", str(out)]) == 1
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.xlsx"]
    assert "không ghi" in capsys.readouterr().err


def test_compile_usage_errors(tmp_path, capsys):
    assert (
        main(["schema", "compile", str(reference_xlsx_path()), "-o", str(tmp_path / "set.txt")])
        == 2
    )
    assert (
        main(
            ["schema", "compile", str(reference_xlsx_path()), "-o", str(tmp_path / "no" / "x.json")]
        )
        == 1
    )
    assert list(tmp_path.iterdir()) == []


def test_compile_json_back_to_a_workbook(tmp_path):
    out = tmp_path / "again.xlsx"
    src = tmp_path / "set.json"
    assert main(["schema", "compile", str(reference_xlsx_path()), "-o", str(src)]) == 0
    assert main(["schema", "compile", str(src), "-o", str(out)]) == 0
    assert main(["schema", "check", str(out)]) == 0


def test_show_prints_the_tree(capsys):
    assert main(["schema", "show"]) == 0
    out = capsys.readouterr().out
    assert "1. Nhận thức số — 80 điểm" in out
    assert "    1.1 Người đứng đầu Ban Chỉ đạo chuyển đổi số của xã — 15 điểm [lựa chọn]" in out
    assert "        2.7.1 " in out  # sub-indicators indented under their parent
    assert "THAM KHẢO" in out


def test_show_with_rules_and_a_broken_file(tmp_path, capsys):
    assert main(["schema", "show", "--rules", str(reference_xlsx_path())]) == 0
    assert "↳ 4 cuộc họp trở lên: 20 điểm" in capsys.readouterr().out
    assert main(["schema", "show", str(_broken_workbook(tmp_path))]) == 1


def test_hole12b_a_hidden_sheet_is_shown_as_a_warning_and_does_not_block(tmp_path, capsys):
    """A warning (a hidden sheet) counted as an error: `compile` refused a set that loads."""
    path = tmp_path / "hidden.xlsx"
    dump_xlsx(tiny_set(), path)
    wb = openpyxl.load_workbook(path)
    wb.create_sheet("Ghi chú").sheet_state = "hidden"
    wb.save(path)
    assert main(["schema", "check", str(path)]) == 0
    captured = capsys.readouterr()
    assert "Ghi chú" in captured.out and "1 cảnh báo" in captured.err
    out = tmp_path / "set.json"
    assert main(["schema", "compile", str(path), "-o", str(out)]) == 0
    assert load_json(out) == tiny_set()
    capsys.readouterr()
    assert main(["schema", "check", "--json", str(path)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [p["code"] for p in payload["problems"]] == ["hidden_sheet"]
    assert payload["set_id"] == tiny_set().set_id
