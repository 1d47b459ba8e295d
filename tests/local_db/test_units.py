"""Importing the province's unit list (xlsx/csv) and finding units without typing accents."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from forms.text import fold
from local_db import units
from local_db.database import Database

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "units"
HEADER = "Mã,Tên,Loại,Nhóm,Tỉnh\n"


def _csv(tmp_path: Path, body: str, name: str = "ds.csv", header: str = HEADER) -> Path:
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


@pytest.mark.parametrize("sample", ["phu_tho_sample.csv", "phu_tho_sample.xlsx"])
def test_the_shipped_sample_imports(db: Database, sample: str) -> None:
    report = units.import_units(db, SAMPLES / sample)
    assert report.written and report.problems == []
    assert report.added == 43 and len(units.all_units(db)) == 43
    hoa_binh = units.get(db, "08231")
    assert hoa_binh is not None
    assert (hoa_binh.name, hoa_binh.kind, hoa_binh.group_name, hoa_binh.province) == (
        "Phường Hòa Bình", "phường", "Khu vực 7", "Phú Thọ")  # fmt: skip
    van_don = units.get(db, "22901")
    assert van_don is not None and (van_don.name, van_don.kind) == ("Đặc khu Vân Đồn", "đặc khu")


def test_the_sample_uses_todays_units_and_no_districts(db: Database) -> None:
    """Since 1 July 2025: xã, phường, đặc khu, and no district (huyện, quận, thị xã, thành phố
    thuộc tỉnh) above them, nor thị trấn (issue 15)."""
    units.import_sample(db)
    found = units.all_units(db)
    assert {u.kind for u in found} == {"xã", "phường", "đặc khu"}
    words = ("huyen", "quan ", "thi xa", "thanh pho", "thi tran")
    for unit in found:
        for text in (unit.name, unit.group_name):
            assert not any(fold(text).startswith(w) or f" {w}" in fold(text) for w in words), text
        prefix = {"xã": "Xã ", "phường": "Phường ", "đặc khu": "Đặc khu "}[unit.kind]
        assert unit.name.startswith(prefix)
    assert "Khu vực 2" in units.groups(db)


def test_the_real_list_replaces_the_unused_sample_units(db: Database, tmp_path: Path) -> None:
    """Tried with the sample, then the province's list: the sample's units go, except one an
    assessment names (kept, as storage never drops a unit in use); a province unit that happens
    to have a sample code but another name stays."""
    from local_db import assessments
    from tests.forms.sample_sets import tiny_set

    units.import_sample(db)
    assessments.create(db, "08182", 2025, tiny_set())  # Xã Hiền Quan, tried out
    body = "25001,Xã Hòa An,xã,Khu vực 1,Cao Bằng\n08101,Xã Thật,xã,Khu vực 2,Cao Bằng\n"
    report = units.import_units(db, _csv(tmp_path, body))
    assert report.written and report.samples_removed == 43 - 2
    codes = {u.code: u.name for u in units.all_units(db)}
    assert codes == {"25001": "Xã Hòa An", "08101": "Xã Thật", "08182": "Xã Hiền Quan"}
    assert units.import_sample(db).samples_removed == 0  # importing the sample removes nothing


def test_the_list_says_where_it_came_from(db: Database, tmp_path: Path) -> None:
    assert units.list_source(db) == "none"
    units.import_sample(db)
    assert units.list_source(db) == "sample"
    units.import_units(db, _csv(tmp_path, "25001,Xã Hòa An,xã,Khu vực 1,Cao Bằng\n"))
    assert units.list_source(db) == "province"


@pytest.mark.parametrize("spelled", ["đặc khu", "Đặc khu", "ĐẶC KHU", "dac khu", "  đặc   khu "])
def test_special_zones_are_accepted_however_spelled(db: Database, tmp_path: Path, spelled) -> None:
    decomposed = unicodedata.normalize("NFD", spelled)
    body = f"22901,Đặc khu Vân Đồn,{spelled},,\n22902,Đặc khu Cô Tô,{decomposed},,\n"
    report = units.import_units(db, _csv(tmp_path, body))
    assert report.written and report.problems == [], report.problems
    assert {u.kind for u in units.all_units(db)} == {"đặc khu"}
    assert [u.name for u in units.search(db, "co to")] == ["Đặc khu Cô Tô"]


def test_the_collector_reads_special_zones_too(tmp_path: Path) -> None:
    from local_db.collector.units_file import read_units

    rows = read_units(_csv(tmp_path, "22901,Đặc khu Vân Đồn,Đặc khu,Khu vực biển,\n"))
    assert rows == [("22901", "Đặc khu Vân Đồn", "đặc khu", "Khu vực biển")]


def test_csv_and_xlsx_samples_hold_the_same_units(db: Database) -> None:
    from_csv, _ = units.parse(SAMPLES / "phu_tho_sample.csv")
    from_xlsx, _ = units.parse(SAMPLES / "phu_tho_sample.xlsx")
    assert [(u.code, u.name, u.kind, u.group) for u in from_csv] == [
        (u.code, u.name, u.kind, u.group) for u in from_xlsx
    ]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("hoa binh", ["Phường Hòa Bình"]),
        ("HÒA BÌNH", ["Phường Hòa Bình"]),
        ("  hoa   binh ", ["Phường Hòa Bình"]),
        ("dan thuong", ["Xã Đan Thượng"]),  # đ is folded to d
        ("viet tri", ["Phường Việt Trì"]),
        ("0823", ["Phường Hòa Bình", "Phường Thống Nhất"]),  # code prefix
        ("không có", []),
        ("50%", []),  # LIKE wildcards are taken literally
    ],
)
def test_search_ignores_accents_and_case(db: Database, typed: str, expected: list[str]) -> None:
    units.import_units(db, SAMPLES / "phu_tho_sample.csv")
    assert [u.name for u in units.search(db, typed)] == expected


def test_search_puts_names_starting_with_the_text_first(db: Database, tmp_path: Path) -> None:
    units.import_units(db, _csv(tmp_path, "1,Xã Thanh Hòa,xã,,\n2,Xã Hòa Bình,xã,,\n"))
    assert [u.code for u in units.search(db, "hoa")] == ["2", "1"]  # "Hòa Bình" starts with it
    assert [u.code for u in units.search(db, "xa hoa")] == ["2"]


def test_errors_name_the_row_and_nothing_is_imported(db: Database, tmp_path: Path) -> None:
    body = "08001,Xã Một,xã,A,\n,Xã Không Mã,xã,A,\n08003,Xã Ba,thị trấn,A,\n08001,Xã Trùng,xã,A,\n08005,,phường,A,\n"
    report = units.import_units(db, _csv(tmp_path, body))
    assert not report.written
    found = [(p.code, p.where) for p in report.problems]
    assert found == [
        ("units.code_missing", "ds.csv, dòng 3"),
        ("units.kind_invalid", "ds.csv, dòng 4"),
        ("units.duplicate", "ds.csv, dòng 5"),
        ("units.name_missing", "ds.csv, dòng 6"),
    ]
    assert "dòng 2" in report.problems[2].message  # the duplicate names the first row too
    assert units.all_units(db) == []


def test_reimport_updates_changed_names_only(db: Database, tmp_path: Path) -> None:
    units.import_units(db, _csv(tmp_path, "1,Xã Một,xã,A,\n2,Xã Hai,xã,A,\n"))
    report = units.import_units(
        db, _csv(tmp_path, "1,Xã Một,xã,A,\n2,Phường Hai,phường,A,\n3,Xã Ba,xã,B,\n")
    )
    assert (report.added, report.updated, report.unchanged) == (1, 1, 1)
    assert units.get(db, "2").name == "Phường Hai"
    assert [u.code for u in units.search(db, "phuong hai")] == ["2"]


def test_semicolon_csv_and_alternative_headers(db: Database, tmp_path: Path) -> None:
    path = _csv(tmp_path, "1;Xã Một;Xã;Huyện cũ A\n", header="Mã đơn vị;Tên đơn vị;Loại;Huyện cũ\n")
    report = units.import_units(db, path)
    assert report.written and units.get(db, "1").group_name == "Huyện cũ A"


def test_xlsx_with_numeric_codes(db: Database, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Mã", "Tên", "Loại"])
    sheet.append([8001, "Xã Một", "xã"])
    sheet.append([8002.0, "Phường Hai", "phường"])
    path = tmp_path / "ds.xlsx"
    workbook.save(path)
    assert units.import_units(db, path).written
    assert sorted(u.code for u in units.all_units(db)) == ["8001", "8002"]


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("ds.csv", "Tên,Loại\nXã Một,xã\n".encode(), "units.header", "Thiếu cột Mã"),
        (
            "ds.csv",
            HEADER.encode("utf-8") + "1,Xã Ba,xã,,\n".encode("latin-1"),
            "units.unreadable",
            "UTF-8",
        ),
        ("ds.xlsx", b"PK\x03\x04 this is no workbook", "units.unreadable", "Excel"),
        ("ds.txt", b"whatever", "units.unreadable", ".xlsx"),
        ("ds.csv", b"", "units.empty", "không có dữ liệu"),
        ("ds.csv", HEADER.encode(), "units.empty", "không có dữ liệu"),
    ],
)
def test_unusable_files_give_one_clear_problem(
    db: Database, tmp_path: Path, name: str, content: bytes, code: str, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    report = units.import_units(db, path)
    assert not report.written and [p.code for p in report.problems] == [code]
    assert message in report.problems[0].message and report.problems[0].where == name


def test_missing_file(db: Database, tmp_path: Path) -> None:
    report = units.import_units(db, tmp_path / "không có.csv")
    assert not report.written and report.problems[0].code == "units.unreadable"


VIETNAMESE = (
    "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐÂ "
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(name=st.text(alphabet=VIETNAMESE, min_size=1, max_size=30).filter(lambda s: s.strip()))
def test_any_name_is_found_by_its_unaccented_form(db: Database, tmp_path: Path, name: str) -> None:
    import csv
    import io
    import unicodedata

    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [["Mã", "Tên", "Loại"], ["X1", unicodedata.normalize("NFD", name), "xã"]]
    )
    path = tmp_path / "one.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    assert units.import_units(db, path).written
    stored = units.get(db, "X1")
    assert stored is not None and stored.name == " ".join(
        unicodedata.normalize("NFC", name).split()
    )
    assert "X1" in [u.code for u in units.search(db, fold(name), limit=0)]
    assert "X1" in [u.code for u in units.search(db, name.upper(), limit=0)]
