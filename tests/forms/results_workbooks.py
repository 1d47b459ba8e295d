"""Ranking-table workbooks for the results-check tests, built in several published layouts.

The data are the real 2023 Phú Thọ appendix tables (decision 10/QĐ-UBND of 2024, appendices 2
and 3), copied into ``results_data/`` so the tests run on any clone.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from forms.criteria import Band

BANDS = (Band(Decimal(800), "Tốt"), Band(Decimal(650), "Khá"), Band(Decimal(0), "Trung bình"))

_HERE = Path(__file__).with_name("results_data")


def _load(name: str) -> dict[str, Any]:
    return json.loads((_HERE / f"{name}.json").read_text(encoding="utf-8"))


@dataclass
class Unit:
    stt: Any
    name: Any
    pillars: list[Any]  # as written into the cells (numbers or text)
    total: Any
    cls: Any
    group: str = ""


@dataclass
class Table:
    columns: list[str]
    units: list[Unit] = field(default_factory=list)

    def copy(self) -> Table:
        return copy.deepcopy(self)

    def unit(self, stt: int) -> Unit:
        return next(u for u in self.units if u.stt == stt)


def shown(value: float | Decimal | str) -> str:
    """A number as the decision prints it: "527,03", "70" (trailing zeros dropped)."""
    text = format(Decimal(str(value)).normalize(), "f")
    return text.replace(".", ",")


def real_table(name: str, *, text: bool = True) -> Table:
    """``departments`` (phụ lục 2) or ``districts`` (phụ lục 3) as published."""
    data = _load(
        {"departments": "phuluc2_2023_departments", "districts": "phuluc3_2023_districts"}[name]
    )
    convert = shown if text else (lambda v: v)
    return Table(
        columns=list(data["columns"]),
        units=[
            Unit(
                r["stt"],
                r["name"],
                [convert(v) for v in r["pillars"]],
                convert(r["total"]),
                r["cls"],
            )
            for r in data["rows"]
        ],
    )


def grouped(table: Table, groups: tuple[str, ...] = ("Cụm 1", "Cụm 2")) -> Table:
    """The units dealt round-robin into groups, each group's rows together and still ordered."""
    result = Table(columns=table.columns)
    for g, group in enumerate(groups):
        for unit in table.units[g :: len(groups)]:
            moved = copy.deepcopy(unit)
            moved.group = group
            result.units.append(moved)
    for i, unit in enumerate(result.units, start=1):
        unit.stt = i
    return result


def write(  # noqa: C901, PLR0912
    path: Path,
    table: Table,
    *,
    group_header: str | None = None,
    # "merged" | "first" (name on the first row only) | "every" | "sections" ("I | name" rows)
    # | "headings" (a row holding only the group's name, merged across the table)
    group_style: str = "merged",
    two_row_header: bool = False,
    titles: int = 3,
    numbering_row: bool = False,
    footer: bool = True,
    sheet: str = "Phụ lục 3",
    total_header: str = "Tổng điểm năm 2023",
    number_format: str | None = None,
) -> Path:
    """Write ``table`` as a published appendix; returns ``path``. Row of unit i is ``first_row + i``."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    for i in range(titles):
        ws.append(
            [
                "PHỤ LỤC 3"
                if i == 0
                else f"KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG MỨC ĐỘ CHUYỂN ĐỔI SỐ (dòng {i})"
            ]
        )
    with_group = group_header is not None and group_style not in ("sections", "headings")
    head = ["STT", *([group_header] if with_group else []), "Tên đơn vị"]
    width = len(head) + len(table.columns) + 2
    top = ws.max_row + 1 if titles else 1
    if two_row_header:
        ws.append(
            [
                *head,
                "Điểm các chỉ số thành phần",
                *[None] * (len(table.columns) - 1),
                total_header,
                "Xếp loại",
            ]
        )
        ws.append([None] * len(head) + table.columns + [None, None])
        for col in [*range(1, len(head) + 1), width - 1, width]:
            ws.merge_cells(start_row=top, start_column=col, end_row=top + 1, end_column=col)
        ws.merge_cells(
            start_row=top,
            start_column=len(head) + 1,
            end_row=top,
            end_column=len(head) + len(table.columns),
        )
    else:
        ws.append([*head, *table.columns, total_header, "Xếp loại"])
    if numbering_row:
        ws.append([f"({i})" for i in range(1, width + 1)])
    current: str | None = None
    section = 0
    group_start = 0
    for unit in table.units:
        if group_style == "sections" and unit.group != current:
            section += 1
            ws.append([["I", "II", "III", "IV", "V", "VI"][section - 1], unit.group])
        if group_style == "headings" and unit.group != current:
            ws.append([unit.group.upper()])  # one bold line across the table
            ws.merge_cells(
                start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width
            )
        new_group = unit.group != current
        if (
            with_group
            and new_group
            and group_style == "merged"
            and current is not None
            and ws.max_row > group_start
        ):
            ws.merge_cells(start_row=group_start, start_column=2, end_row=ws.max_row, end_column=2)
        if new_group:
            group_start = ws.max_row + 1
        group_cell = unit.group if (group_style == "every" or new_group) else None
        ws.append(
            [
                unit.stt,
                *([group_cell] if with_group else []),
                unit.name,
                *unit.pillars,
                unit.total,
                unit.cls,
            ]
        )
        current = unit.group
    if with_group and group_style == "merged" and ws.max_row > group_start:
        ws.merge_cells(start_row=group_start, start_column=2, end_row=ws.max_row, end_column=2)
    if number_format:
        for row in ws.iter_rows(
            min_row=top + 1, max_row=ws.max_row, min_col=len(head) + 1, max_col=width - 1
        ):
            for cell in row:
                cell.number_format = number_format
    if footer:
        ws.append([])
        ws.append(["Ghi chú:"])
        ws.append(["- Vì tính chất đặc thù, một số đơn vị không thực hiện xếp loại."])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        ws.append([None, "NGƯỜI LẬP BIỂU", *[None] * (width - 4), "GIÁM ĐỐC"])
    wb.save(path)
    return path


def row_of(path: Path, name: str) -> int:
    """The worksheet row holding unit ``name`` (to assert cell coordinates)."""
    from openpyxl import load_workbook

    ws = load_workbook(path).active
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == name:
                return cell.row
    raise LookupError(name)
