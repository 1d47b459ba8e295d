"""`schema import-table`: a published seven-column table (Word or Excel) into a draft set."""

from __future__ import annotations

import json
import zipfile
from decimal import Decimal
from decimal import Decimal as D

import docx
import openpyxl
import pytest

from desktop.cli import main
from forms.criteria import RuleKind, ZeroDenominator
from forms.criteria_io import check_criteria_file, load_criteria
from forms.table_import import TableRejected, import_table
from forms.table_import.phrasing import read_method

HEADER = (
    "STT",
    "Chỉ số / Chỉ số thành phần",
    "Điểm tối đa",
    "Cách xác định và tính điểm",
    "Tài liệu kiểm chứng",
    "Nguồn thu thập dữ liệu",
    "Đơn vị phối hợp xác minh",
)
ROMAN_ROWS = [
    HEADER,
    ("(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"),
    ("I", "NHẬN THỨC SỐ", "40", "", "", "", ""),
    (
        "1",
        "Trưởng Ban Chỉ đạo chuyển đổi số",
        "15",
        "Trưởng ban là Chủ tịch UBND xã: 15 điểm; là Phó Chủ tịch UBND xã: 1/2 số điểm tối đa; "
        "chưa thành lập: 0 điểm",
        "Quyết định thành lập",
        "UBND xã",
        "Sở KH&CN",
    ),
    (
        "2",
        "Số cuộc họp của Ban Chỉ đạo trong năm",
        "15",
        "Từ 4 cuộc họp trở lên: 15 điểm; 3 cuộc họp: 10 điểm; 2 cuộc họp: 5 điểm; "
        "dưới 2 cuộc: 0 điểm",
        "Biên bản họp",
        "",
        "",
    ),
    (
        "3",
        "Tỷ lệ cuộc họp do Chủ tịch chủ trì",
        "10",
        "Điểm = a/b × điểm tối đa; a là số cuộc họp do Chủ tịch chủ trì; "
        "b là tổng số cuộc họp về chuyển đổi số.",
        "Thông báo kết luận",
        "",
        "",
    ),
    ("", "", "", "Trường hợp b = 0 thì được điểm tối đa.", "", "", ""),  # the cell goes on
    ("II", "HẠ TẦNG SỐ", "30", "", "", "", ""),
    (
        "4",
        "Tỷ lệ cán bộ có máy tính",
        "20",
        "Từ 90% trở lên: 20 điểm; từ 70% đến dưới 90%: 15 điểm; dưới 70%: 0 điểm",
        "",
        "",
        "",
    ),
    ("5", "Nội dung tổng hợp", "10", "Tổng điểm các chỉ số thành phần", "", "", ""),
    ("5.1", "Có chuyên mục chuyển đổi số", "6", "Có: 6 điểm; Không: 0 điểm", "", "", ""),
    ("5.2", "Có sổ tay hướng dẫn", "4", "Có: 4 điểm; Không: 0 điểm", "", "", ""),
    ("", "Tổng cộng", "70", "", "", "", ""),
]


def _docx(path, rows, *, title="BẢNG TIÊU CHÍ ĐÁNH GIÁ"):
    document = docx.Document()
    document.add_paragraph(title)
    table = document.add_table(rows=len(rows), cols=7)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    document.save(path)
    return path


def _xlsx(path, rows, *, title_rows=1):
    wb = openpyxl.Workbook()
    ws = wb.active
    for _n in range(title_rows):
        ws.append(["QUYẾT ĐỊNH … BỘ CHỈ SỐ"])
    for values in rows:
        ws.append(list(values))
    wb.save(path)
    return path


def test_a_word_table_in_the_usual_phrasings_becomes_a_set_that_compiles(tmp_path):
    imported = import_table(_docx(tmp_path / "bang.docx", ROMAN_ROWS), year=2026)
    report = imported.report()
    assert [(p["code"], p["name"], p["max_points"]) for p in report["pillars"]] == [
        ("1", "NHẬN THỨC SỐ", 40),
        ("2", "HẠ TẦNG SỐ", 30),
    ]
    rules = {
        i["code"]: (i["source_code"], i["max_points"], i["rule"]) for i in report["indicators"]
    }
    assert rules == {
        "1.1": ("1", 15, "choice"),
        "1.2": ("2", 15, "count_tiers"),
        "1.3": ("3", 10, "ratio"),
        "2.1": ("4", 20, "percent_tiers"),
        "2.2": ("5", 10, "sum"),
        "2.2.1": ("5.1", 6, "yes_no"),
        "2.2.2": ("5.2", 4, "yes_no"),
    }
    assert not any(i["needs_author"] for i in report["indicators"])
    assert imported.outline.stated_total == 70

    draft = tmp_path / "nhap.xlsx"
    imported.write(draft)
    assert [p for p in check_criteria_file(draft) if p.level.value == "error"] == []
    cs = load_criteria(draft)
    meetings = cs.indicator("1.2").rule
    assert [(t.minimum, t.points) for t in meetings.tiers] == [(4, 15), (3, 10), (2, 5)]
    chair = cs.indicator("1.1").rule
    assert [(c.label, c.points) for c in chair.choices] == [
        ("Trưởng ban là Chủ tịch UBND xã", 15),
        ("Là Phó Chủ tịch UBND xã", Decimal("7.5")),
        ("Chưa thành lập", 0),
    ]
    ratio = cs.indicator("1.3")
    assert ratio.rule.zero_denominator is ZeroDenominator.FULL  # from the row below
    assert [f.label for f in ratio.fields] == [
        "Số cuộc họp do Chủ tịch chủ trì",
        "Tổng số cuộc họp về chuyển đổi số",
    ]
    assert cs.indicator("1.1").evidence.description == "Quyết định thành lập"
    assert cs.indicator("1.1").verifier == "Sở KH&CN"
    assert "1/2 số điểm tối đa" in cs.indicator("1.1").help  # the published method, as help


def test_rows_it_cannot_read_are_flagged_and_the_draft_refuses_to_compile(tmp_path):
    rows = [
        HEADER,
        ("1", "Nhân lực số", "20", "", "", "", ""),
        (
            "1.1",
            "Tỷ lệ cán bộ được tập huấn",
            "10",
            "Trên 90%: 10 điểm; còn lại: 0 điểm",
            "",
            "",
            "",
        ),
        ("1.2", "Chất lượng hoạt động", "5", "Theo đánh giá của đoàn thẩm định", "", "", ""),
        ("1.3", "Thông tin chung", "5", "Không tính điểm", "", "", ""),
        ("1.4", "Đơn vị sự nghiệp", "mười", "Có: 5 điểm; Không: 0 điểm", "", "", ""),
        ("X9", "Dòng lạ", "5", "Có: 5 điểm", "", "", ""),
    ]
    imported = import_table(_xlsx(tmp_path / "bang.xlsx", rows), year=2026)
    report = imported.report()
    reasons = {i["code"]: i["reason"] for i in report["indicators"] if i["needs_author"]}
    assert set(reasons) == {"1.1", "1.2", "1.3", "1.4"}
    assert "lớn hơn" in reasons["1.1"]
    assert "không tính điểm nhưng điểm tối đa là 5" in reasons["1.3"]  # which one is it?
    assert "mười" in reasons["1.4"]
    assert [(u["code"], u["where"]) for u in report["unplaced"]] == [("X9", "Trang Sheet, dòng 8")]
    assert imported.flagged() == 5

    draft = tmp_path / "nhap.xlsx"
    imported.write(draft)
    wb = openpyxl.load_workbook(draft)
    review = [[c.value for c in row] for row in wb["Cần người soạn"].iter_rows(min_row=2)]
    assert [r[0] for r in review] == ["1.1", "1.2", "1.3", "1.4", None]  # None: unplaced
    assert review[1][4] == "Theo đánh giá của đoàn thẩm định"  # the text as printed
    sheet = wb["Chỉ tiêu"]
    header = [c.value for c in sheet[1]]
    kinds = {
        row[0]: row[header.index("Cách chấm")]
        for row in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert kinds["1.1"] is None and kinds["1.2"] is None  # left for the author
    errors = [p for p in check_criteria_file(draft) if p.level.value == "error"]
    assert any("Cách chấm" in p.message for p in errors)


def test_an_excel_table_with_dotted_codes_a_repeated_header_and_merged_cells(tmp_path):
    rows = [
        HEADER,
        ("1", "Thể chế số", "25", None, None, None, None),
        (
            "1.1",
            "Kế hoạch chuyển đổi số năm",
            "10",
            "Ban hành trong quý I: 10 điểm; ban hành sau quý I: 5 điểm; không ban hành: 0 điểm",
            "Kế hoạch",
            "",
            "",
        ),
        HEADER,  # the header printed again at the top of the next page
        ("1.2", "Quy chế", "15", None, None, None, None),
        (
            "1.2.1",
            "Quy chế làm việc của Ban Chỉ đạo",
            "15",
            "Có: 15 điểm; Không: 0 điểm",
            "",
            "",
            "",
        ),
    ]
    path = _xlsx(tmp_path / "bang.xlsx", rows, title_rows=2)
    wb = openpyxl.load_workbook(path)
    wb.active.merge_cells("B4:G4")  # the pillar's name across the row
    wb.save(path)
    report = import_table(path, year=2026).report()
    assert [(p["code"], p["name"]) for p in report["pillars"]] == [("1", "Thể chế số")]
    kinds = {i["code"]: i["rule"] for i in report["indicators"]}
    assert kinds == {"1.1": "choice", "1.2": "sum", "1.2.1": "yes_no"}


@pytest.mark.parametrize(
    ("text", "maximum", "kind", "detail"),
    [
        (
            "4 lần/năm: 20 điểm; 3 lần: 15 điểm; 2 lần: 10 điểm; 1 lần: 5 điểm; không họp: 0 điểm",
            20,
            RuleKind.COUNT_TIERS,
            [(4, 20), (3, 15), (2, 10), (1, 5)],
        ),
        (
            "Trên 3 lần: 10 điểm; từ 1 đến 3 lần: 5 điểm",
            10,
            RuleKind.COUNT_TIERS,
            [(4, 10), (1, 5)],
        ),
        (
            "≥ 80%: 10 điểm; từ 50% đến dưới 80%: 5 điểm; < 50%: 0 điểm",
            10,
            RuleKind.PERCENT_TIERS,
            [(80, 10), (50, 5)],
        ),
        (
            "Đạt 100%: 5 điểm; từ 80% đến dưới 100%: 50% điểm tối đa; dưới 80%: 0 điểm",
            5,
            RuleKind.PERCENT_TIERS,
            [(100, 5), (80, Decimal("2.5"))],
        ),
        ("Có: 10 điểm; Không: 0 điểm", 10, RuleKind.YES_NO, None),
        ("Có ban hành kế hoạch được điểm tối đa, không ban hành: 0 điểm", 8, RuleKind.YES_NO, None),
        (
            "Điểm = (a/b) x 20, a: số hồ sơ trực tuyến, b: tổng số hồ sơ; b = 0: 0 điểm",
            20,
            RuleKind.RATIO,
            ZeroDenominator.ZERO,
        ),
    ],
)
def test_usual_phrasings(text, maximum, kind, detail):
    reading = read_method(text, "Chỉ tiêu", Decimal(maximum))
    assert reading.rule is not None and reading.rule.kind is kind
    assert reading.reason == ""
    if kind in (RuleKind.COUNT_TIERS, RuleKind.PERCENT_TIERS):
        assert [(t.minimum, t.points) for t in reading.rule.tiers] == detail
    if kind is RuleKind.RATIO:
        assert reading.rule.zero_denominator is detail


@pytest.mark.parametrize(
    ("text", "maximum", "why"),
    [
        ("Từ 4 cuộc trở lên: 15 điểm; 3 cuộc: 10 điểm", 20, "khác điểm tối đa"),
        ("1 cuộc: 10 điểm; 2 cuộc: 5 điểm", 10, "bậc thấp hơn lại nhiều điểm hơn"),
        ("Có: 8 điểm; Không: 0 điểm", 10, "khác điểm tối đa"),
        (
            "a/b × điểm tối đa; a là số thủ tục trực tuyến; b là tổng số thủ tục",
            10,
            "mẫu số bằng 0",
        ),
        ("Cán bộ đánh giá theo thực tế", 10, "không tìm thấy số điểm"),
        ("", 10, "không có cách tính điểm"),
    ],
)
def test_phrasings_that_do_not_add_up_go_to_a_person(text, maximum, why):
    reading = read_method(text, "Chỉ tiêu", Decimal(maximum))
    assert reading.needs_author
    assert why in reading.reason


def _zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda p: p.with_suffix(".docx").write_bytes(b"not a zip") and None, "not_a_table_file"),
        (lambda p: _zip(p.with_suffix(".docx"), [("a.txt", b"x")]) and None, "not_a_table_file"),
        (
            lambda p: _zip(p.with_suffix(".docx"), [(f"f{i}", b"") for i in range(2001)]) and None,
            "too_large",
        ),
        (
            lambda p: (
                _zip(p.with_suffix(".docx"), [("word/document.xml", b"<w:document")]) and None
            ),
            "not_a_table_file",
        ),
    ],
)
def test_hostile_files_are_refused_with_a_reason(tmp_path, make, code):
    make(tmp_path / "bang")
    with pytest.raises(TableRejected) as refused:
        import_table(tmp_path / "bang.docx", year=2026)
    assert refused.value.problem.code == code


def test_a_document_without_the_table_and_a_huge_file(tmp_path):
    document = docx.Document()
    document.add_table(rows=12, cols=3).cell(0, 0).text = "Nơi nhận"
    document.save(tmp_path / "cong-van.docx")
    with pytest.raises(TableRejected) as refused:
        import_table(tmp_path / "cong-van.docx", year=2026)
    assert refused.value.problem.code == "no_criteria_table"
    huge = tmp_path / "to.xlsx"
    with huge.open("wb") as handle:
        handle.truncate(21 * 1024 * 1024)
    with pytest.raises(TableRejected) as refused:
        import_table(huge, year=2026)
    assert refused.value.problem.code == "file_too_large"


def test_the_command_line_writes_the_draft_and_a_json_report(tmp_path, capsys):
    source = _docx(tmp_path / "bang.docx", ROMAN_ROWS)
    draft = tmp_path / "nhap.xlsx"
    assert main(["schema", "import-table", str(source), "-o", str(draft), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report) >= {"pillars", "indicators"}
    assert set(report["indicators"][0]) >= {
        "code",
        "name",
        "max_points",
        "rule",
        "needs_author",
        "reason",
    }
    assert draft.exists()

    assert main(["schema", "import-table", str(source), "-o", str(tmp_path / "n2.xlsx")]) == 0
    assert "0 dòng cần người soạn" in capsys.readouterr().out

    broken = tmp_path / "hong.docx"
    broken.write_bytes(b"PK\x03\x04 broken")
    target = tmp_path / "khong.xlsx"
    assert main(["schema", "import-table", str(broken), "-o", str(target), "--json"]) == 1
    body = json.loads(capsys.readouterr().out)
    assert body["code"] == "not_a_table_file" and body["ok"] is False  # every --json error's shape
    assert not target.exists()  # nothing half-written


def test_a_draft_file_is_written_whole_or_not_at_all(tmp_path, monkeypatch):
    imported = import_table(_docx(tmp_path / "bang.docx", ROMAN_ROWS), year=2026)
    target = tmp_path / "nhap.xlsx"
    target.write_bytes(b"the previous draft")

    def broken_save(self, handle):
        handle.write(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(openpyxl.Workbook, "save", broken_save)
    with pytest.raises(OSError):
        imported.write(target)
    assert target.read_bytes() == b"the previous draft"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bang.docx", "nhap.xlsx"]


def test_an_unscored_row_becomes_an_unscored_indicator(tmp_path):
    """Issue 16: "không tính điểm" is a rule kind now (``info``), written, not flagged."""
    rows = [*ROMAN_ROWS[:-1], ("6", "Thông tin chung về xã", "0", "Không tính điểm", "", "", "")]
    imported = import_table(_docx(tmp_path / "bang.docx", rows), year=2026)
    report = imported.report()
    unscored = next(i for i in report["indicators"] if i["source_code"] == "6")
    assert unscored["rule"] == "info" and not unscored["needs_author"]
    assert unscored["reason"] == ""
    ind = imported.criteria.indicator(unscored["code"])
    assert ind.max_points == 0 and [f.kind.value for f in ind.fields] == ["text"]


def test_an_information_block_of_unscored_rows_is_not_flagged(tmp_path):
    rows = [
        HEADER,
        ("I", "THÔNG TIN CHUNG", "0", "", "", "", ""),
        ("1", "Số cán bộ, công chức", "0", "Không tính điểm", "", "", ""),
        ("2", "Dân số", "0", "Thu thập, không tính điểm", "", "", ""),
        ("II", "KINH TẾ SỐ", "10", "", "", "", ""),
        (
            "3",
            "Thanh toán không dùng tiền mặt",
            "10",
            "Đạt chỉ tiêu khi tỷ lệ giao dịch không dùng tiền mặt ≥ 60%: 10 điểm; không đạt: 0 điểm",
            "",
            "",
            "",
        ),
    ]
    imported = import_table(_xlsx(tmp_path / "bang.xlsx", rows), year=2026)
    report = imported.report()
    assert [p["max_points"] for p in report["pillars"]] == [0, 10]
    assert [(i["rule"], i["needs_author"]) for i in report["indicators"]] == [
        ("info", False),
        ("info", False),
        ("target", False),
    ]
    assert imported.flagged() == 0


@pytest.mark.parametrize(
    ("method", "maximum", "expected"),
    [
        ("Đạt chỉ tiêu khi tỷ lệ thanh toán không dùng tiền mặt ≥ 60%", "0", ("ty_le", "60")),
        ("Đạt khi tổ chức từ 2 lớp tập huấn trở lên: 5 điểm", "5", ("so_luong", "2")),
        ("Đạt chỉ tiêu khi tỷ lệ tối thiểu 80%: 5 điểm; không đạt: 0 điểm", "5", ("ty_le", "80")),
    ],
)
def test_target_phrasings(method, maximum, expected):
    reading = read_method(method, "Chỉ tiêu", D(maximum))
    assert reading.rule is not None and not reading.needs_author, reading.reason
    assert reading.rule.kind is RuleKind.TARGET
    assert (reading.rule.field, str(reading.rule.at_least)) == expected


@pytest.mark.parametrize(
    "method",
    [
        "Đạt chỉ tiêu khi tỷ lệ trên 60%",  # "more than": the target says "at least"
        "Đạt chỉ tiêu khi có đủ hồ sơ",  # no threshold
        "Đạt khi từ 60%: 3 điểm",  # a price other than the maximum
    ],
)
def test_target_phrasings_it_cannot_read_are_flagged(method):
    assert read_method(method, "Chỉ tiêu", D(5)).needs_author


def test_points_per_item_and_a_zero_pillar_are_not_guessed(tmp_path):
    rows = [
        HEADER,
        ("I", "NHẬN THỨC SỐ", "20", "", "", "", ""),
        (
            "1",
            "Tin bài về chuyển đổi số",
            "20",
            "Mỗi tin, bài được 2 điểm, tối đa 20 điểm",
            "",
            "",
            "",
        ),
        ("II", "THÔNG TIN CHUNG", "0", "", "", "", ""),
        ("1", "Số cán bộ của xã", "0", "Không tính điểm", "", "", ""),
        # a 0-point row that does not say it is unscored: the 0 pillar is asked about
        ("2", "Dân số", "0", "Theo số liệu thống kê", "", "", ""),
    ]
    imported = import_table(_docx(tmp_path / "bang.docx", rows), year=2026)
    report = imported.report()
    per_item = report["indicators"][0]
    assert per_item["rule"] is None and "mỗi" in per_item["reason"]
    assert [p["needs_author"] for p in report["pillars"]] == [False, True]
    assert imported.flagged() == 3  # the per-item row, "Dân số" and the 0 pillar
