"""The Excel authoring form: round trips, and bad or hostile workbooks giving complete problem lists.

The hostile workbooks are built here from the tiny set (rows: Chỉ tiêu 2=1.1, 3=1.2, 4=2.1,
5=2.2, 6=2.2.1, 7=2.2.2, 8=3.1) so every expected ``where`` is known exactly.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from forms.criteria_io import check_criteria_file, load_criteria
from forms.criteria_xlsx import MAX_DATA_ROWS, SHEETS, dump_xlsx, guard, load_xlsx, read_xlsx
from forms.problems import ProblemsError

from .sample_sets import tiny_set


def workbook(
    tmp_path: Path, edit: Callable[[openpyxl.Workbook], None] | None = None, name: str = "set.xlsx"
) -> Path:
    path = tmp_path / name
    dump_xlsx(tiny_set(), path)
    if edit is not None:
        wb = openpyxl.load_workbook(path)
        edit(wb)
        wb.save(path)
    return path


def problems_at(path: Path) -> dict[str, str]:
    """``{where: code}`` of every problem (asserting no two problems share a cell)."""
    found = check_criteria_file(path)
    result = {p.where: p.code for p in found}
    assert len(result) == len(found), found
    return result


def test_round_trip_keeps_the_content_hash(tmp_path):
    cs = tiny_set()
    path = workbook(tmp_path)
    assert check_criteria_file(path) == []
    assert load_criteria(path).content_hash == cs.content_hash


def test_title_lines_extra_columns_and_reordered_columns_are_fine(tmp_path):
    def edit(wb):
        ws = wb["Chỉ tiêu"]
        ws.insert_rows(1, 2)
        ws["A1"] = "BỘ TIÊU CHÍ THỬ"  # a title line above the header
        ws.insert_cols(1)
        ws["A3"] = "Ghi chú"  # an extra column, ignored
        ws["A4"] = "bất kỳ"
        wb["Xếp loại"].move_range("A1:B4", cols=2)  # columns moved right
        bands = wb["Xếp loại"]
        for row in range(1, 5):  # swap the two columns' order
            bands.cell(row, 1).value = bands.cell(row, 4).value
            bands.cell(row, 4).value = None
        bands.delete_cols(2, 1)  # now: label, minimum

    path = workbook(tmp_path, edit)
    assert check_criteria_file(path) == []
    assert load_criteria(path).content_hash == tiny_set().content_hash


def test_wrong_types_are_each_reported_with_their_cell(tmp_path):
    def edit(wb):
        wb["Chỉ tiêu"]["C2"] = "hai mươi"  # points as words
        wb["Chỉ tiêu"]["D4"] = "bậc thang"  # unknown rule kind
        wb["Trụ cột"]["C3"] = "nhiều"
        wb["Trường nhập"]["E2"] = "có lẽ"  # not a yes/no
        wb["Bậc điểm"]["C3"] = "mười lăm"
        wb["Xếp loại"]["A2"] = "tám trăm"
        wb["Thiết lập"]["B5"] = "hai nghìn"  # Năm

    found = problems_at(workbook(tmp_path, edit))
    assert found == {
        "Chỉ tiêu!C2": "wrong_type",
        "Chỉ tiêu!D4": "unknown_value",
        "Trụ cột!C3": "wrong_type",
        "Trường nhập!E2": "wrong_type",
        "Bậc điểm!C3": "wrong_type",
        "Xếp loại!A2": "wrong_type",
        "Thiết lập!B5": "wrong_type",
    }


def test_formulas_instead_of_values(tmp_path):
    def edit(wb):
        wb["Chỉ tiêu"]["C2"] = "=10+10"
        wb["Lựa chọn"]["D2"] = "=C8"
        wb["Xếp loại"]["A2"] = "=SUM(A3:A4)"

    found = problems_at(workbook(tmp_path, edit))
    assert found == {"Chỉ tiêu!C2": "formula", "Lựa chọn!D2": "formula", "Xếp loại!A2": "formula"}
    messages = [p.message for p in check_criteria_file(workbook(tmp_path, edit))]
    assert all("công thức" in m for m in messages)


def test_merged_header_is_reported_and_does_not_flood(tmp_path):
    def edit(wb):
        ws = wb["Chỉ tiêu"]
        ws["C1"] = None
        ws.merge_cells("B1:C1")  # "Tên chỉ tiêu" spans the points column

    found = problems_at(workbook(tmp_path, edit))
    assert found["Chỉ tiêu!C1"] == "merged_header"
    assert found["Chỉ tiêu!A1"] == "missing_column"
    # the missing column is reported once, not once per row
    assert len(found) == 2


def test_missing_sheets(tmp_path):
    def edit(wb):
        del wb["Xếp loại"]
        del wb["Trụ cột"]

    found = problems_at(workbook(tmp_path, edit))
    assert found["Xếp loại"] == "missing_sheet"
    assert found["Trụ cột"] == "missing_sheet"


def test_all_sheets_missing_lists_each(tmp_path):
    path = tmp_path / "empty.xlsx"
    wb = openpyxl.Workbook()
    wb.active.title = "Sheet1"
    wb.save(path)
    found = check_criteria_file(path)
    assert {p.where for p in found if p.code == "missing_sheet"} == set(SHEETS)
    # nothing but the missing sheets: no echo like "no pillars" or "no bands"
    assert {p.code for p in found} == {"missing_sheet"}


def test_empty_names_duplicates_and_numeric_codes(tmp_path):
    def edit(wb):
        ws = wb["Chỉ tiêu"]
        ws["B2"] = None  # empty name
        ws["A3"] = "1.1"  # duplicate code
        ws["A8"] = 3.1  # a code typed as a number
        wb["Trụ cột"]["B2"] = "   "  # a name of blanks
        wb["Lựa chọn"]["C3"] = None  # a choice without its label

    found = problems_at(workbook(tmp_path, edit))
    assert found["Chỉ tiêu!B2"] == "empty_cell"
    assert found["Chỉ tiêu!A3"] == "duplicate_code"
    assert found["Chỉ tiêu!A8"] == "code_not_text"
    assert found["Trụ cột!B2"] == "empty_cell"
    assert found["Lựa chọn!C3"] == "empty_cell"


def test_consistency_problems_point_at_cells(tmp_path):
    def edit(wb):
        wb["Chỉ tiêu"]["C3"] = 4  # pillar 1: 20 + 4 < 30
        wb["Bậc điểm"]["B3"] = 9  # tiers of 1.1 out of order (4 then 9)
        wb["Chỉ tiêu"]["E4"] = "khong_co"  # the choice rule reads a field that does not exist
        wb["Xếp loại"]["A3"] = 50  # bands out of order
        wb["Thiết lập"]["B7"] = 61  # total differs from the pillars' sum

    found = problems_at(workbook(tmp_path, edit))
    assert found == {
        "Trụ cột!C2": "pillar_unreachable",
        "Bậc điểm!B3": "tiers_order",
        "Chỉ tiêu!E4": "rule_field_unknown",
        "Xếp loại!A3": "bands_order",
        "Thiết lập!B7": "pillars_total",
    }


def test_settings_problems(tmp_path):
    def edit(wb):
        ws = wb["Thiết lập"]
        ws["A5"] = "Năm học"  # an unknown key (and so "Năm" is missing)
        ws["B9"] = "khác"  # Nhãn không xếp hạng: any text is fine
        ws["B11"] = "làm tròn xuống"  # not a rounding mode

    found = problems_at(workbook(tmp_path, edit))
    assert found["Thiết lập!A5"] == "unknown_setting"
    assert found["Thiết lập!A1"] == "missing_setting"
    assert found["Thiết lập!B11"] == "unknown_value"


def test_orphans_and_unknown_references(tmp_path):
    def edit(wb):
        wb["Chỉ tiêu"]["A6"] = "2.9.1"  # parent 2.9 does not exist
        wb["Trường nhập"]["A2"] = "9.9"  # a field of no indicator
        wb["Chỉ tiêu"]["A8"] = "4.1"  # pillar 4 does not exist

    found = problems_at(workbook(tmp_path, edit))
    assert found["Chỉ tiêu!A6"] == "orphan"
    assert found["Trường nhập!A2"] == "unknown_indicator"
    assert found["Chỉ tiêu!A8"] == "unknown_pillar"


def test_load_raises_with_every_problem(tmp_path):
    def edit(wb):
        wb["Chỉ tiêu"]["C2"] = "x"
        wb["Xếp loại"]["B2"] = None

    with pytest.raises(ProblemsError) as caught:
        load_criteria(workbook(tmp_path, edit))
    assert {p.where for p in caught.value.problems} == {"Chỉ tiêu!C2", "Xếp loại!B2"}


@pytest.fixture(scope="session")
def huge_workbook(tmp_path_factory) -> Path:
    """100,000 indicator rows (and the other sheets small), written once per session."""
    path = tmp_path_factory.mktemp("huge") / "huge.xlsx"
    source = tmp_path_factory.mktemp("huge-src") / "tiny.xlsx"
    dump_xlsx(tiny_set(), source)
    small = openpyxl.load_workbook(source, read_only=True)
    wb = openpyxl.Workbook(write_only=True)
    for name in small.sheetnames:
        ws = wb.create_sheet(name)
        for row in small[name].iter_rows(values_only=True):
            ws.append(list(row))
        if name == "Chỉ tiêu":
            for i in range(100_000):
                ws.append([f"3.{i % 900 + 2}.{i // 900 + 1}"])
    small.close()
    wb.save(path)
    return path


def test_100k_rows_stop_with_a_problem(huge_workbook):
    problems = check_criteria_file(huge_workbook)
    too_many = [p for p in problems if p.code == "too_many_rows"]
    assert len(too_many) == 1
    assert too_many[0].where == f"Chỉ tiêu!A{MAX_DATA_ROWS + 2}"
    # reading stopped: nothing is reported about rows past the limit
    rows = [int(p.where.split("!")[1][1:]) for p in problems if p.where.startswith("Chỉ tiêu!")]
    assert max(rows) <= MAX_DATA_ROWS + 2


def test_not_a_workbook(tmp_path):
    fake = tmp_path / "fake.xlsx"
    fake.write_text("đây không phải sổ tính", encoding="utf-8")
    assert [p.code for p in check_criteria_file(fake)] == ["not_xlsx"]
    other_zip = tmp_path / "other.xlsx"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("readme.txt", "x")
    assert [p.code for p in check_criteria_file(other_zip)] == ["not_xlsx"]
    broken = tmp_path / "broken.xlsx"
    data = workbook(tmp_path).read_bytes()
    broken.write_bytes(data[: len(data) // 2])  # a truncated download
    assert [p.code for p in check_criteria_file(broken)] == ["not_xlsx"]


def test_missing_file_and_folder(tmp_path):
    assert [p.code for p in check_criteria_file(tmp_path / "none.xlsx")] == ["file_missing"]
    folder = tmp_path / "folder.xlsx"
    folder.mkdir()
    # not_regular_file where a folder opens (POSIX), file_unreadable where it does not (Windows)
    assert [p.code for p in check_criteria_file(folder)] in (
        ["not_regular_file"],
        ["file_unreadable"],
    )


def test_zip_bomb_guard(tmp_path, monkeypatch):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", b"\0" * 3_000_000
        )  # 3 MB of zeros: ~3 kB packed
    monkeypatch.setattr(guard, "MAX_UNPACKED_BYTES", 2_000_000)
    assert [p.code for p in check_criteria_file(path)] == ["too_large"]


def test_read_xlsx_returns_the_set_and_no_problems_for_the_reference():
    from forms.reference import reference_set, reference_xlsx_path

    cs, problems = read_xlsx(str(reference_xlsx_path()))
    assert problems == []
    assert cs is not None and cs.content_hash == reference_set().content_hash


_CELLS = st.tuples(
    st.sampled_from(SHEETS),
    st.integers(min_value=1, max_value=9),
    st.integers(min_value=1, max_value=15),
    st.one_of(
        st.none(),
        st.integers(-5, 2000),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        st.booleans(),
        st.text(max_size=12),
        st.sampled_from(["=1/0", "#REF!", "tổng", "có/không", "1.1", "2.2", "Có", "lỗi", "0 điểm"]),
    ),
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(edits=st.lists(_CELLS, min_size=1, max_size=6))
def test_garbage_never_raises(tmp_path, edits):
    def edit(wb):
        for sheet, row, col, value in edits:
            if isinstance(value, str):  # openpyxl refuses control characters in cells
                value = ILLEGAL_CHARACTERS_RE.sub("", value) or None
            wb[sheet].cell(row=row, column=col).value = value

    path = workbook(tmp_path, edit, name="fuzz.xlsx")
    problems = check_criteria_file(path)
    assert all(p.message and p.where for p in problems)
    if not problems:
        load_criteria(path)  # a clean report means it loads


def test_duplicate_columns_error_cells_and_duplicate_settings(tmp_path):
    def edit(wb):
        ws = wb["Lựa chọn"]
        ws["E1"] = "Điểm"  # the points column a second time
        wb["Chỉ tiêu"]["C3"] = "#REF!"  # openpyxl stores this as an Excel error value
        wb["Thiết lập"]["A12"] = "Năm"  # "Năm" written twice
        wb["Thiết lập"]["B12"] = 2026

    found = problems_at(workbook(tmp_path, edit))
    assert found["Lựa chọn!E1"] == "duplicate_column"
    assert found["Chỉ tiêu!C3"] == "cell_error"
    assert found["Thiết lập!B12"] == "duplicate_setting"


def test_sheet_without_header_row(tmp_path):
    def edit(wb):
        ws = wb["Lựa chọn"]
        for cell in ws[1]:
            cell.value = "?"  # header renamed beyond recognition

    found = check_criteria_file(workbook(tmp_path, edit))
    assert [(p.code, p.where) for p in found if p.where.startswith("Lựa chọn")] == [
        ("header_missing", "Lựa chọn!A1")
    ]


def test_too_many_zip_entries(tmp_path, monkeypatch):
    monkeypatch.setattr(guard, "MAX_ZIP_ENTRIES", 3)
    assert [p.code for p in check_criteria_file(workbook(tmp_path))] == ["too_large"]


def test_sheet_names_are_matched_forgivingly(tmp_path):
    def edit(wb):
        wb["Xếp loại"].title = "xếp  LOẠI"

    path = workbook(tmp_path, edit)
    assert check_criteria_file(path) == []


def test_english_messages(tmp_path):
    from forms.i18n import set_language

    def edit(wb):
        wb["Chỉ tiêu"]["C2"] = "=10+10"

    set_language("en")
    (problem,) = check_criteria_file(workbook(tmp_path, edit))
    assert problem.message.startswith("The cell holds a formula (=10+10)")


_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


@pytest.mark.parametrize(
    "damage",
    [
        b"<worksheet xmlns='"
        + _NS
        + b"'><sheetData><row r='1'><c r='A1' t='s'><v>99999</v></c></row></sheetData></worksheet>",
        b"<worksheet xmlns='"
        + _NS
        + b"'><sheetData><row r='1'><c r='A1'><v>abc</v></c></row></sheetData></worksheet>",
        b"<worksheet><sheetData><row r='1'><c r='A1' t='s'><v>1</v></c></row>",
        b"\x00\xff garbage",
        b"",
    ],
    ids=["missing shared string", "text in a number cell", "cut short", "binary", "empty"],
)
def test_damaged_sheet_inside_a_valid_zip(tmp_path, damage):
    good = workbook(tmp_path)
    bad = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            dst.writestr(item, damage if item.filename == "xl/worksheets/sheet3.xml" else data)
    problems = check_criteria_file(bad)
    assert problems and all(p.message for p in problems)
    assert problems[-1].code in {"damaged", "not_xlsx"}


def test_absurd_numbers_in_cells(tmp_path):
    def edit(wb):
        wb["Chỉ tiêu"]["C2"] = 1e300
        wb["Bậc điểm"]["B2"] = "1e999999"

    assert problems_at(workbook(tmp_path, edit)) == {
        "Chỉ tiêu!C2": "out_of_range",
        "Bậc điểm!B2": "out_of_range",
    }


def test_problems_come_in_reading_order(tmp_path):
    """Issue 13 split the reader into one module per sheet; the order of the problems is part of
    what it promises (the author fixes them top to bottom): the cells of all seven sheets as
    read, then indicator codes, attached sheets, the tree, pillars, the consistency checks, and
    hidden sheets last. Pinned against the single-module reader before the split."""

    def edit(wb):
        wb["Thiết lập"]["A5"] = None  # the "Năm" row emptied
        wb["Thiết lập"]["B5"] = None
        wb["Xếp loại"]["A3"] = "nhiều"  # last sheet, but a cell: reported with the cells
        wb["Chỉ tiêu"]["A8"] = "9.1"  # no pillar 9; the fields and tiers of 3.1 lose it
        wb["Chỉ tiêu"]["A7"] = "2.3.2"  # no parent 2.3
        wb["Trụ cột"]["C2"] = None
        wb["Lựa chọn"].sheet_state = "hidden"

    _cs, problems = read_xlsx(workbook(tmp_path, edit))
    assert [(p.code, p.where) for p in problems] == [
        ("missing_setting", "Thiết lập!A1"),
        ("wrong_type", "Xếp loại!A3"),
        ("unknown_indicator", "Trường nhập!A7"),
        ("unknown_indicator", "Trường nhập!A8"),
        ("unknown_indicator", "Bậc điểm!A6"),
        ("unknown_indicator", "Bậc điểm!A7"),
        ("orphan", "Chỉ tiêu!A7"),
        ("empty_cell", "Trụ cột!C2"),
        ("unknown_pillar", "Chỉ tiêu!A8"),
        ("children_unreachable", "Chỉ tiêu!C5"),
        ("no_indicators", "Trụ cột!A4"),
        ("hidden_sheet", "Lựa chọn"),
    ]


def test_organisation_signature_setting_round_trips_and_is_absent_by_default(tmp_path):
    """The setting had only a JSON spelling: a province authoring in Excel could not require
    the People's Committee's signature. Written only when required, so other workbooks and
    their sets are unchanged."""
    import dataclasses

    from forms.reference import reference_set

    plain = reference_set()
    path = tmp_path / "plain.xlsx"
    dump_xlsx(plain, path)
    back = load_xlsx(path)
    assert back.organisation_signature is False
    assert back.content_hash == plain.content_hash

    required = dataclasses.replace(plain, organisation_signature=True)
    path = tmp_path / "required.xlsx"
    dump_xlsx(required, path)
    back = load_xlsx(path)
    assert back.organisation_signature is True
    assert back.content_hash == required.content_hash != plain.content_hash
