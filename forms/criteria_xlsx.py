"""The Excel authoring form of a criteria set: read (with every problem located by cell) and write.

Province staff edit the set in a workbook with one sheet per part (see docs/criteria-format.md):
Thiết lập (settings), Trụ cột (pillars), Chỉ tiêu (indicators, one row each; sub-indicators by
code like 5.3.2), Trường nhập (input fields), Bậc điểm (tiers), Lựa chọn (choices), Xếp loại
(bands). Each sheet has a header row with fixed column names; columns may be in any order and
extra columns (notes) are ignored.

The reader never raises on a bad workbook: wrong types, formulas, merged or missing headers,
missing sheets, absurd sizes all become ``Problem``s located as ``Sheet!D14``. Work on huge
sheets is capped (``MAX_DATA_ROWS``) so a hostile file cannot make the app hang.
"""

from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.atomic import atomic_write
from forms.cells import append
from forms.criteria import (
    Band,
    Choice,
    CriteriaSet,
    Evidence,
    Field,
    FieldKind,
    Indicator,
    Pillar,
    Rounding,
    Rule,
    RuleKind,
    Severity,
    Tier,
    ZeroDenominator,
)
from forms.criteria_checks import INDICATOR_CODE, check_set
from forms.criteria_json import MAX_NUMBER
from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.problems import Level, Problem, ProblemsError
from forms.values import to_bool, to_decimal

MAX_DATA_ROWS = (
    2000  # a real set has ~100 indicator rows; far beyond this is a wrong or hostile file
)
MAX_BLANK_RUN = (
    200  # this many blank rows in a row end a table (sheets "formatted" to row 1,048,576)
)
MAX_COLUMNS = 40
HEADER_SEARCH_ROWS = 10  # title lines allowed above the header row
MAX_UNPACKED_BYTES = (
    16 * 2**20
)  # zip-bomb guard: a real set unpacks to ~0.3 MB (openpyxl may scan it all)
MAX_ZIP_ENTRIES = 2000
MAX_WORKBOOK_BYTES = 32 * 2**20  # the file itself (a real set is ~50 kB); read before unzipping

SHEET_SETTINGS = "Thiết lập"
SHEET_PILLARS = "Trụ cột"
SHEET_INDICATORS = "Chỉ tiêu"
SHEET_FIELDS = "Trường nhập"
SHEET_TIERS = "Bậc điểm"
SHEET_CHOICES = "Lựa chọn"
SHEET_BANDS = "Xếp loại"
SHEETS = (
    SHEET_SETTINGS,
    SHEET_PILLARS,
    SHEET_INDICATORS,
    SHEET_FIELDS,
    SHEET_TIERS,
    SHEET_CHOICES,
    SHEET_BANDS,
)


@dataclass(frozen=True)
class Column:
    attr: str  # the attribute name as in the JSON form (what checks locate by)
    header: str  # the header text in the workbook
    kind: str  # text | code | number | int | bool | enum
    required: bool = True  # the column must exist
    enum: tuple[
        tuple[str, Any], ...
    ] = ()  # (written form, value); more accepted spellings in ALIASES
    width: int = 14


RULE_NAMES = (
    ("có/không", RuleKind.YES_NO),
    ("lựa chọn", RuleKind.CHOICE),
    ("bậc số lượng", RuleKind.COUNT_TIERS),
    ("bậc tỷ lệ", RuleKind.PERCENT_TIERS),
    ("tỷ lệ", RuleKind.RATIO),
    ("nhập điểm", RuleKind.DIRECT),
    ("tổng", RuleKind.SUM),
)
FIELD_KIND_NAMES = (
    ("có/không", FieldKind.BOOL),
    ("lựa chọn", FieldKind.CHOICE),
    ("số lượng", FieldKind.COUNT),
    ("tỷ lệ %", FieldKind.PERCENT),
    ("số", FieldKind.NUMBER),
    ("ngày", FieldKind.DATE),
    ("chữ", FieldKind.TEXT),
    ("văn bản", FieldKind.DOCREF),
)
ZERO_NAMES = (("0 điểm", ZeroDenominator.ZERO), ("tối đa", ZeroDenominator.FULL))
SEVERITY_NAMES = (("lỗi", Severity.ERROR), ("cảnh báo", Severity.WARNING))
LEVEL_NAMES = (("xã", "commune"), ("phường", "ward"))
ROUNDING_NAMES = (("lên từ 5", "half_up"), ("về số chẵn", "half_even"))

PILLAR_COLUMNS = (
    Column("code", "Mã", "code", width=8),
    Column("name", "Tên trụ cột", "text", width=40),
    Column("max_points", "Điểm tối đa", "number"),
)
INDICATOR_COLUMNS = (
    Column("code", "Mã", "code", width=9),
    Column("name", "Tên chỉ tiêu", "text", width=55),
    Column("max_points", "Điểm tối đa", "number", width=11),
    Column("rule.kind", "Cách chấm", "enum", enum=RULE_NAMES),
    Column("rule.field", "Trường chấm", "text", required=False),
    Column("rule.numerator", "Tử số", "text", required=False, width=10),
    Column("rule.denominator", "Mẫu số", "text", required=False, width=10),
    Column("rule.zero_denominator", "Khi mẫu số bằng 0", "enum", required=False, enum=ZERO_NAMES),
    Column("evidence.required", "Bắt buộc minh chứng", "bool", required=False),
    Column("evidence.severity", "Thiếu minh chứng là", "enum", required=False, enum=SEVERITY_NAMES),
    Column("evidence.description", "Tài liệu kiểm chứng", "text", required=False, width=45),
    Column("data_source", "Nguồn dữ liệu", "text", required=False, width=30),
    Column("verifier", "Cơ quan thẩm định", "text", required=False, width=25),
    Column("help", "Hướng dẫn", "text", required=False, width=50),
)
FIELD_COLUMNS = (
    Column("indicator", "Mã chỉ tiêu", "code", width=11),
    Column("key", "Khóa", "text"),
    Column("kind", "Loại", "enum", enum=FIELD_KIND_NAMES),
    Column("label", "Nhãn", "text", width=45),
    Column("required", "Bắt buộc", "bool", required=False, width=10),
    Column("in_year", "Trong năm đánh giá", "bool", required=False),
    Column("unit", "Đơn vị", "text", required=False, width=12),
)
TIER_COLUMNS = (
    Column("indicator", "Mã chỉ tiêu", "code", width=11),
    Column("minimum", "Từ mức", "number"),
    Column("points", "Điểm", "number"),
)
CHOICE_COLUMNS = (
    Column("indicator", "Mã chỉ tiêu", "code", width=11),
    Column("key", "Khóa", "text", width=16),
    Column("label", "Nhãn", "text", width=50),
    Column("points", "Điểm", "number"),
)
BAND_COLUMNS = (
    Column("minimum", "Từ điểm", "number"),
    Column("label", "Xếp loại", "text", width=20),
)
SETTING_COLUMNS = (
    Column("key", "Thuộc tính", "text", width=26),
    Column("value", "Giá trị", "text", width=90),
)

# settings rows: (written key, attribute, kind, enum)
SETTINGS: tuple[tuple[str, str, str, tuple[tuple[str, Any], ...]], ...] = (
    ("Mã bộ tiêu chí", "set_id", "text", ()),
    ("Tên bộ tiêu chí", "title", "text", ()),
    ("Cấp đơn vị", "level", "enum", LEVEL_NAMES),
    ("Năm", "year", "int", ()),
    ("Phiên bản", "version", "text", ()),
    ("Tổng điểm", "total_points", "number", ()),
    ("Bộ tham khảo", "reference", "bool", ()),
    ("Nhãn không xếp hạng", "not_ranked_label", "text", ()),
    ("Số chữ số thập phân", "rounding.decimals", "int", ()),
    ("Cách làm tròn", "rounding.mode", "enum", ROUNDING_NAMES),
)
OPTIONAL_SETTINGS = {"reference", "not_ranked_label", "rounding.decimals", "rounding.mode"}


def _norm(text: str) -> str:
    """Header/enum matching: NFC, case-insensitive, spaces collapsed, trailing ':' or '*' dropped."""
    text = unicodedata.normalize("NFC", text).casefold().strip().rstrip(":*").strip()
    return re.sub(r"\s+", " ", text)


def _enum_lookup(names: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    lookup: dict[str, Any] = {}
    for written, value in names:
        lookup[_norm(written)] = value
        lookup[_norm(str(getattr(value, "value", value)))] = value  # the JSON spelling works too
    return lookup


def _col_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


class XlsxLocator:
    """Locates objects of a set read from a workbook by cell, for the consistency checks."""

    def __init__(self) -> None:
        self.places: dict[int, tuple[str, int, dict[str, int]]] = {}
        self.set_id = 0
        self.setting_rows: dict[str, int] = {}

    def set_place(self, cs: CriteriaSet, setting_rows: dict[str, int]) -> None:
        """The set's own attributes live in rows of the settings sheet (value column B)."""
        self.set_id = id(cs)
        self.setting_rows = setting_rows

    def add(self, obj: object, sheet: str, row: int, columns: dict[str, int]) -> None:
        self.places[id(obj)] = (sheet, row, columns)

    def where(self, obj: object, attr: str = "") -> str:
        if id(obj) == self.set_id:
            if attr == "pillars":
                return f"{SHEET_PILLARS}!A1"
            if attr == "bands":
                return f"{SHEET_BANDS}!A1"
            row = self.setting_rows.get(attr)
            return f"{SHEET_SETTINGS}!B{row}" if row else f"{SHEET_SETTINGS}!A1"
        place = self.places.get(id(obj))
        if place is None:
            return ""
        sheet, row, columns = place
        col = columns.get(attr, columns.get(attr.split(".")[0], next(iter(columns.values()), 0)))
        return f"{sheet}!{_col_letter(col)}{row}" if row else f"{sheet}!{_col_letter(col)}1"


@dataclass
class _Row:
    number: int
    values: dict[str, Any] = field(
        default_factory=dict
    )  # attr -> converted value (None = empty/bad)
    bad: set[str] = field(
        default_factory=set
    )  # attrs whose cell was unusable (problem already reported)


@dataclass
class _Table:
    sheet: str
    columns: dict[str, int]  # attr -> 0-based column index
    rows: list[_Row]


class _WorkbookReader:
    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.problems: list[Problem] = []
        self.loc = XlsxLocator()
        self.tainted: set[int] = set()

    def problem(self, code: str, message: str, where: str) -> None:
        self.problems.append(Problem(code, message, where))

    # --- cells ---------------------------------------------------------------------------

    def convert(  # noqa: C901, PLR0912
        self, sheet: str, coord: str, col: Column, cell: Any, enum: dict[str, Any] | None
    ) -> tuple[Any, bool]:
        """(value, ok): ``None, True`` for an empty cell; ``None, False`` after reporting a problem."""
        where = f"{sheet}!{coord}"
        value = cell.value
        dtype = getattr(cell, "data_type", "n")
        if value is None or (isinstance(value, str) and not value.strip()):
            return None, True
        if dtype == "f" or (isinstance(value, str) and value.startswith("=") and dtype != "s"):
            self.problem(
                "formula",
                _(
                    "Ô chứa công thức ({formula}); hãy thay bằng giá trị (dán đặc biệt → giá trị).",
                    formula=str(value)[:40],
                ),
                where,
            )
            return None, False
        if dtype == "e":
            self.problem("cell_error", _("Ô chứa lỗi Excel {error}.", error=value), where)
            return None, False
        kind = col.kind
        if isinstance(value, (datetime, date, time)) and kind != "text":
            self.problem(
                "wrong_type",
                _(
                    "Cột “{column}” cần {expected}, nhưng ô chứa ngày giờ.",
                    column=col.header,
                    expected=self.expected(kind),
                ),
                where,
            )
            return None, False
        if kind == "text":
            if isinstance(value, (bool, datetime, date, time)):
                self.problem(
                    "wrong_type",
                    _(
                        "Cột “{column}” cần chữ, nhưng ô chứa “{value}”.",
                        column=col.header,
                        value=value,
                    ),
                    where,
                )
                return None, False
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            return unicodedata.normalize("NFC", str(value)).strip(), True
        if kind == "code":
            if isinstance(value, bool):
                self.problem(
                    "wrong_type",
                    _(
                        "Cột “{column}” cần mã, nhưng ô chứa “{value}”.",
                        column=col.header,
                        value=value,
                    ),
                    where,
                )
                return None, False
            if isinstance(value, float):
                if value.is_integer():
                    return str(int(value)), True
                # Excel turned "1.10" into the number 1.1: the code cannot be recovered safely.
                self.problem(
                    "code_not_text",
                    _(
                        "Mã “{value}” đang là số, Excel có thể đã đổi 1.10 thành 1.1; hãy định dạng ô là Văn bản (Text) rồi gõ lại mã.",
                        value=value,
                    ),
                    where,
                )
                return None, False
            return unicodedata.normalize("NFC", str(value)).strip(), True
        if kind in ("number", "int"):
            number = to_decimal(value)
            if number is not None and not -MAX_NUMBER <= number <= MAX_NUMBER:
                self.problem(
                    "out_of_range",
                    _(
                        "Cột “{column}”: số quá lớn (tối đa {max}).",
                        column=col.header,
                        max=MAX_NUMBER,
                    ),
                    where,
                )
                return None, False
            if number is None:
                self.problem(
                    "wrong_type",
                    _(
                        "Cột “{column}” cần một số, nhưng ô chứa “{value}”.",
                        column=col.header,
                        value=str(value)[:40],
                    ),
                    where,
                )
                return None, False
            if kind == "int":
                if number != number.to_integral_value():
                    self.problem(
                        "wrong_type",
                        _(
                            "Cột “{column}” cần số nguyên, nhưng ô chứa “{value}”.",
                            column=col.header,
                            value=value,
                        ),
                        where,
                    )
                    return None, False
                return int(number), True
            return number, True
        if kind == "bool":
            flag = to_bool(value)
            if flag is None:
                self.problem(
                    "wrong_type",
                    _(
                        "Cột “{column}” cần “Có” hoặc “Không”, nhưng ô chứa “{value}”.",
                        column=col.header,
                        value=str(value)[:40],
                    ),
                    where,
                )
                return None, False
            return flag, True
        # enum
        assert enum is not None
        if isinstance(value, str) and _norm(value) in enum:
            return enum[_norm(value)], True
        allowed = ", ".join(f"“{w}”" for w, _v in col.enum)
        self.problem(
            "unknown_value",
            _(
                "Cột “{column}”: “{value}” không hợp lệ; dùng một trong: {allowed}.",
                column=col.header,
                value=str(value)[:40],
                allowed=allowed,
            ),
            where,
        )
        return None, False

    @staticmethod
    def expected(kind: str) -> str:
        return {
            "number": _("một số"),
            "int": _("số nguyên"),
            "bool": _("“Có” hoặc “Không”"),
            "enum": _("một giá trị trong danh sách"),
            "code": _("mã"),
        }.get(kind, _("chữ"))

    # --- sheets --------------------------------------------------------------------------

    def table(self, sheet: str, columns: tuple[Column, ...]) -> _Table | None:  # noqa: C901, PLR0912, PLR0915
        if sheet not in self.wb.sheetnames:
            wanted = _norm(sheet)
            near = next((n for n in self.wb.sheetnames if _norm(n) == wanted), None)
            if near is None:
                self.problem("missing_sheet", _("Thiếu trang tính “{sheet}”.", sheet=sheet), sheet)
                return None
            sheet_obj = self.wb[near]
        else:
            sheet_obj = self.wb[sheet]
        if getattr(sheet_obj, "iter_rows", None) is None:  # a chart sheet under that name
            self.problem(
                "missing_sheet", _("“{sheet}” không phải trang tính dữ liệu.", sheet=sheet), sheet
            )
            return None
        rows = sheet_obj.iter_rows(max_col=MAX_COLUMNS)
        by_header = {_norm(c.header): c for c in columns}
        header_row = 0
        header: dict[int, Column] = {}
        header_cells: list[Any] = []
        for number, cells in enumerate(rows, start=1):
            names = [_norm(c.value) if isinstance(c.value, str) else "" for c in cells]
            if any(n in by_header for n in names):
                header_row = number
                header_cells = list(cells)
                break
            if number >= HEADER_SEARCH_ROWS:
                break
        if not header_row:
            self.problem(
                "header_missing",
                _(
                    "Trang “{sheet}” không có dòng tiêu đề với các cột: {columns}.",
                    sheet=sheet,
                    columns=", ".join(c.header for c in columns if c.required),
                ),
                f"{sheet}!A1",
            )
            return None
        named = [
            i for i, c in enumerate(header_cells) if isinstance(c.value, str) and c.value.strip()
        ]
        for index, cell in enumerate(header_cells):
            if not isinstance(cell.value, str):
                continue
            col = by_header.get(_norm(cell.value))
            if col is None:
                continue  # an extra column (notes): ignored
            if col in header.values():
                self.problem(
                    "duplicate_column",
                    _("Cột “{column}” xuất hiện hai lần.", column=col.header),
                    f"{sheet}!{_col_letter(index)}{header_row}",
                )
                continue
            header[index] = col
        blank_inside = [i for i in range(named[0], named[-1]) if i not in named] if named else []
        for index in blank_inside:
            self.problem(
                "merged_header",
                _(
                    "Ô tiêu đề trống hoặc bị gộp với ô bên cạnh; mỗi cột cần một tiêu đề riêng, không gộp ô."
                ),
                f"{sheet}!{_col_letter(index)}{header_row}",
            )
        found = {c.attr for c in header.values()}
        for col in columns:
            if col.required and col.attr not in found:
                self.problem(
                    "missing_column",
                    _("Trang “{sheet}” thiếu cột “{column}”.", sheet=sheet, column=col.header),
                    f"{sheet}!A{header_row}",
                )
        enums = {c.attr: _enum_lookup(c.enum) for c in columns if c.kind == "enum"}
        result = _Table(sheet, {c.attr: i for i, c in header.items()}, [])
        blank_run = 0
        for number, cells in enumerate(rows, start=header_row + 1):
            if all(
                c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells
            ):
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            if len(result.rows) >= MAX_DATA_ROWS:
                self.problem(
                    "too_many_rows",
                    _(
                        "Trang “{sheet}” có hơn {n} dòng dữ liệu; đã dừng đọc. Bộ tiêu chí thật chỉ có vài trăm dòng.",
                        sheet=sheet,
                        n=MAX_DATA_ROWS,
                    ),
                    f"{sheet}!A{number}",
                )
                break
            row = _Row(number)
            for index, cell in enumerate(cells):
                col = header.get(index)
                if col is None:
                    continue
                value, ok = self.convert(
                    sheet, f"{_col_letter(index)}{number}", col, cell, enums.get(col.attr)
                )
                if not ok:
                    row.bad.add(col.attr)
                elif value is not None:
                    row.values[col.attr] = value
            result.rows.append(row)
        return result

    def need(self, table: _Table, row: _Row, attr: str, header: str) -> Any:
        """The value of a cell that must be filled in (reports an empty one)."""
        if attr in row.values:
            return row.values[attr]
        if attr not in row.bad and attr in table.columns:
            self.problem(
                "empty_cell",
                _("Ô “{column}” đang trống.", column=header),
                f"{table.sheet}!{_col_letter(table.columns[attr])}{row.number}",
            )
            row.bad.add(attr)
        elif attr not in table.columns:
            row.bad.add(attr)  # the missing column was reported once already
        return None

    # --- the set -------------------------------------------------------------------------

    def settings(self) -> tuple[dict[str, Any], dict[str, int], bool]:
        table = self.table(SHEET_SETTINGS, SETTING_COLUMNS)
        values: dict[str, Any] = {}
        rows: dict[str, int] = {}
        bad = False
        if table is None:
            return values, rows, True
        known = {_norm(k): (k, attr, kind, names) for k, attr, kind, names in SETTINGS}
        value_col = table.columns.get("value", 1)
        for row in table.rows:
            key = row.values.get("key")
            if key is None:
                continue
            entry = known.get(_norm(str(key)))
            where = f"{SHEET_SETTINGS}!{_col_letter(value_col)}{row.number}"
            if entry is None:
                self.problem(
                    "unknown_setting",
                    _(
                        "Thuộc tính “{key}” không được hỗ trợ; dùng: {known}.",
                        key=key,
                        known=", ".join(k for k, *_r in SETTINGS),
                    ),
                    f"{SHEET_SETTINGS}!{_col_letter(table.columns.get('key', 0))}{row.number}",
                )
                continue
            written, attr, kind, names = entry
            if attr in rows:
                self.problem(
                    "duplicate_setting",
                    _("Thuộc tính “{key}” được ghi hai lần.", key=written),
                    where,
                )
                continue
            rows[attr] = row.number
            raw = row.values.get("value")
            if raw is None:
                if "value" not in row.bad:
                    self.problem(
                        "empty_cell", _("Thuộc tính “{key}” chưa có giá trị.", key=written), where
                    )
                bad = True
                continue
            col = Column(attr, written, kind, enum=names)
            converted, ok = self.convert(
                SHEET_SETTINGS,
                where.split("!")[1],
                col,
                _Value(raw),
                _enum_lookup(names) if names else None,
            )
            if not ok or converted is None:
                bad = True
                continue
            values[attr] = converted
        for written, attr, _kind, _names in SETTINGS:
            if attr not in rows and attr not in OPTIONAL_SETTINGS:
                self.problem(
                    "missing_setting",
                    _(
                        "Trang “{sheet}” thiếu thuộc tính “{key}”.",
                        sheet=SHEET_SETTINGS,
                        key=written,
                    ),
                    f"{SHEET_SETTINGS}!A1",
                )
                bad = True
        return values, rows, bad

    def read(self) -> CriteriaSet | None:  # noqa: C901, PLR0912, PLR0915
        settings, setting_rows, settings_bad = self.settings()
        pillars_t = self.table(SHEET_PILLARS, PILLAR_COLUMNS)
        inds_t = self.table(SHEET_INDICATORS, INDICATOR_COLUMNS)
        fields_t = self.table(SHEET_FIELDS, FIELD_COLUMNS)
        tiers_t = self.table(SHEET_TIERS, TIER_COLUMNS)
        choices_t = self.table(SHEET_CHOICES, CHOICE_COLUMNS)
        bands_t = self.table(SHEET_BANDS, BAND_COLUMNS)

        # indicator rows by code (first occurrence wins; duplicates reported here)
        ind_rows: dict[str, _Row] = {}
        if inds_t is not None:
            for row in inds_t.rows:
                code = self.need(inds_t, row, "code", "Mã")
                if code is None:
                    continue
                where = f"{SHEET_INDICATORS}!{_col_letter(inds_t.columns['code'])}{row.number}"
                if not INDICATOR_CODE.match(code):
                    self.problem(
                        "bad_code",
                        _(
                            "Mã chỉ tiêu “{code}” không hợp lệ (cần dạng 5.3 hoặc 5.3.2).",
                            code=code,
                        ),
                        where,
                    )
                    continue
                if code in ind_rows:
                    self.problem(
                        "duplicate_code",
                        _(
                            "Mã chỉ tiêu {code} bị trùng (đã có ở dòng {row}).",
                            code=code,
                            row=ind_rows[code].number,
                        ),
                        where,
                    )
                    continue
                ind_rows[code] = row

        fields = self.attached(fields_t, ind_rows, self.field)
        tiers = self.attached(tiers_t, ind_rows, self.tier)
        choices = self.attached(choices_t, ind_rows, self.choice)

        children: dict[str, list[str]] = {}
        tops: dict[str, list[str]] = {}
        for code, row in ind_rows.items():
            parent = code.rsplit(".", 1)[0]
            if "." in parent:
                if parent not in ind_rows:
                    assert inds_t is not None
                    self.problem(
                        "orphan",
                        _(
                            "Chỉ tiêu con {code} không có chỉ tiêu cha {parent} trong trang “{sheet}”.",
                            code=code,
                            parent=parent,
                            sheet=SHEET_INDICATORS,
                        ),
                        f"{SHEET_INDICATORS}!{_col_letter(inds_t.columns['code'])}{row.number}",
                    )
                    continue
                children.setdefault(parent, []).append(code)
            else:
                tops.setdefault(parent, []).append(code)

        built: dict[str, Indicator] = {}

        def build(code: str) -> Indicator:
            assert inds_t is not None
            row = ind_rows[code]
            kids = tuple(build(c) for c in children.get(code, ()))
            ind = self.indicator(
                inds_t,
                row,
                code,
                fields.get(code, ()),
                tiers.get(code, ()),
                choices.get(code, ()),
                kids,
            )
            built[code] = ind
            return ind

        pillars: list[Pillar] = []
        seen_pillars: set[str] = set()
        if pillars_t is not None:
            for row in pillars_t.rows:
                code = self.need(pillars_t, row, "code", "Mã")
                name = self.need(pillars_t, row, "name", "Tên trụ cột")
                max_points = self.need(pillars_t, row, "max_points", "Điểm tối đa")
                if code is None:
                    continue
                indicators = (
                    tuple(build(c) for c in tops.get(code, ())) if code not in seen_pillars else ()
                )
                seen_pillars.add(code)
                pillar = Pillar(
                    code,
                    name or "",
                    max_points if max_points is not None else Decimal(0),
                    indicators,
                )
                self.loc.add(pillar, SHEET_PILLARS, row.number, pillars_t.columns)
                if max_points is None:
                    self.tainted.add(id(pillar))
                pillars.append(pillar)
        for pcode, codes in tops.items():
            if pcode not in seen_pillars and pillars_t is not None:
                assert inds_t is not None
                for code in codes:
                    self.problem(
                        "unknown_pillar",
                        _(
                            "Chỉ tiêu {code} thuộc trụ cột {pillar}, nhưng trang “{sheet}” không có trụ cột này.",
                            code=code,
                            pillar=pcode,
                            sheet=SHEET_PILLARS,
                        ),
                        f"{SHEET_INDICATORS}!{_col_letter(inds_t.columns['code'])}{ind_rows[code].number}",
                    )

        bands: list[Band] = []
        if bands_t is not None:
            for row in bands_t.rows:
                minimum = self.need(bands_t, row, "minimum", "Từ điểm")
                label = self.need(bands_t, row, "label", "Xếp loại")
                band = Band(minimum if minimum is not None else Decimal(0), label or "")
                self.loc.add(band, SHEET_BANDS, row.number, bands_t.columns)
                if minimum is None:
                    self.tainted.add(id(band))
                if minimum is None and label is None:
                    continue
                bands.append(band)

        cs = CriteriaSet(
            set_id=settings.get("set_id", ""),
            level=settings.get("level", ""),
            year=settings.get("year", 0),
            version=settings.get("version", ""),
            title=settings.get("title", ""),
            total_points=settings.get("total_points", Decimal(0)),
            pillars=tuple(pillars),
            bands=tuple(bands),
            rounding=Rounding(
                settings.get("rounding.decimals", 2), settings.get("rounding.mode", "half_up")
            ),
            not_ranked_label=settings.get("not_ranked_label", "-"),
            reference=settings.get("reference", False),
        )
        self.loc.set_place(cs, setting_rows)
        if settings_bad or "year" not in settings or "total_points" not in settings:
            self.tainted.add(id(cs))
        return cs

    def attached(
        self, table: _Table | None, ind_rows: dict[str, _Row], make: Callable[[_Table, _Row], Any]
    ) -> dict[str, list[Any]]:
        """Rows of a per-indicator sheet (fields, tiers, choices), grouped by indicator code."""
        grouped: dict[str, list[Any]] = {}
        if table is None:
            return grouped
        for row in table.rows:
            code = self.need(table, row, "indicator", "Mã chỉ tiêu")
            if code is None:
                continue
            if code not in ind_rows:
                self.problem(
                    "unknown_indicator",
                    _(
                        "Mã chỉ tiêu {code} không có trong trang “{sheet}”.",
                        code=code,
                        sheet=SHEET_INDICATORS,
                    ),
                    f"{table.sheet}!{_col_letter(table.columns['indicator'])}{row.number}",
                )
                continue
            obj = make(table, row)
            if obj is not None:
                grouped.setdefault(code, []).append(obj)
        return grouped

    def field(self, table: _Table, row: _Row) -> Field | None:
        key = self.need(table, row, "key", "Khóa")
        kind = self.need(table, row, "kind", "Loại")
        label = self.need(table, row, "label", "Nhãn")
        if key is None:
            return None
        fld = Field(
            key=key,
            kind=kind or FieldKind.TEXT,
            label=label or "",
            required=row.values.get("required", True),
            in_year=row.values.get("in_year", False),
            unit=row.values.get("unit", ""),
        )
        self.loc.add(fld, table.sheet, row.number, table.columns)
        return fld

    def tier(self, table: _Table, row: _Row) -> Tier:
        minimum = self.need(table, row, "minimum", "Từ mức")
        points = self.need(table, row, "points", "Điểm")
        tier = Tier(
            minimum if minimum is not None else Decimal(0),
            points if points is not None else Decimal(0),
        )
        self.loc.add(tier, table.sheet, row.number, table.columns)
        if minimum is None or points is None:
            self.tainted.add(id(tier))
        return tier

    def choice(self, table: _Table, row: _Row) -> Choice | None:
        key = self.need(table, row, "key", "Khóa")
        label = self.need(table, row, "label", "Nhãn")
        points = self.need(table, row, "points", "Điểm")
        if key is None:
            return None
        choice = Choice(key, label or "", points if points is not None else Decimal(0))
        self.loc.add(choice, table.sheet, row.number, table.columns)
        if points is None:
            self.tainted.add(id(choice))
        return choice

    def indicator(
        self,
        table: _Table,
        row: _Row,
        code: str,
        fields: Any,
        tiers: Any,
        choices: Any,
        kids: tuple[Indicator, ...],
    ) -> Indicator:
        v = row.values
        name = self.need(table, row, "name", "Tên chỉ tiêu")
        max_points = self.need(table, row, "max_points", "Điểm tối đa")
        kind = self.need(table, row, "rule.kind", "Cách chấm")
        rule = Rule(
            kind=kind or (RuleKind.SUM if kids else RuleKind.DIRECT),
            field=v.get("rule.field", ""),
            numerator=v.get("rule.numerator", ""),
            denominator=v.get("rule.denominator", ""),
            zero_denominator=v.get("rule.zero_denominator", ZeroDenominator.ZERO),
            tiers=tuple(tiers),
            choices=tuple(choices),
        )
        evidence = Evidence(
            required=v.get("evidence.required", False),
            severity=v.get("evidence.severity", Severity.WARNING),
            description=v.get("evidence.description", ""),
        )
        ind = Indicator(
            code=code,
            name=name or "",
            max_points=max_points if max_points is not None else Decimal(0),
            rule=rule,
            fields=tuple(fields),
            evidence=evidence,
            data_source=v.get("data_source", ""),
            verifier=v.get("verifier", ""),
            help=v.get("help", ""),
            children=kids,
        )
        self.loc.add(ind, table.sheet, row.number, table.columns)
        if max_points is None:
            self.tainted.add(id(ind))
        if kind is None:
            # without a known rule kind, checks of the rule would only add noise
            self.tainted.add(id(rule))
        return ind


@dataclass
class _Value:
    """A plain value dressed as a cell, to reuse ``convert`` on settings values."""

    value: Any
    data_type: str = "s"


def _inbound(path: Path) -> tuple[bytes | None, list[Problem]]:
    """The workbook's bytes, read once through ``forms.inbound`` (a FIFO, a device or a huge
    file is refused before anything is read), or the problem that refused it."""
    try:
        return read_inbound(path, MAX_WORKBOOK_BYTES), []
    except InboundRejected as exc:
        problem = exc.problem
        if problem.code == "file_unreadable" and not os.path.lexists(path):
            problem = Problem("file_missing", _("Không tìm thấy tệp {name}.", name=str(path)), "")
        return None, [replace(problem, where=path.name)]


def _guard_zip(data: bytes, name: str) -> list[Problem]:
    """Refuse files that are not a workbook, or that unpack to absurd sizes (zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ZIP_ENTRIES:
                return [
                    Problem(
                        "too_large",
                        _(
                            "Tệp {name} chứa quá nhiều thành phần ({n}); không phải bảng tính tiêu chí hợp lệ.",
                            name=name,
                            n=len(entries),
                        ),
                        name,
                    )
                ]
            unpacked = sum(e.file_size for e in entries)
            if unpacked > MAX_UNPACKED_BYTES:
                return [
                    Problem(
                        "too_large",
                        _(
                            "Tệp {name} giải nén ra quá lớn ({size} MB); không đọc để tránh treo máy.",
                            name=name,
                            size=unpacked // 2**20,
                        ),
                        name,
                    )
                ]
            if not any(e.filename == "xl/workbook.xml" for e in entries):
                return [
                    Problem(
                        "not_xlsx",
                        _("Tệp {name} không phải bảng tính Excel (.xlsx).", name=name),
                        name,
                    )
                ]
    except zipfile.BadZipFile:
        return [
            Problem(
                "not_xlsx", _("Tệp {name} không phải bảng tính Excel (.xlsx).", name=name), name
            )
        ]
    return []


def _hidden_sheets(wb: Any, name: str) -> list[Problem]:
    """Hole 12b: a sheet the author cannot see may hold what is read (a hidden "Chỉ tiêu"
    behind a visible copy), so each one is named; it is read like any other sheet."""
    problems = []
    for ws in wb.worksheets:
        state = getattr(ws, "sheet_state", "visible")
        if state == "visible":
            continue
        message = (
            _(
                "Trang “{sheet}” của {name} bị ẩn sâu (veryHidden, chỉ hiện lại được bằng VBA); hãy kiểm tra nội dung của nó trước khi dùng bộ tiêu chí.",
                sheet=ws.title,
                name=name,
            )
            if state == "veryHidden"
            else _(
                "Trang “{sheet}” của {name} bị ẩn; hãy hiện trang ra và kiểm tra nội dung trước khi dùng bộ tiêu chí.",
                sheet=ws.title,
                name=name,
            )
        )
        problems.append(Problem("hidden_sheet", message, ws.title, Level.WARNING))
    return problems


def read_xlsx(path: str | os.PathLike[str]) -> tuple[CriteriaSet | None, list[Problem]]:
    """The set in a workbook and every problem found (the set is usable when none is an error;
    warnings, such as a hidden sheet, are for the author to look at)."""
    import warnings

    import openpyxl

    path = Path(path)
    data, problems = _inbound(path)
    if data is None:
        return None, problems
    problems = _guard_zip(data, path.name)
    if problems:
        return None, problems
    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and extensions it drops; harmless here
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        return None, [
            Problem(
                "not_xlsx",
                _(
                    "Không mở được bảng tính {name}: {error}",
                    name=path.name,
                    error=type(exc).__name__,
                ),
                path.name,
            )
        ]
    reader = _WorkbookReader(wb)
    try:
        hidden = _hidden_sheets(wb, path.name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cs = reader.read()
    except Exception as exc:  # noqa: BLE001
        # Read-only mode parses sheets lazily, so a damaged sheet inside a valid zip only
        # shows up here, as whatever openpyxl's XML/zip layers raise (ParseError,
        # IndexError for a shared string that is not there, ValueError, zlib.error...).
        # The file is untrusted input: report it, never crash.
        return None, [
            *reader.problems,
            Problem(
                "damaged",
                _(
                    "Bảng tính {name} bị hỏng, không đọc hết được ({error}).",
                    name=path.name,
                    error=type(exc).__name__,
                ),
                path.name,
            ),
        ]
    finally:
        wb.close()
    problems = list(reader.problems)
    if cs is not None:
        # One problem per cell: an empty cell the reader reported needs no "empty name" echo,
        # and a missing sheet no "nothing defined" echo from the checks.
        cells = {p.where for p in problems}
        missing = {p.where for p in problems if p.code == "missing_sheet"}
        problems += [
            p
            for p in check_set(cs, reader.loc, reader.tainted)
            if p.where not in cells and p.where.split("!")[0] not in missing
        ]
    return cs, problems + hidden


def load_xlsx(path: str | os.PathLike[str]) -> CriteriaSet:
    cs, problems = read_xlsx(path)
    if cs is None or any(p.level == Level.ERROR for p in problems):
        raise ProblemsError(problems)
    return cs


# --- writing ------------------------------------------------------------------------------


# The workbook format is Vietnamese by definition (its sheet and column names are the format),
# so this guide, like the headers, is not translated.
GUIDE_SHEET = "Hướng dẫn"
GUIDE = (
    "Bộ tiêu chí đánh giá chuyển đổi số — sổ tính soạn thảo",
    "",
    "Trang Thiết lập: thông tin chung (mã bộ, tên, cấp, năm, phiên bản, tổng điểm, làm tròn).",
    "Trang Trụ cột: mỗi dòng một trụ cột (mã, tên, điểm tối đa); các trụ cột cộng lại bằng tổng điểm.",
    "Trang Chỉ tiêu: mỗi dòng một chỉ tiêu; chỉ tiêu con ghi mã dạng 5.3.2 và chỉ tiêu cha chấm theo “tổng”.",
    "Trang Trường nhập: các ô xã phải nhập cho từng chỉ tiêu; “Trường chấm”, “Tử số”, “Mẫu số” ghi khóa của trường.",
    "Trang Bậc điểm: bậc cho cách chấm “bậc số lượng”/“bậc tỷ lệ”, ghi từ mức cao xuống thấp.",
    "Trang Lựa chọn: các phương án và điểm cho cách chấm “lựa chọn”.",
    "Trang Xếp loại: các mức xếp loại từ cao xuống thấp; mức cuối cùng từ 0 điểm.",
    "",
    "Lưu ý: ô mã để định dạng Văn bản (Text); không dùng công thức; không gộp ô tiêu đề.",
    "Kiểm tra: dti-desk schema check TỆP.xlsx — Biên dịch: dti-desk schema compile TỆP.xlsx -o TỆP.json",
)
EDIT_ROWS = 500  # drop-down lists reach this far, leaving room for rows added by hand


def _cell_number(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


def _written(names: tuple[tuple[str, Any], ...], value: Any) -> str:
    return next(w for w, v in names if v == value)


def _rows(cs: CriteriaSet) -> Iterator[tuple[str, tuple[Column, ...], list[list[Any]]]]:
    settings = {
        "set_id": cs.set_id,
        "title": cs.title,
        "level": next((w for w, v in LEVEL_NAMES if v == cs.level), cs.level),
        "year": cs.year,
        "version": cs.version,
        "total_points": _cell_number(cs.total_points),
        "reference": "Có" if cs.reference else "Không",
        "not_ranked_label": cs.not_ranked_label,
        "rounding.decimals": cs.rounding.decimals,
        "rounding.mode": next(
            (w for w, v in ROUNDING_NAMES if v == cs.rounding.mode), cs.rounding.mode
        ),
    }
    yield SHEET_SETTINGS, SETTING_COLUMNS, [[key, settings[attr]] for key, attr, _k, _n in SETTINGS]
    yield (
        SHEET_PILLARS,
        PILLAR_COLUMNS,
        [[p.code, p.name, _cell_number(p.max_points)] for p in cs.pillars],
    )
    inds, fields, tiers, choices = [], [], [], []
    for ind in cs.indicators():
        r = ind.rule
        inds.append(
            [
                ind.code,
                ind.name,
                _cell_number(ind.max_points),
                _written(RULE_NAMES, r.kind),
                r.field or None,
                r.numerator or None,
                r.denominator or None,
                _written(ZERO_NAMES, r.zero_denominator) if r.kind is RuleKind.RATIO else None,
                "Có" if ind.evidence.required else "Không",
                _written(SEVERITY_NAMES, ind.evidence.severity),
                ind.evidence.description or None,
                ind.data_source or None,
                ind.verifier or None,
                ind.help or None,
            ]
        )
        for f in ind.fields:
            fields.append(
                [
                    ind.code,
                    f.key,
                    _written(FIELD_KIND_NAMES, f.kind),
                    f.label,
                    "Có" if f.required else "Không",
                    "Có" if f.in_year else "Không",
                    f.unit or None,
                ]
            )
        tiers += [[ind.code, _cell_number(t.minimum), _cell_number(t.points)] for t in r.tiers]
        choices += [[ind.code, c.key, c.label, _cell_number(c.points)] for c in r.choices]
    yield SHEET_INDICATORS, INDICATOR_COLUMNS, inds
    yield SHEET_FIELDS, FIELD_COLUMNS, fields
    yield SHEET_TIERS, TIER_COLUMNS, tiers
    yield SHEET_CHOICES, CHOICE_COLUMNS, choices
    yield SHEET_BANDS, BAND_COLUMNS, [[_cell_number(b.minimum), b.label] for b in cs.bands]


def dump_xlsx(cs: CriteriaSet, path: str | os.PathLike[str]) -> None:
    """Write ``cs`` as an authoring workbook (codes as text cells so Excel keeps 1.10), atomically."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook()
    guide = wb.active
    guide.title = GUIDE_SHEET  # ignored by the reader: only the seven named sheets are read
    for line in GUIDE:
        append(guide, [line])
    guide.column_dimensions["A"].width = 120
    guide["A1"].font = Font(bold=True, size=13)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet, columns, rows in _rows(cs):
        ws = wb.create_sheet(sheet)
        append(ws, [c.header for c in columns])
        for index, col in enumerate(columns):
            cell = ws.cell(row=1, column=index + 1)
            cell.font = bold
            cell.fill = fill
            ws.column_dimensions[_col_letter(index)].width = col.width
        for values in rows:
            append(ws, values)  # names and texts of the set: text cells, never formulas
        last = max(len(rows) + 1, EDIT_ROWS)
        for index, col in enumerate(columns):
            letter = _col_letter(index)
            if col.kind == "code" or col.attr in (
                "key",
                "rule.field",
                "rule.numerator",
                "rule.denominator",
            ):
                # text, so that Excel keeps "1.10" (also for rows typed in later)
                ws.column_dimensions[letter].number_format = "@"
                for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                    cell.number_format = "@"
            if col.width >= 40:
                for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            options = (
                [w for w, _v in col.enum]
                if col.kind == "enum"
                else ["Có", "Không"]
                if col.kind == "bool"
                else []
            )
            if options:
                # a drop-down list: authors pick a valid value instead of typing one
                check = DataValidation(
                    type="list", formula1='"' + ",".join(options) + '"', allow_blank=True
                )
                check.add(f"{letter}2:{letter}{last}")
                ws.add_data_validation(check)
        ws.freeze_panes = "A2"
    with atomic_write(path, mode=0o644) as handle:  # a workbook is meant to be shared
        wb.save(handle)
