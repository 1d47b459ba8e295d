"""The appendix table: exact layout in Excel and CSV, atomic writes."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from decimal import Decimal as D

import openpyxl
import pytest

from forms.criteria import Band
from forms.ranking import UnitResult, rank
from forms.ranking_xlsx import (
    GROUPED,
    Appendix,
    csv_text,
    number_format,
    table_lines,
    title_lines,
    write_csv,
    write_table,
    write_xlsx,
)
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


GROUPED_LAYOUT = Appendix(layout=GROUPED)
DECISION = "Kèm theo Quyết định số 10/QĐ-UBND ngày 03/01/2026 của UBND tỉnh Phú Thọ"
PUBLISHED = Appendix(appendix="PHỤ LỤC 3", decision=DECISION)


PILLARS_TOTAL_CLASS = [
    "Nhận thức số",
    "Hạ tầng số",
    "Chấm trực tiếp",
    "Tổng điểm năm 2025",
    "Xếp loại",
]


def _sheet(path):
    return openpyxl.load_workbook(path).active


def test_xlsx_grouped_layout(tmp_path):
    """Today's layout, kept as ``--layout grouped``: groups merged, STT numbers the rows."""
    path = tmp_path / "bang.xlsx"
    write_xlsx(sample_ranking(), path, GROUPED_LAYOUT)
    ws = _sheet(path)
    assert ws["A1"].value.startswith("KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG") and ws["A1"].font.b
    assert "2025" in ws["A1"].value
    header = [c.value for c in ws[3]]
    assert header == [
        "STT",
        "Khu vực",
        "Tên đơn vị",
        *PILLARS_TOTAL_CLASS,
    ]
    assert all(c.font.b for c in ws[3])
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=8)]
    assert body == [
        [1, "Huyện Ân Thi", "Xã Cẩm", 20, 20, 5, 45, "Khá"],
        [2, None, "Xã Dũng", 10, 10, 0, 20, "Trung bình"],
        [3, "Huyện Đoan Hùng", "Xã An", 30, 20.46, 8, 58.46, "Tốt"],
        [4, None, "Xã Bình", 30, 20.46, 8, 58.46, "Tốt"],
        [5, None, "Xã Ê", 30, 22, 8, 60, "-"],
    ]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"B4:B5", "B6:B8", "A1:H1"} <= merged
    assert ws["E6"].number_format == "0.00" and ws["G6"].number_format == "0.00"


def test_xlsx_overall_layout_is_the_default_sorted_by_total_with_shared_ranks(tmp_path):
    path = tmp_path / "bang.xlsx"
    write_xlsx(sample_ranking(), path)
    ws = _sheet(path)
    assert [c.value for c in ws[3]] == [
        "STT",
        "Tên đơn vị",
        *PILLARS_TOTAL_CLASS,
    ]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=8)]
    assert body == [
        [1, "Xã An", 30, 20.46, 8, 58.46, "Tốt"],  # a tie: both first, by name
        [1, "Xã Bình", 30, 20.46, 8, 58.46, "Tốt"],
        [3, "Xã Cẩm", 20, 20, 5, 45, "Khá"],  # the next rank skips
        [4, "Xã Dũng", 10, 10, 0, 20, "Trung bình"],
        [5, "Xã Ê", 30, 22, 8, 60, "-"],  # not ranked: last, numbered on by its place
    ]
    assert not any(str(r).startswith("B") for r in ws.merged_cells.ranges)


def test_rank_column_in_both_layouts(tmp_path):
    for appendix in (Appendix(rank_column=True), Appendix(layout=GROUPED, rank_column=True)):
        path = tmp_path / f"{appendix.layout}.xlsx"
        write_xlsx(sample_ranking(), path, appendix)
        ws = _sheet(path)
        assert ws.cell(3, ws.max_column).value == "Xếp hạng"
        ranks = {ws.cell(r, 3 if appendix.layout == GROUPED else 2).value: ws.cell(r, ws.max_column).value for r in range(4, 9)}  # fmt: skip
        assert ranks == {"Xã An": 1, "Xã Bình": 1, "Xã Cẩm": 3, "Xã Dũng": 4, "Xã Ê": "-"}


def test_appendix_title_and_decision_lines_above_the_table_centred(tmp_path):
    path = tmp_path / "bang.xlsx"
    title = "KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG MỨC ĐỘ CHUYỂN ĐỔI SỐ CÁC XÃ, PHƯỜNG"
    write_xlsx(sample_ranking(), path, replace(PUBLISHED, title=title))
    ws = _sheet(path)
    lines = [ws.cell(r, 1).value for r in range(1, 5)]
    assert lines == ["PHỤ LỤC 3", title, f"({DECISION})", None]
    assert ws["A1"].font.b and ws["A2"].font.b and ws["A3"].font.i
    assert all(ws.cell(r, 1).alignment.horizontal == "center" for r in (1, 2, 3))
    assert {"A1:G1", "A2:G2", "A3:G3"} <= {str(r) for r in ws.merged_cells.ranges}
    assert ws["A5"].value == "STT"
    # typed with its brackets, or with stray spaces: the same line
    assert (
        title_lines(sample_ranking(), Appendix(decision=f" ({DECISION}) "))[-1] == f"({DECISION})"
    )


def test_criteria_set_note_is_a_footnote_below_the_table_not_a_title_line(tmp_path):
    ranking = sample_ranking()
    path = tmp_path / "bang.xlsx"
    write_xlsx(ranking, path, PUBLISHED)
    ws = _sheet(path)
    above = [ws.cell(r, 1).value for r in range(1, 5)]
    assert not any("bộ tiêu chí" in (v or "") for v in above)
    last_unit = 5 + len(ranking.rows)
    assert ws.cell(last_unit + 1, 1).value is None  # a blank line, then the note
    note = ws.cell(last_unit + 2, 1).value
    assert note.startswith("Ghi chú:") and ranking.criteria.title in note
    assert ranking.criteria.version in note and ws.max_row == last_unit + 2


def test_print_setup_a4_landscape_one_page_wide_header_repeated(tmp_path):
    path = tmp_path / "bang.xlsx"
    write_xlsx(_realistic_ranking(), path, PUBLISHED)
    ws = _sheet(path)
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.print_title_rows == "$5:$5"  # the header row, on every page
    assert ws.freeze_panes == "A6"
    assert ws.oddFooter.center.text == "Trang &P/&N"


def test_numbers_as_published_whole_without_decimals_others_without_trailing_zeros(tmp_path):
    """837,5 not 837,50; 45 not 45,00; and the cells stay numbers."""
    cs = tiny_set()
    rows = [
        UnitResult("01", "Xã A", "", {"1": D("30"), "2": D("20.5"), "3": D("8")}),
        UnitResult("02", "Xã B", "", {"1": D("10"), "2": D("10.456"), "3": D("0")}),
    ]
    path = tmp_path / "bang.xlsx"
    write_xlsx(rank(cs, rows, year=2025), path)
    ws = _sheet(path)
    formats = [[(c.value, c.number_format) for c in row[2:6]] for row in ws.iter_rows(4, 5)]
    assert formats == [
        [(30, "0"), (20.5, "0.0"), (8, "0"), (58.5, "0.0")],
        [(10, "0"), (10.46, "0.00"), (0, "0"), (20.46, "0.00")],
    ]
    assert all(c.data_type == "n" for row in ws.iter_rows(4, 5) for c in row[2:6])
    assert number_format(D("837.50"), 2) == "0.0" and number_format(D("45.00"), 2) == "0"
    assert number_format(D("1.25"), 1) == "0.0" and number_format(D("7"), 0) == "0"


def test_band_labels_as_the_set_spells_them_and_nfc(tmp_path):
    """A set giving the published spelling ("TỐT") gets it in the table, as written."""
    import unicodedata

    cs = tiny_set()
    cs = replace(
        cs,
        bands=(
            Band(D(48), unicodedata.normalize("NFD", "TỐT")),
            Band(D(39), "KHÁ"),
            Band(D(0), "Trung bình"),
        ),
    )
    name = unicodedata.normalize("NFD", "Xã Đoàn Kết")
    rows = [UnitResult("01", name, "", {"1": D("30"), "2": D("20"), "3": D("8")})]
    path = tmp_path / "bang.xlsx"
    write_xlsx(rank(cs, rows, year=2025), path)
    values = [c.value for c in _sheet(path)[4]]
    assert values[1] == "Xã Đoàn Kết" and values[-1] == "TỐT"
    assert all(unicodedata.is_normalized("NFC", v) for v in values if isinstance(v, str))


def test_csv_layout(tmp_path):
    text = csv_text(sample_ranking(), GROUPED_LAYOUT)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "STT" and rows[0][-2:] == ["Tổng điểm năm 2025", "Xếp loại"]
    assert rows[3] == ["3", "Huyện Đoan Hùng", "Xã An", "30.00", "20.46", "8.00", "58.46", "Tốt"]
    assert rows[4][1] == "Huyện Đoan Hùng"  # a CSV has no merged cells: the group on each row
    assert rows[5][-1] == "-"
    overall = list(csv.reader(io.StringIO(csv_text(sample_ranking(), Appendix(rank_column=True)))))
    assert overall[0][:2] == ["STT", "Tên đơn vị"] and overall[0][-1] == "Xếp hạng"
    assert [r[0] for r in overall[1:]] == ["1", "1", "3", "4", "5"]
    assert [r[-1] for r in overall[1:]] == ["1", "1", "3", "4", "-"]
    path = tmp_path / "bang.csv"
    write_csv(sample_ranking(), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    assert path.read_bytes()[3:].decode() == csv_text(sample_ranking())


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


LAYOUTS = {
    "overall": Appendix(),
    "overall-published": replace(PUBLISHED, rank_column=True),
    "grouped": GROUPED_LAYOUT,
    "grouped-published": replace(PUBLISHED, layout=GROUPED, rank_column=True),
}


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
@pytest.mark.parametrize(
    "ranking", [sample_ranking(), _realistic_ranking()], ids=["sample", "realistic"]
)
def test_exported_table_passes_the_results_check(tmp_path, ranking, layout, suffix):
    """Every layout the app writes, in Excel and CSV, reads back whole and without an error."""
    from forms.results_check import check_workbook

    path = tmp_path / f"phu-luc{suffix}"
    write_table(ranking, path, LAYOUTS[layout])
    result = check_workbook(path, ranking.criteria.bands)
    assert result.errors == [], [f.message for f in result.errors]
    assert result.rows == len(ranking.rows)
    assert [r.name for t in result.tables for r in t.rows] == [
        line.values[2 if LAYOUTS[layout].layout == GROUPED else 1]
        for line in table_lines(ranking, LAYOUTS[layout])
    ]
