"""What the authoring workbook looks like: its sheets, their columns, the written names of enum
values, the settings rows, and the limits on how much of a sheet is read.

The reader and the writer both take the format from here, so a column added here is read and
written alike. Header and enum texts are the format itself (Vietnamese by definition), so they
are not translated.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from forms.criteria import (
    ClassifyOn,
    FieldKind,
    NotApplicablePolicy,
    RuleKind,
    Severity,
    ZeroDenominator,
)

MAX_DATA_ROWS = (
    2000  # a real set has ~100 indicator rows; far beyond this is a wrong or hostile file
)
MAX_BLANK_RUN = (
    200  # this many blank rows in a row end a table (sheets "formatted" to row 1,048,576)
)
MAX_COLUMNS = 40
HEADER_SEARCH_ROWS = 10  # title lines allowed above the header row

SHEET_SETTINGS = "Thiết lập"
SHEET_PILLARS = "Trụ cột"
SHEET_INDICATORS = "Chỉ tiêu"
SHEET_FIELDS = "Trường nhập"
SHEET_TIERS = "Bậc điểm"
SHEET_CHOICES = "Lựa chọn"
SHEET_BANDS = "Xếp loại"
SHEET_CARRY = "Chuyển tiếp"  # optional: read when present, written when the set has a mapping
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
    # (written form, value); the JSON spelling of the value is accepted too (enum_lookup)
    enum: tuple[tuple[str, Any], ...] = ()
    width: int = 14


RULE_NAMES = (
    ("có/không", RuleKind.YES_NO),
    ("lựa chọn", RuleKind.CHOICE),
    ("bậc số lượng", RuleKind.COUNT_TIERS),
    ("bậc tỷ lệ", RuleKind.PERCENT_TIERS),
    ("tỷ lệ", RuleKind.RATIO),
    ("nhập điểm", RuleKind.DIRECT),
    ("tổng", RuleKind.SUM),
    ("đạt/không đạt", RuleKind.TARGET),
    ("không tính điểm", RuleKind.INFO),
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
CLASSIFY_NAMES = (("tổng điểm", ClassifyOn.POINTS), ("số chỉ tiêu đạt", ClassifyOn.TARGETS))
NOT_APPLICABLE_NAMES = (
    ("tính trên phần áp dụng", NotApplicablePolicy.OUT_OF_APPLICABLE),
    ("quy đổi về thang điểm", NotApplicablePolicy.RESCALE),
)
# applicability (issue 16), on the pillar and indicator sheets; written only by a set that
# uses it, so every other set's workbook is what it was
APPLICABILITY_COLUMNS = (
    Column("applies_to.kinds", "Áp dụng cho", "text", required=False, width=16),
    Column("applies_to.units", "Đơn vị áp dụng", "text", required=False, width=20),
    Column("may_be_not_applicable", "Cho phép không áp dụng", "bool", required=False, width=12),
)
APPLICABILITY_ATTRS = frozenset(c.attr for c in APPLICABILITY_COLUMNS)

PILLAR_COLUMNS = (
    Column("code", "Mã", "code", width=8),
    Column("name", "Tên trụ cột", "text", width=40),
    Column("max_points", "Điểm tối đa", "number"),
    *APPLICABILITY_COLUMNS,
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
    Column("rule.at_least", "Đạt từ", "number", required=False, width=9),
    Column("rule.at_most", "Đạt đến", "number", required=False, width=9),
    Column("evidence.required", "Bắt buộc minh chứng", "bool", required=False),
    Column("evidence.severity", "Thiếu minh chứng là", "enum", required=False, enum=SEVERITY_NAMES),
    Column("evidence.description", "Tài liệu kiểm chứng", "text", required=False, width=45),
    Column("data_source", "Nguồn dữ liệu", "text", required=False, width=30),
    Column("verifier", "Cơ quan thẩm định", "text", required=False, width=25),
    Column("help", "Hướng dẫn", "text", required=False, width=50),
    *APPLICABILITY_COLUMNS,
)
FIELD_COLUMNS = (
    Column("indicator", "Mã chỉ tiêu", "code", width=11),
    Column("key", "Khóa", "text"),
    Column("kind", "Loại", "enum", enum=FIELD_KIND_NAMES),
    Column("label", "Nhãn", "text", width=45),
    Column("required", "Bắt buộc", "bool", required=False, width=10),
    Column("in_year", "Trong năm đánh giá", "bool", required=False),
    Column("unit", "Đơn vị", "text", required=False, width=12),
    Column("plausible_max", "Giá trị hợp lý tối đa", "number", required=False),
    # the province's source of the value: filled in = the province supplies it (.dtidata)
    Column("supplied_source", "Giá trị do tỉnh cung cấp", "text", required=False, width=30),
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
CARRY_COLUMNS = (
    Column("from_code", "Mã năm trước", "code", width=14),
    Column("from_field", "Trường năm trước", "text", width=18),
    Column("to_code", "Mã năm nay", "code", width=14),
    Column("to_field", "Trường năm nay", "text", width=18),
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
    ("Xếp loại theo", "classify_on", "enum", CLASSIFY_NAMES),
    ("Khi không áp dụng", "not_applicable", "enum", NOT_APPLICABLE_NAMES),
)
OPTIONAL_SETTINGS = {
    "reference",
    "not_ranked_label",
    "rounding.decimals",
    "rounding.mode",
    "classify_on",
    "not_applicable",
}


def norm(text: str) -> str:
    """Header/enum matching: NFC, case-insensitive, spaces collapsed, trailing ':' or '*' dropped."""
    text = unicodedata.normalize("NFC", text).casefold().strip().rstrip(":*").strip()
    return re.sub(r"\s+", " ", text)


def enum_lookup(names: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    lookup: dict[str, Any] = {}
    for written, value in names:
        lookup[norm(written)] = value
        lookup[norm(str(getattr(value, "value", value)))] = value  # the JSON spelling works too
    return lookup


def col_letter(index: int) -> str:
    """The letter of a 0-based column index (openpyxl is imported only when a workbook is)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
