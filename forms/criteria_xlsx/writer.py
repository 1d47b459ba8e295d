"""Writing a criteria set as its authoring workbook: a guide sheet, then the seven sheets with
bold headers, text-formatted code columns (so Excel keeps 1.10) and drop-down lists for enum and
yes/no columns; saved atomically through ``forms.atomic``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from forms.atomic import atomic_write
from forms.cells import append
from forms.criteria import CriteriaSet, Indicator, RuleKind, uses_applicability
from forms.criteria_xlsx.applicability_cells import cells
from forms.criteria_xlsx.carry_sheet import carry_rows
from forms.criteria_xlsx.columns import (
    APPLICABILITY_ATTRS,
    BAND_COLUMNS,
    CARRY_COLUMNS,
    CHOICE_COLUMNS,
    CLASSIFY_NAMES,
    FIELD_COLUMNS,
    FIELD_KIND_NAMES,
    INDICATOR_COLUMNS,
    LEVEL_NAMES,
    NOT_APPLICABLE_NAMES,
    PILLAR_COLUMNS,
    ROUNDING_NAMES,
    RULE_NAMES,
    SETTING_COLUMNS,
    SETTINGS,
    SEVERITY_NAMES,
    SHEET_BANDS,
    SHEET_CARRY,
    SHEET_CHOICES,
    SHEET_FIELDS,
    SHEET_INDICATORS,
    SHEET_PILLARS,
    SHEET_SETTINGS,
    SHEET_TIERS,
    TIER_COLUMNS,
    ZERO_NAMES,
    Column,
    col_letter,
)

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
_TEXT_ATTRS = ("key", "rule.field", "rule.numerator", "rule.denominator")


def _cell_number(value: Decimal) -> int | Decimal:
    return int(value) if value == value.to_integral_value() else value


def _written(names: tuple[tuple[str, Any], ...], value: Any) -> str:
    return next(w for w, v in names if v == value)


def _yes_no(flag: bool) -> str:
    return "Có" if flag else "Không"


def _settings_rows(cs: CriteriaSet) -> list[list[Any]]:
    settings = {
        "set_id": cs.set_id,
        "title": cs.title,
        "level": next((w for w, v in LEVEL_NAMES if v == cs.level), cs.level),
        "year": cs.year,
        "version": cs.version,
        "total_points": _cell_number(cs.total_points),
        "reference": _yes_no(cs.reference),
        "not_ranked_label": cs.not_ranked_label,
        "rounding.decimals": cs.rounding.decimals,
        "rounding.mode": next(
            (w for w, v in ROUNDING_NAMES if v == cs.rounding.mode), cs.rounding.mode
        ),
        "classify_on": _written(CLASSIFY_NAMES, cs.classify_on),
        "not_applicable": None
        if cs.not_applicable is None
        else _written(NOT_APPLICABLE_NAMES, cs.not_applicable),
    }
    # an optional setting left at its default that older workbooks never had: no row
    return [[key, settings[attr]] for key, attr, _k, _n in SETTINGS if settings[attr] is not None]


def _columns(cs: CriteriaSet, columns: tuple[Column, ...]) -> tuple[Column, ...]:
    """The sheet's columns; the applicability ones only for a set that uses them."""
    if uses_applicability(cs):
        return columns
    return tuple(c for c in columns if c.attr not in APPLICABILITY_ATTRS)


def _indicator_row(ind: Indicator) -> list[Any]:
    r = ind.rule
    return [
        ind.code,
        ind.name,
        _cell_number(ind.max_points),
        _written(RULE_NAMES, r.kind),
        r.field or None,
        r.numerator or None,
        r.denominator or None,
        _written(ZERO_NAMES, r.zero_denominator) if r.kind is RuleKind.RATIO else None,
        None if r.at_least is None else _cell_number(r.at_least),
        None if r.at_most is None else _cell_number(r.at_most),
        _yes_no(ind.evidence.required),
        _written(SEVERITY_NAMES, ind.evidence.severity),
        ind.evidence.description or None,
        ind.data_source or None,
        ind.verifier or None,
        ind.help or None,
        *cells(ind),
    ]


def _field_rows(ind: Indicator) -> list[list[Any]]:
    return [
        [
            ind.code,
            f.key,
            _written(FIELD_KIND_NAMES, f.kind),
            f.label,
            _yes_no(f.required),
            _yes_no(f.in_year),
            f.unit or None,
            None if f.plausible_max is None else _cell_number(f.plausible_max),
            f.supplied_source or None,
        ]
        for f in ind.fields
    ]


def _rows(cs: CriteriaSet) -> Iterator[tuple[str, tuple[Column, ...], list[list[Any]]]]:
    """(sheet, its columns, its rows) for each of the seven sheets, in order."""
    yield SHEET_SETTINGS, SETTING_COLUMNS, _settings_rows(cs)
    pillar_columns = _columns(cs, PILLAR_COLUMNS)
    yield (
        SHEET_PILLARS,
        pillar_columns,
        [[p.code, p.name, _cell_number(p.max_points), *cells(p)] for p in cs.pillars],
    )
    inds: list[list[Any]] = []
    fields: list[list[Any]] = []
    tiers: list[list[Any]] = []
    choices: list[list[Any]] = []
    for ind in cs.indicators():
        r = ind.rule
        inds.append(_indicator_row(ind))
        fields += _field_rows(ind)
        tiers += [[ind.code, _cell_number(t.minimum), _cell_number(t.points)] for t in r.tiers]
        choices += [[ind.code, c.key, c.label, _cell_number(c.points)] for c in r.choices]
    yield SHEET_INDICATORS, _columns(cs, INDICATOR_COLUMNS), inds
    yield SHEET_FIELDS, FIELD_COLUMNS, fields
    yield SHEET_TIERS, TIER_COLUMNS, tiers
    yield SHEET_CHOICES, CHOICE_COLUMNS, choices
    yield SHEET_BANDS, BAND_COLUMNS, [[_cell_number(b.minimum), b.label] for b in cs.bands]
    if cs.carry_forward:
        yield SHEET_CARRY, CARRY_COLUMNS, carry_rows(cs.carry_forward)


def _guide(wb: Any) -> None:
    from openpyxl.styles import Font

    guide = wb.active
    guide.title = GUIDE_SHEET  # ignored by the reader: only the seven named sheets are read
    for line in GUIDE:
        append(guide, [line])
    guide.column_dimensions["A"].width = 120
    guide["A1"].font = Font(bold=True, size=13)


def _options(col: Column) -> list[str]:
    """The values of a drop-down list for the column (none for free text, codes and numbers)."""
    if col.kind == "enum":
        return [w for w, _v in col.enum]
    if col.kind == "bool":
        return ["Có", "Không"]
    return []


def _format_column(ws: Any, index: int, col: Column, last: int) -> None:
    """Text format, wrapping and drop-down list of one column, below its header."""
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = col_letter(index)
    if col.kind == "code" or col.attr in _TEXT_ATTRS:
        # text, so that Excel keeps "1.10" (also for rows typed in later)
        ws.column_dimensions[letter].number_format = "@"
        for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = "@"
    if col.width >= 40:
        for (cell,) in ws.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    options = _options(col)
    if options:
        # a drop-down list: authors pick a valid value instead of typing one
        check = DataValidation(
            type="list", formula1='"' + ",".join(options) + '"', allow_blank=True
        )
        check.add(f"{letter}2:{letter}{last}")
        ws.add_data_validation(check)


def _sheet(wb: Any, sheet: str, columns: tuple[Column, ...], rows: list[list[Any]]) -> None:
    from openpyxl.styles import Font, PatternFill

    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    ws = wb.create_sheet(sheet)
    append(ws, [c.header for c in columns])
    for index, col in enumerate(columns):
        cell = ws.cell(row=1, column=index + 1)
        cell.font = bold
        cell.fill = fill
        ws.column_dimensions[col_letter(index)].width = col.width
    for values in rows:
        # a set without applicability has no such columns: its rows end before them
        append(ws, values[: len(columns)])  # names and texts of the set: text cells, never formulas
    last = max(len(rows) + 1, EDIT_ROWS)
    for index, col in enumerate(columns):
        _format_column(ws, index, col, last)
    ws.freeze_panes = "A2"


def dump_xlsx(cs: CriteriaSet, path: str | os.PathLike[str]) -> None:
    """Write ``cs`` as an authoring workbook (codes as text cells so Excel keeps 1.10), atomically."""
    import openpyxl

    wb = openpyxl.Workbook()
    _guide(wb)
    for sheet, columns, rows in _rows(cs):
        _sheet(wb, sheet, columns, rows)
    with atomic_write(path, mode=0o644) as handle:  # a workbook is meant to be shared
        wb.save(handle)
