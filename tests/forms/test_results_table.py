"""Reading published ranking tables in the layouts the province actually uses."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from openpyxl import Workbook

from forms.results_table import TableReadError, parse_number, read_tables
from tests.forms.results_workbooks import Unit, grouped, real_table, row_of, write


def _decimals(values):
    return [Decimal(str(v).replace(",", ".")) for v in values]


def test_departments_as_published(tmp_path):
    """Phụ lục 2: title lines, one header row, decimal-comma text, "TỐT", "-" rows, footer notes."""
    source = real_table("departments")
    path = write(tmp_path / "pl2.xlsx", source, sheet="Phụ lục 2")
    (table,) = read_tables(path)
    assert table.sheet == "Phụ lục 2"
    assert table.header_line == 4
    assert table.pillar_headers == tuple(source.columns)
    assert table.name_header == "Tên đơn vị"
    assert table.group_header == ""
    assert table.total_header == "Tổng điểm năm 2023"
    assert table.label_header == "Xếp loại"
    assert len(table.rows) == 28  # footer note and signature block are not units
    first = table.rows[0]
    assert (first.line, first.stt, first.name, first.label) == (5, 1, "Cục Thuế tỉnh", "TỐT")
    for unit, row in zip(source.units, table.rows, strict=True):
        assert row.stt == unit.stt and row.name == unit.name
        assert [p.value for p in row.pillars] == _decimals(unit.pillars)
        assert row.total.value == _decimals([unit.total])[0]
        assert row.not_ranked == (unit.cls == "-")
    assert sum(r.not_ranked for r in table.rows) == 7
    assert table.pillar_decimals == 2  # "527,03" (Sở Tư pháp)
    assert table.total_decimals == 1
    tu_phap = table.rows[20]
    assert tu_phap.pillars[4].where == "'Phụ lục 2'!G25"
    assert tu_phap.pillars[4].column == "Hoạt động chính quyền số"


def test_two_row_merged_header_and_numbers_as_numbers(tmp_path):
    source = real_table("districts", text=False)
    path = write(tmp_path / "pl3.xlsx", source, two_row_header=True, numbering_row=True, titles=2)
    (table,) = read_tables(path)
    assert table.header_line == 3
    assert table.pillar_headers == tuple(source.columns)
    assert table.total_header == "Tổng điểm năm 2023"
    assert len(table.rows) == 13
    assert table.rows[0].line == 6  # two header rows and the "(1) (2) ..." row skipped
    assert [r.total.value for r in table.rows] == _decimals(u.total for u in source.units)
    assert table.pillar_decimals == 1 and table.total_decimals == 1


@pytest.mark.parametrize("style", ["merged", "first", "every", "sections", "headings"])
def test_group_styles(tmp_path, style):
    source = grouped(real_table("districts"), ("Cụm Bắc", "Cụm Nam"))
    path = write(tmp_path / "g.xlsx", source, group_header="Huyện, thành, thị", group_style=style)
    (table,) = read_tables(path)
    expected = [u.group.upper() if style == "headings" else u.group for u in source.units]
    assert [r.group for r in table.rows] == expected
    assert [r.name for r in table.rows] == [u.name for u in source.units]
    assert table.group_header == ("" if style in ("sections", "headings") else "Huyện, thành, thị")
    assert table.pillar_headers == tuple(source.columns)


def test_group_header_former_unit(tmp_path):
    source = grouped(real_table("districts"), ("Huyện cũ A", "Huyện cũ B", "Huyện cũ C"))
    path = write(
        tmp_path / "g.xlsx", source, group_header="Đơn vị hành chính cũ", two_row_header=True
    )
    (table,) = read_tables(path)
    assert table.group_header == "Đơn vị hành chính cũ"
    assert table.name_header == "Tên đơn vị"
    assert [r.group for r in table.rows] == [u.group for u in source.units]


def test_numbers_with_fixed_format_are_read_as_shown(tmp_path):
    source = real_table("districts", text=False)
    source.units[0].pillars[1] = 69.8249  # the cell stores more than it shows
    path = write(tmp_path / "f.xlsx", source, number_format="0.00")
    (table,) = read_tables(path)
    assert table.rows[0].pillars[1].value == Decimal("69.82")
    assert table.pillar_decimals == 2 and table.total_decimals == 2


def test_blank_rows_summary_rows_and_unknown_columns(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["KẾT QUẢ"])
    ws.append(
        [
            "stt ",
            "Tên xã, phường",
            "Tổng điểm",
            "Xếp hạng",
            "Thể chế số",
            "Hạ tầng số",
            "Xếp loại",
            "Ghi chú",
        ]
    )
    ws.append([1, "Xã A", "150", 1, "100", "50", "Trung bình", "mới"])
    ws.append([])
    ws.append([2, "Xã B", 90, 2, 40, 50, "trung bình", None])
    ws.append([None, "Tổng cộng", 240, None, 140, 100, None, None])
    ws.append([None, "Trung bình", 120, None, 70, 50, None, None])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    (table,) = read_tables(path)
    assert table.pillar_headers == (
        "Thể chế số",
        "Hạ tầng số",
    )  # total before pillars, rank ignored
    assert table.total_header == "Tổng điểm"
    assert [r.name for r in table.rows] == ["Xã A", "Xã B"]
    assert [r.total.value for r in table.rows] == [150, 90]


def test_two_tables_in_one_sheet(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Tên đơn vị", "Thể chế số", "Tổng điểm", "Xếp loại"])
    ws.append([1, "Sở A", 90, 90, "Trung bình"])
    ws.append([])
    ws.append(["PHỤ LỤC 3"])
    ws.append(["STT", "Tên đơn vị", "Thể chế số", "Hạ tầng số", "Tổng điểm", "Xếp loại"])
    ws.append([1, "Huyện B", 90, 10, 100, "Trung bình"])
    ws.append([2, "Huyện C", 80, 10, 90, "Trung bình"])
    path = tmp_path / "two.xlsx"
    wb.save(path)
    first, second = read_tables(path)
    assert [r.name for r in first.rows] == ["Sở A"]
    assert [r.name for r in second.rows] == ["Huyện B", "Huyện C"]
    assert second.header_line == 5 and second.pillar_headers == ("Thể chế số", "Hạ tầng số")


def test_bad_cells_are_kept_with_their_problem(tmp_path):
    source = real_table("districts")
    source.units[2].pillars[0] = "bảy mươi"
    source.units[3].pillars[1] = None
    source.units[4].total = "-5"
    path = write(tmp_path / "b.xlsx", source)
    (table,) = read_tables(path)
    assert [p.problem for p in table.rows[2].pillars][:1] == ["not_number"]
    assert table.rows[2].pillars[0].shown == "bảy mươi"
    assert table.rows[3].pillars[1].problem == "empty"
    assert table.rows[3].pillars[1].where == f"'Phụ lục 3'!D{row_of(path, source.units[3].name)}"
    assert table.rows[4].total.problem == "negative"
    assert len(table.rows) == 13


def test_formula_without_a_calculated_value(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Tên đơn vị", "Thể chế số", "Hạ tầng số", "Tổng điểm", "Xếp loại"])
    ws.append([1, "Huyện B", 90, 10, "=SUM(C2:D2)", "Trung bình"])  # openpyxl stores no value
    path = tmp_path / "f.xlsx"
    wb.save(path)
    (table,) = read_tables(path)
    assert table.rows[0].total.problem == "formula"
    assert table.rows[0].total.shown == "=SUM(C2:D2)"


@pytest.mark.parametrize(
    ("value", "number_format", "expected"),
    [
        ("527,03", "General", (Decimal("527.03"), 2, "")),
        (" 69,80 ", "General", (Decimal("69.80"), 2, "")),
        ("70", "General", (Decimal(70), 0, "")),
        ("818.3", "General", (Decimal("818.3"), 1, "")),
        ("1.000,5", "General", (Decimal("1000.5"), 1, "")),
        ("1 000", "General", (Decimal(1000), 0, "")),
        ("1,000.5", "General", (Decimal("1000.5"), 1, "")),
        ("−3", "General", (Decimal(-3), 0, "")),  # noqa: RUF001 - a real minus sign
        (70.0, "General", (Decimal(70), 0, "")),
        (818.2999999999999, "General", (Decimal("818.3"), 1, "")),
        (69.8249, "0.00", (Decimal("69.82"), 2, "")),
        (70, "#,##0.0", (Decimal("70.0"), 1, "")),
        (70.4, "0", (Decimal(70), 0, "")),
        (12, '"điểm" 0.0;[Red]-0.0', (Decimal("12.0"), 1, "")),
        (None, "General", (None, 0, "empty")),
        ("  ", "General", (None, 0, "empty")),
        ("-", "General", (None, 0, "not_number")),
        ("abc", "General", (None, 0, "not_number")),
        ("12%", "General", (None, 0, "not_number")),
        ("nan", "General", (None, 0, "not_number")),
        (float("nan"), "General", (None, 0, "not_number")),
        (True, "General", (None, 0, "not_number")),
        (dt.datetime(2023, 1, 1), "General", (None, 0, "not_number")),
    ],
)
def test_parse_number(value, number_format, expected):
    assert parse_number(value, number_format) == expected


def test_missing_file(tmp_path):
    with pytest.raises(TableReadError, match="Không tìm thấy tệp"):
        read_tables(tmp_path / "khong-co.xlsx")


@pytest.mark.parametrize("content", [b"", b"STT;Ten\n1;A\n", b"PK\x03\x04garbage"])
def test_not_a_workbook(tmp_path, content):
    path = tmp_path / "bang.xlsx"
    path.write_bytes(content)
    with pytest.raises(TableReadError) as info:
        read_tables(path)
    assert "bang.xlsx" in info.value.message and ".xlsx" in info.value.message


def test_no_stt_header(tmp_path):
    wb = Workbook()
    wb.active.append(["Tên đơn vị", "Tổng điểm"])
    wb.active.append(["Xã A", 100])
    path = tmp_path / "k.xlsx"
    wb.save(path)
    with pytest.raises(TableReadError, match="STT"):
        read_tables(path)


def test_header_without_total_or_name(tmp_path):
    wb = Workbook()
    wb.active.append(["STT", "Tên đơn vị", "Thể chế số", "Xếp loại"])
    wb.active.append([1, "Xã A", 100, "Khá"])
    path = tmp_path / "k.xlsx"
    wb.save(path)
    with pytest.raises(TableReadError, match="Tổng điểm"):
        read_tables(path)
    wb = Workbook()
    wb.active.append(["STT", "Thể chế số", "Tổng điểm", "Xếp loại"])
    wb.active.append([1, 100, 100, "Khá"])
    wb.save(path)
    with pytest.raises(TableReadError, match="tên đơn vị"):
        read_tables(path)


def test_sheet_selection(tmp_path):
    path = write(tmp_path / "s.xlsx", real_table("districts"), sheet="PL3")
    assert len(read_tables(path, sheet="PL3")[0].rows) == 13
    with pytest.raises(TableReadError, match="PL3"):
        read_tables(path, sheet="PL4")


def test_unit_row_without_stt_is_still_a_unit(tmp_path):
    source = real_table("districts")
    source.units[1] = Unit(
        None, source.units[1].name, source.units[1].pillars, source.units[1].total, "TỐT"
    )
    (table,) = read_tables(write(tmp_path / "n.xlsx", source))
    assert table.rows[1].stt is None and table.rows[1].name == source.units[1].name


def test_unreadable_permissions(tmp_path, monkeypatch):
    import openpyxl

    path = write(tmp_path / "locked.xlsx", real_table("districts"))

    def locked(*args, **kwargs):
        raise PermissionError(13, "Permission denied")  # what Windows says while Excel has it open

    monkeypatch.setattr(openpyxl, "load_workbook", locked)
    with pytest.raises(TableReadError, match="không có quyền đọc"):
        read_tables(path)


def test_parent_header_words_do_not_decide_a_column(tmp_path):
    """A parent header "Điểm theo nhóm chỉ số" over the pillars must not make them group columns."""
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Đơn vị", "Điểm theo nhóm chỉ số", None, "Tổng điểm", "Xếp loại"])
    ws.append([None, None, "Hạ tầng số", "Nhân lực số", None, None])
    for col in (1, 2, 5, 6):
        ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    ws.merge_cells("C1:D1")
    ws.append([1, "Xã A", 60, 40, 100, "Trung bình"])
    ws.append([2, "Xã B", None, None, None, "-"])  # listed, not assessed
    path = tmp_path / "p.xlsx"
    wb.save(path)
    (table,) = read_tables(path)
    assert table.name_header == "Đơn vị" and table.group_header == ""
    assert table.pillar_headers == ("Hạ tầng số", "Nhân lực số")
    assert [r.name for r in table.rows] == ["Xã A", "Xã B"]


def test_parent_headers_over_pillars_and_over_the_total(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(
        ["STT", "Tên đơn vị", "Tổng hợp điểm các chỉ số", None, "Tổng điểm", None, "Xếp loại"]
    )
    ws.append([None, None, "Hạ tầng số", "Nhân lực số", "Điểm", "Xếp hạng", None])
    for col in (1, 2, 7):
        ws.merge_cells(start_row=1, start_column=col, end_row=2, end_column=col)
    ws.merge_cells("C1:D1")
    ws.merge_cells("E1:F1")
    ws.append([1, "Xã A", 60, 40, 100, 1, "Trung bình"])
    path = tmp_path / "p.xlsx"
    wb.save(path)
    (table,) = read_tables(path)
    assert table.pillar_headers == ("Hạ tầng số", "Nhân lực số")
    assert table.total_header == "Tổng điểm"
    assert table.rows[0].total.value == 100 and table.rows[0].total.where == "Sheet!E3"


# --- CSV: the table the app exports, or one saved from Excel --------------------------------


def test_csv_the_app_exports_reads_as_its_xlsx(tmp_path):
    """Before: `results check bang.csv` said the app's own CSV was "not an .xlsx workbook"."""
    from forms.ranking_xlsx import GROUPED, Appendix, write_table
    from tests.forms.test_ranking_xlsx import _realistic_ranking

    ranking = _realistic_ranking()
    for appendix, total_col in ((Appendix(rank_column=True), "F"), (Appendix(layout=GROUPED), "G")):
        write_table(ranking, tmp_path / "bang.csv", appendix)
        write_table(ranking, tmp_path / "bang.xlsx", appendix)
        (from_csv,) = read_tables(tmp_path / "bang.csv")
        (from_xlsx,) = read_tables(tmp_path / "bang.xlsx")
        assert from_csv.sheet == "bang" and from_csv.rows[0].total.where == f"bang!{total_col}2"
        assert from_csv.pillar_headers == from_xlsx.pillar_headers
        assert from_csv.group_header == from_xlsx.group_header
        assert [(r.stt, r.group, r.name, r.label) for r in from_csv.rows] == [
            (r.stt, r.group, r.name, r.label) for r in from_xlsx.rows
        ]
        assert [r.total.value for r in from_csv.rows] == [r.total.value for r in from_xlsx.rows]


def test_csv_formula_quote_taken_off_and_semicolons_and_bad_bytes(tmp_path):
    path = tmp_path / "pl.csv"
    path.write_text(
        "STT;Tên đơn vị;Thể chế số;Tổng điểm năm 2025;Xếp loại\r\n"
        "1;'=HYPERLINK(\"x\");800,5;800,5;Tốt\r\n2;'Xã An;10;10;Trung bình\r\n",
        encoding="utf-8-sig",
    )
    (table,) = read_tables(path)
    assert [r.name for r in table.rows] == ['=HYPERLINK("x")', "'Xã An"]
    assert table.rows[0].total.value == Decimal("800.5") and table.rows[0].total.decimals == 1
    assert read_tables(path, sheet="pl")[0].rows == table.rows
    with pytest.raises(TableReadError, match="không có trang"):
        read_tables(path, sheet="Phụ lục 3")
    path.write_bytes(b"STT,T\xean \xf0\xf5n v\xd2\r\n")  # Windows-1258, not UTF-8
    with pytest.raises(TableReadError, match="UTF-8"):
        read_tables(path)
    path.write_text("Tên,Điểm\r\nXã An,5\r\n", encoding="utf-8")
    with pytest.raises(TableReadError, match="STT"):
        read_tables(path)
