"""The draft authoring workbook and the report of an imported table.

The draft is the app's own criteria workbook (``forms.criteria_xlsx.dump_xlsx``), so the
author edits it with the same guide, drop-down lists and ``schema check`` as any set. Rows a
person must write keep their code, name, maximum and texts, but their "Cách chấm" cell is left
empty: ``schema check`` refuses the draft until someone has chosen, so a guess can never be
compiled by accident. Three columns are added on "Chỉ tiêu" (the reader ignores extra
columns) and a sheet lists every flagged row with the method as printed and where it was.
"""

from __future__ import annotations

import re
import tempfile
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.atomic import atomic_write
from forms.criteria import (
    Band,
    CriteriaSet,
    Evidence,
    Field,
    FieldKind,
    Indicator,
    Pillar,
    Rule,
    RuleKind,
    Severity,
)
from forms.i18n import _
from forms.table_import.outline import DraftIndicator, Outline
from forms.table_import.phrasing import plain
from forms.text import fold

REVIEW_SHEET = "Cần người soạn"
_PLACEHOLDER = Rule(RuleKind.DIRECT, field="diem")
# Published tables carry no bands; the usual 800 / 650 of 1,000, scaled to the table's total,
# for the author to confirm on the "Xếp loại" sheet
_BANDS = ((Decimal("0.8"), "Tốt"), (Decimal("0.65"), "Khá"), (Decimal(0), "Trung bình"))


def _indicator(draft: DraftIndicator) -> Indicator:
    row = draft.row
    reading = draft.reading
    fields: tuple[Field, ...]
    if draft.children:
        rule, fields = Rule(RuleKind.SUM), ()
    elif reading.rule is not None:
        rule, fields = reading.rule, reading.fields
    else:
        rule, fields = _PLACEHOLDER, (Field("diem", FieldKind.NUMBER, _("Điểm")),)
    return Indicator(
        code=draft.code,
        name=row.name,
        max_points=draft.max_points or Decimal(0),
        rule=rule,
        fields=fields,
        evidence=Evidence(bool(row.evidence), Severity.WARNING, row.evidence),
        data_source=row.source,
        verifier=row.verifier,
        help=row.method,  # the officer reads how the points are given, as published
        children=tuple(_indicator(c) for c in draft.children),
    )


def criteria_set(outline: Outline, *, name: str, year: int) -> CriteriaSet:
    pillars = []
    for p in outline.pillars:
        indicators = tuple(_indicator(i) for i in p.indicators)
        maximum = (
            p.max_points
            if p.max_points is not None
            else sum((i.max_points for i in indicators), Decimal(0))
        )
        pillars.append(Pillar(p.code, p.row.name, maximum, indicators))
    total = sum((p.max_points for p in pillars), Decimal(0))
    slug = re.sub(r"[^a-z0-9]+", "-", fold(Path(name).stem)).strip("-")[:40] or "bang"
    return CriteriaSet(
        set_id=f"nhap-{slug}",
        level="commune",
        year=year,
        version="0.1-ban-nhap",
        title=_("Bản nháp nhập từ bảng {name} — cần người soạn kiểm tra", name=name),
        total_points=total,
        pillars=tuple(pillars),
        bands=tuple(Band(plain(total * share), label) for share, label in _BANDS),
    )


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def report(outline: Outline) -> dict[str, Any]:
    """The ``--json`` report: pillars, indicators (flagged ones with the reason), unplaced rows."""
    return {
        "pillars": [
            {
                "code": p.code,
                "name": p.row.name,
                "max_points": _number(p.max_points),
                "needs_author": bool(p.reason),
                "reason": p.reason,
                "where": p.row.where,
            }
            for p in outline.pillars
        ],
        "indicators": [
            {
                "code": i.code,
                "source_code": i.source_code,
                "name": i.row.name,
                "max_points": _number(i.max_points),
                "rule": "sum"
                if i.children
                else (i.reading.rule.kind.value if i.reading.rule else None),
                "needs_author": i.needs_author,
                "reason": i.reason,
                "where": i.row.where,
            }
            for i in outline.indicators()
        ],
        "unplaced": [
            {"where": row.where, "code": row.code, "name": row.name, "reason": reason}
            for row, reason in outline.unplaced
        ],
    }


def _header(ws: Any) -> dict[str, int]:
    return {str(c.value): c.column for c in ws[1] if c.value is not None}


def _mark_indicators(ws: Any, flagged: dict[str, DraftIndicator]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    columns = _header(ws)
    code_col, kind_col = columns["Mã"], columns["Cách chấm"]
    extra = max(columns.values()) + 1
    headers = (_("Cần người soạn"), _("Lý do"), _("STT trong bảng gốc"))
    for offset, title in enumerate(headers):
        cell = ws.cell(row=1, column=extra + offset, value=title)
        cell.font = Font(bold=True)
    ws.column_dimensions[ws.cell(row=1, column=extra + 1).column_letter].width = 60
    warn = PatternFill("solid", fgColor="FFF2CC")
    for number in range(2, ws.max_row + 1):
        code = ws.cell(row=number, column=code_col).value
        draft = flagged.get(str(code)) if code is not None else None
        if draft is None:
            continue
        ws.cell(row=number, column=kind_col).value = None  # schema check stops here
        ws.cell(row=number, column=extra, value=_("Có"))
        ws.cell(row=number, column=extra + 1, value=draft.reason).alignment = Alignment(
            wrap_text=True, vertical="top"
        )
        ws.cell(row=number, column=extra + 2, value=draft.source_code)
        for cell in ws[number]:
            cell.fill = warn


_REVIEW_WIDTHS = (10, 18, 45, 45, 70, 20)


def _review_sheet(wb: Any, outline: Outline) -> None:
    from openpyxl.styles import Alignment, Font

    ws = wb.create_sheet(REVIEW_SHEET, 1)
    ws.append(
        [
            _("Mã"),
            _("STT trong bảng gốc"),
            _("Tên"),
            _("Lý do"),
            _("Cách xác định và tính điểm (nguyên văn)"),
            _("Vị trí trong tệp gốc"),
        ]
    )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    lines: list[list[str]] = [
        [p.code, p.source_code, p.row.name, p.reason, "", p.row.where]
        for p in outline.pillars
        if p.reason
    ]
    lines += [
        [d.code, d.source_code, d.row.name, d.reason, d.row.method, d.row.where]
        for d in outline.indicators()
        if d.needs_author
    ]
    lines += [
        ["", row.code, row.name, reason, row.method, row.where] for row, reason in outline.unplaced
    ]
    for number, values in enumerate(lines, start=2):
        ws.append(values)
        # LibreOffice and older Excel do not grow a row for wrapped text on their own
        ws.row_dimensions[number].height = 15 * _lines_needed(values)
    for letter, width in zip("ABCDEF", _REVIEW_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"


def _lines_needed(values: list[str]) -> int:
    """Rows of text the longest cell wraps to at the sheet's column widths."""
    needed = 1
    for text, width in zip(values, _REVIEW_WIDTHS, strict=True):
        wrapped = sum(max(1, -(-len(part) // max(1, width - 2))) for part in str(text).split("\n"))
        needed = max(needed, wrapped)
    return min(needed, 30)


def write_draft(outline: Outline, cs: CriteriaSet, target: str | Path) -> None:
    """The draft workbook at ``target``, written whole or not at all."""
    import openpyxl

    from forms.criteria_xlsx import dump_xlsx

    flagged = {d.code: d for d in outline.indicators() if d.needs_author}
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / "draft.xlsx"
        dump_xlsx(cs, plain)
        wb = openpyxl.load_workbook(plain)
    _mark_indicators(wb["Chỉ tiêu"], flagged)
    _review_sheet(wb, outline)
    with atomic_write(target) as handle:  # a workbook is meant to be shared
        wb.save(handle)
