"""The appendix table: exact layout in Excel and CSV, atomic writes."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import openpyxl
import pytest

from forms.ranking import UnitResult, rank
from forms.ranking_xlsx import csv_text, write_csv, write_table, write_xlsx
from tests.forms.sample_sets import tiny_set


def sample_ranking():
    cs = tiny_set()
    rows = [
        UnitResult(
            "01", "Xã Bình", "Huyện Đoan Hùng", {"1": D("30"), "2": D("20.456"), "3": D("8")}
        ),
        UnitResult("02", "Xã An", "Huyện Đoan Hùng", {"1": D("30"), "2": D("20.456"), "3": D("8")}),
        UnitResult("03", "Xã Cẩm", "Huyện Ân Thi", {"1": D("20"), "2": D("20"), "3": D("5")}),
        UnitResult("04", "Xã Dũng", "Huyện Ân Thi", {"1": D("10"), "2": D("10"), "3": D("0")}),
        UnitResult(
            "05",
            "Xã Ê",
            "Huyện Đoan Hùng",
            {"1": D("30"), "2": D("22"), "3": D("8")},
            not_ranked=True,
        ),
    ]
    return rank(cs, rows, year=2025)


def test_xlsx_layout(tmp_path):
    path = tmp_path / "bang.xlsx"
    write_xlsx(sample_ranking(), path)
    ws = openpyxl.load_workbook(path).active
    assert ws["A1"].value.startswith("KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG") and ws["A1"].font.b
    assert "2025" in ws["A1"].value
    header = [c.value for c in ws[4]]
    assert header == [
        "STT",
        "Khu vực",
        "Tên đơn vị",
        "Nhận thức số",
        "Hạ tầng số",
        "Chấm trực tiếp",
        "Tổng điểm năm 2025",
        "Xếp loại",
    ]
    assert all(c.font.b for c in ws[4])
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert body == [
        [1, "Huyện Ân Thi", "Xã Cẩm", 20, 20, 5, 45, "Khá"],
        [2, None, "Xã Dũng", 10, 10, 0, 20, "Trung bình"],
        [3, "Huyện Đoan Hùng", "Xã An", 30, 20.46, 8, 58.46, "Tốt"],
        [4, None, "Xã Bình", 30, 20.46, 8, 58.46, "Tốt"],
        [5, None, "Xã Ê", 30, 22, 8, 60, "-"],
    ]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"B5:B6", "B7:B9", "A1:H1", "A2:H2"} <= merged
    assert ws["E7"].number_format == "0.00" and ws["G7"].number_format == "0.00"


def test_csv_layout(tmp_path):
    text = csv_text(sample_ranking())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "STT" and rows[0][-2:] == ["Tổng điểm năm 2025", "Xếp loại"]
    assert rows[3] == ["3", "Huyện Đoan Hùng", "Xã An", "30.00", "20.46", "8.00", "58.46", "Tốt"]
    assert rows[5][-1] == "-"
    path = tmp_path / "bang.csv"
    write_csv(sample_ranking(), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf") and path.read_bytes()[3:].decode() == text


def test_failed_write_leaves_nothing_behind(tmp_path, monkeypatch):
    import openpyxl.workbook.workbook as wbmod

    def boom(self, filename):  # half a workbook written, then the disk is full
        if hasattr(filename, "write"):
            filename.write(b"half")
        else:
            with open(filename, "wb") as fh:
                fh.write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(wbmod.Workbook, "save", boom)
    with pytest.raises(OSError):
        write_table(sample_ranking(), tmp_path / "x.xlsx")
    assert list(tmp_path.iterdir()) == []


def _realistic_ranking(n=60):
    """Many units across groups with ties, borderline totals and not-ranked units."""
    import random

    cs = tiny_set()
    rnd = random.Random(7)
    groups = ["Huyện Đoan Hùng", "Huyện Ân Thi", "Thành phố Việt Trì", "Huyện Cẩm Khê"]
    rows = []
    for i in range(n):
        p = {
            "1": D(rnd.randint(0, 3000)) / 100,
            "2": D(rnd.randint(0, 22000)) / 1000,
            "3": D(rnd.choice([0, 4, 7.995, 8])),
        }
        if i % 9 == 0:
            p = {
                "1": D("30"),
                "2": D("10"),
                "3": D("7.995"),
            }  # a tie at 47.995 -> 48.00, "Tốt" by rounding
        rows.append(
            UnitResult(
                f"{i:05}",
                f"Xã {rnd.choice('ABCĐÊƠƯ')}{i}",
                groups[i % 4],
                p,
                not_ranked=i % 13 == 5,
            )
        )
    return rank(cs, rows, year=2025)


@pytest.mark.parametrize(
    "ranking", [sample_ranking(), _realistic_ranking()], ids=["sample", "realistic"]
)
def test_exported_workbook_passes_the_results_check(tmp_path, ranking):
    from forms.results_check import check_workbook

    path = tmp_path / "phu-luc.xlsx"
    write_xlsx(ranking, path)
    result = check_workbook(path, ranking.criteria.bands)
    assert result.errors == [], [f.message for f in result.errors]
    assert result.rows == len(ranking.rows)
