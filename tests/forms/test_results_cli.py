"""`dti-desk results check`: exit codes, the --json object, the Vietnamese report, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from desktop.cli import main
from tests.forms.results_workbooks import real_table, write


def _run(capsys, *args):
    code = main(["results", "check", *map(str, args)])
    out, err = capsys.readouterr()
    return code, out, err


def _json(capsys, *args):
    code, out, err = _run(capsys, *args, "--json")
    return code, json.loads(out), err


def test_json_clean_table(tmp_path, capsys):
    code, data, err = _json(capsys, write(tmp_path / "pl3.xlsx", real_table("districts")))
    assert (code, data, err) == (0, {"rows": 13, "findings": []}, "")


def test_json_with_notes_only_exits_0(tmp_path, capsys):
    code, data, _err = _json(capsys, write(tmp_path / "pl2.xlsx", real_table("departments")))
    assert code == 0 and data["rows"] == 28
    assert data["findings"] == [
        {
            "stt": 21,
            "unit": "Sở Tư pháp",
            "kind": "total_rounding",
            "severity": "note",
            "message": data["findings"][0]["message"],
        }
    ]
    assert "'Phụ lục 3'!H25" in data["findings"][0]["message"]


def test_json_with_errors_exits_1(tmp_path, capsys):
    table = real_table("departments")
    table.unit(5).total = "829,9"
    table.unit(9).cls = "Khá"
    insurance = table.unit(7)
    insurance.stt, insurance.total = None, "-"
    code, data, _err = _json(capsys, write(tmp_path / "e.xlsx", table))
    assert code == 1
    assert [(f["stt"], f["kind"], f["severity"]) for f in data["findings"]] == [
        (5, "total_mismatch", "error"),
        (None, "bad_value", "error"),
        (9, "classification_mismatch", "error"),
        (21, "total_rounding", "note"),
    ]
    assert all(set(f) == {"stt", "unit", "kind", "severity", "message"} for f in data["findings"])
    assert data["findings"][1]["unit"] == "Bảo hiểm xã hội tỉnh"


def test_report_is_vietnamese(tmp_path, capsys):
    table = real_table("departments")
    table.unit(5).total = "829,9"
    code, out, err = _run(capsys, write(tmp_path / "e.xlsx", table))
    assert code == 1 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("[LỖI] STT 5 · Sở Tài chính: Tổng điểm 829,9 (ô 'Phụ lục 3'!H9)")
    assert lines[1].startswith("[ghi chú] STT 21 · Sở Tư pháp:")
    assert lines[-1] == "Đã đọc 28 đơn vị: 1 lỗi, 1 ghi chú."


def test_report_clean(tmp_path, capsys):
    code, out, _err = _run(capsys, write(tmp_path / "pl3.xlsx", real_table("districts")))
    assert (code, out) == (0, "Đã đọc 13 đơn vị: không có vấn đề nào.\n")


def test_report_in_english(tmp_path, capsys):
    code = main(
        [
            "--lang",
            "en",
            "results",
            "check",
            str(write(tmp_path / "pl2.xlsx", real_table("departments"))),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.splitlines()[-1] == "Read 28 units: 0 errors, 1 notes."
    assert "[note] No. 21 · Sở Tư pháp: Total 782" in out


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda p: None, "Không tìm thấy tệp"),
        (lambda p: p.write_text("STT;Tên\n"), "không phải sổ tính Excel"),
        (lambda p: p.write_bytes(b"PK\x03\x04\x14\x00"), "không phải sổ tính Excel"),
    ],
)
def test_unreadable_file(tmp_path, capsys, make, words):
    path = tmp_path / "bang.xlsx"
    make(path)
    code, out, err = _run(capsys, path)
    assert code == 1 and out == ""
    assert err.startswith("Lỗi: ") and words in err
    code, data, _err = _json(capsys, path)
    assert code == 1 and data["rows"] == 0
    assert [(f["kind"], f["severity"], f["stt"]) for f in data["findings"]] == [
        ("bad_file", "error", None)
    ]
    assert words in data["findings"][0]["message"]


def test_no_stt_header(tmp_path, capsys):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Tên đơn vị", "Tổng điểm"])
    wb.save(tmp_path / "k.xlsx")
    code, data, _err = _json(capsys, tmp_path / "k.xlsx")
    assert (
        code == 1
        and data["findings"][0]["kind"] == "bad_file"
        and "STT" in data["findings"][0]["message"]
    )


def test_bands_option(tmp_path, capsys):
    bands = tmp_path / "bands.json"
    bands.write_text(
        json.dumps([{"minimum": 830, "label": "Tốt"}, {"minimum": 0, "label": "Khá"}]),
        encoding="utf-8",
    )
    path = write(tmp_path / "pl2.xlsx", real_table("departments"))
    code, data, _err = _json(capsys, path, "--bands", bands)
    assert code == 1
    mismatched = [f["stt"] for f in data["findings"] if f["kind"] == "classification_mismatch"]
    assert mismatched == [5, 6, 7, 8, 9, 10, 11, 12]  # 827,9 ... 803,3 are "Khá" under these bands


def test_bad_bands_file(tmp_path, capsys):
    bands = tmp_path / "bands.json"
    bands.write_text("[{}]", encoding="utf-8")
    path = write(tmp_path / "pl3.xlsx", real_table("districts"))
    code, out, err = _run(capsys, path, "--bands", bands)
    assert code == 1 and "bands.json" in err and "minimum" in err
    code, data, _err = _json(capsys, path, "--bands", bands)
    assert code == 1 and data["findings"][0]["kind"] == "bad_file"


def test_sheet_option(tmp_path, capsys):
    path = write(tmp_path / "pl3.xlsx", real_table("districts"), sheet="PL3")
    assert _json(capsys, path, "--sheet", "PL3")[1]["rows"] == 13
    code, data, _err = _json(capsys, path, "--sheet", "PL9")
    assert code == 1 and "PL9" in data["findings"][0]["message"]


def test_help_and_usage(capsys):
    with pytest.raises(SystemExit) as exit:
        main(["results", "check", "--help"])
    assert exit.value.code == 0
    out = capsys.readouterr().out
    assert "cách dùng" in out and "--bands" in out and "mức xếp loại" in out
    assert main(["results"]) == 2  # a group without its command
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit:
        main(["results", "check"])
    assert exit.value.code == 2


def test_as_a_program(tmp_path):
    """The real console entry point: stdout holds exactly one JSON object."""
    path = write(tmp_path / "pl2.xlsx", real_table("departments"))
    done = subprocess.run(
        [sys.executable, "-m", "desktop", "results", "check", str(path), "--json"],
        capture_output=True,
        text=True,
        encoding="utf-8",
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["rows"] == 28 and [f["kind"] for f in data["findings"]] == ["total_rounding"]


def _commune_table(path, units=40, wrong=7):
    """A commune table as published: whole-number pillars, totals to one decimal, so nearly
    every row is a rounding note; the total of STT ``wrong`` is off by far more."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["PHỤ LỤC 4"])
    ws.append(["STT", "Tên đơn vị", "Thể chế số", "Hạ tầng số", "Tổng điểm năm 2025", "Xếp loại"])
    for i in range(1, units + 1):
        pillars = [400 - i, 300]
        total = sum(pillars) + (0.4 if i != wrong else 1.3)  # 1.3 > 2 x 0.5 + 0.05
        ws.append([i, f"Xã {i}", *pillars, total, "Khá"])
    wb.save(path)
    return path


def test_rounding_notes_grouped_into_one_line_so_the_errors_show(tmp_path, capsys):
    """Before: one line per rounding note (1,091 lines for 3,321 units) buried the errors."""
    code, out, _err = _run(capsys, _commune_table(tmp_path / "pl4.xlsx"))
    lines = out.splitlines()
    assert code == 1 and len(lines) == 3, lines
    assert lines[0].startswith("[LỖI] STT 7 · Xã 7: Tổng điểm")
    assert lines[1].startswith("[ghi chú] 39 dòng tổng điểm lệch do làm tròn (STT 1, 2, 3,")
    assert "và 19 mục khác (thêm --verbose để in đủ)" in lines[1] and ", 7," not in lines[1]
    # --verbose: every note a line of its own again
    code, out, _err = _run(capsys, _commune_table(tmp_path / "pl4.xlsx"), "--verbose")
    assert code == 1 and sum(line.startswith("[ghi chú] STT") for line in out.splitlines()) == 39
    assert lines[2] == "Đã đọc 40 đơn vị: 1 lỗi, 39 ghi chú."
    # a few notes are still listed one by one (the real appendix 2 has one)
    _code, out, _err = _run(capsys, _commune_table(tmp_path / "few.xlsx", units=5))
    assert sum(line.startswith("[ghi chú] STT") for line in out.splitlines()) == 5


def test_summary_counts_by_kind_lists_errors_counts_notes(tmp_path, capsys):
    path = _commune_table(tmp_path / "pl4.xlsx")
    code, out, _err = _run(capsys, path, "--summary")
    assert code == 1
    assert out.splitlines() == [
        "Đã đọc 40 đơn vị: 1 lỗi, 39 ghi chú.",
        "  tổng điểm lệch quá mức làm tròn (total_mismatch): 1",
        "  tổng điểm lệch do làm tròn (total_rounding): 39",
        out.splitlines()[3],
        "39 ghi chú không in ra; bỏ --summary để xem.",
    ]
    assert out.splitlines()[3].startswith("[LỖI] STT 7 · Xã 7:")
    code, data, _err = _json(capsys, path, "--summary")
    assert code == 1 and data["counts"] == {"total_mismatch": 1, "total_rounding": 39}
    assert (data["rows"], data["notes"]) == (40, 39)
    assert [(e["stt"], e["kind"]) for e in data["errors"]] == [(7, "total_mismatch")]
