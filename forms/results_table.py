"""Reading a published ranking table (an appendix of the yearly DTI decision) from a workbook.

The tables are typed by hand in Word or Excel, so the reader is lenient about layout and strict
about nothing: it finds the header by its ``STT`` cell, works out which column holds what, and
turns every unit row into a ``TableRow`` that keeps each value *as shown* (with its cell
address) so the checks in ``forms.results_check`` can point at the exact cell. A value that is
missing or not a number is kept with a ``problem`` rather than rejected here: reporting it is the
checker's job, and one bad cell must not hide the rest of the table.

Layout accepted (see docs/results-check.md):
- any number of title lines above the header; the header row holds a cell ``STT``;
- a header of one row or several (merged cells are spread over the cells they cover);
- optionally a group column (former district, cluster) before the unit-name column; the group
  name may be written on the first row of its group only, or as a vertically merged cell;
  without a group column, section rows such as ``I | Huyện Cẩm Khê`` or a heading row holding
  only a name start a group;
- one numeric column per pillar, a total column whose header starts with "Tổng điểm" and a
  "Xếp loại" column; columns such as "Xếp hạng" or "Ghi chú" are ignored;
- blank rows, a column-numbering row ("(1) (2) (3)"), sum/average rows and footer notes are
  skipped; a second ``STT`` header further down starts a second table.
"""

from __future__ import annotations

import gc
import io
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.results_grid import (
    Grid,
    TableReadError,
    address,
    cell_text,
    name_key,
    norm,
    parse_number,
    stt_value,
)
from forms.results_layout import NUMBERING, STT_HEADERS, Layout, find_layout, find_stt

# The header sits under a handful of title lines; looking further would only read data.
HEADER_SCAN_ROWS = 60
# the file itself, read before parsing: a published appendix is tens of kB; this leaves room
# for sheets of 100,000 rows (a few MB zipped)
MAX_WORKBOOK_BYTES = 64 * 2**20

NOT_RANKED = frozenset({"-", "–", "—", "−"})  # the dashes people type for "not ranked"

_NOT_RANKED_WORDS = ("không xếp", "chưa xếp")  # "Không xếp loại", "Chưa xếp hạng"
_SUMMARY_NAMES = ("tổng cộng", "tổng số", "cộng", "trung bình", "bình quân")
_ROMAN = re.compile(r"^([ivxlc]+|[a-h])[.)]?(\s+(.*))?$")

__all__ = [  # what the readers of tables import from here (cells and layout live next door)
    "NOT_RANKED",
    "Number",
    "ResultsTable",
    "TableReadError",
    "TableRow",
    "name_key",
    "no_cyclic_gc",
    "norm",
    "parse_number",
    "read_tables",
]


@dataclass(frozen=True)
class Number:
    """A numeric cell as published: its value as shown and how many decimals it shows."""

    value: Decimal | None  # None when empty or not a number
    decimals: int
    where: str  # "'Phụ lục 3'!E12"
    column: str  # the column's header, for messages
    shown: str  # the text as it appears ("527,03"), for messages
    problem: str = ""  # "", "empty", "not_number", "negative", "formula"
    line: int = 0  # worksheet row and column, to look the cell up again
    col: int = 0

    @property
    def usable(self) -> bool:
        return self.value is not None and not self.problem


@dataclass(frozen=True)
class TableRow:
    line: int  # the worksheet row number
    stt: int | None
    group: str  # "" without a group
    name: str
    name_where: str
    pillars: tuple[Number, ...]
    total: Number
    label: str  # as typed, stripped; "" when empty or when the table has no label column
    label_where: str
    targets: int | None = None  # the targets met ("4/6" -> 4), where the table has the column

    @property
    def not_ranked(self) -> bool:
        return self.label in NOT_RANKED or norm(self.label).startswith(_NOT_RANKED_WORDS)


@dataclass(frozen=True)
class ResultsTable:
    sheet: str
    header_line: int
    name_header: str
    group_header: str  # "" when the table has no group column (section rows may still group)
    pillar_headers: tuple[str, ...]
    total_header: str
    label_header: str  # "" when the table has no classification column
    rows: tuple[TableRow, ...] = field(default=())

    @property
    def pillar_decimals(self) -> int:
        """The most decimals any pillar cell shows: the precision the pillars were rounded to."""
        return max((p.decimals for r in self.rows for p in r.pillars if p.usable), default=0)

    @property
    def total_decimals(self) -> int:
        return max((r.total.decimals for r in self.rows if r.total.usable), default=0)


# --- reading rows ---------------------------------------------------------------------------


def _number(grid: Grid, row: int, col: int, header: str) -> Number:
    raw = grid.value(row, col)
    value, decimals, problem = parse_number(raw, grid.number_format(row, col))
    if not problem and value is not None and value < 0:
        problem = "negative"
    return Number(
        value=value,
        decimals=decimals,
        where=address(grid.title, row, col),
        column=header,
        shown=cell_text(raw),
        problem=problem,
        line=row,
        col=col,
    )


def _group_cells(grid: Grid, col: int) -> dict[int, Any]:
    """Row -> group value spread from vertically merged cells of the group column."""
    spread: dict[int, Any] = {}
    for r1, c1, r2, c2 in grid.merged:
        if c1 <= col <= c2 and r2 > r1:
            top = grid.value(r1, c1)
            for row in range(r1, r2 + 1):
                spread[row] = top
    return spread


class _Rows:
    """The unit rows under one header, read top to bottom; which group a row belongs to is
    what the rows above it said (a group cell, a section row, a heading row)."""

    def __init__(self, grid: Grid, layout: Layout) -> None:
        self.grid, self.layout = grid, layout
        self.rows: list[TableRow] = []
        self.spread = _group_cells(grid, layout.group_col) if layout.group_col else {}
        self.group = ""
        self.pending: str | None = None  # a heading row's text, the group of the units under it
        self.value_cols = [*layout.pillar_cols, layout.total_col]

    def read(self, row: int) -> None:
        grid, layout = self.grid, self.layout
        name = grid.text(row, layout.name_col)
        stt = stt_value(grid.value(row, layout.stt_col))
        if stt is None and self._numbering_or_section(row, name):
            return
        numbers = [_number(grid, row, c, layout.headers[c]) for c in self.value_cols]
        if stt is None and self._not_a_unit(row, name, numbers):
            return
        self._take_group(row)
        self.rows.append(self._unit(row, stt, name, numbers))

    def _numbering_or_section(self, row: int, name: str) -> bool:
        """A row with no STT that numbers the columns or starts a group ("I | Huyện Cẩm Khê",
        possibly with the group's subtotals)."""
        if NUMBERING.match(norm(name)) and not self.rows:
            return True  # the "(1) (2) (3)" row numbering the columns
        if self.layout.group_col is not None:
            return False
        section = _section(self.grid, row, self.layout)
        if section:
            self.group, self.pending = section, None
        return bool(section)

    def _not_a_unit(self, row: int, name: str, numbers: list[Number]) -> bool:
        """A row with no STT and nothing to check (blank, heading, note, signature) or a
        summary row ("Tổng cộng", "Trung bình")."""
        grid, layout = self.grid, self.layout
        if all(n.problem in ("empty", "not_number") for n in numbers):
            # a heading row ("Huyện Cẩm Khê" across the table) counts only once a unit row
            # follows it: a note under the last unit is never taken for a group
            heading = grid.text(row, layout.stt_col) or name
            label = grid.text(row, layout.label_col) if layout.label_col else ""
            if layout.group_col is None and heading and not label:
                self.pending = heading
            return True
        return norm(name).startswith(_SUMMARY_NAMES)

    def _take_group(self, row: int) -> None:
        if self.pending is not None:
            self.group, self.pending = self.pending, None
        if self.layout.group_col is not None:
            typed = self.grid.value(row, self.layout.group_col)
            if typed is None or not cell_text(typed):
                typed = self.spread.get(row)
            if typed is not None and cell_text(typed):
                self.group = cell_text(typed)

    def _unit(self, row: int, stt: int | None, name: str, numbers: list[Number]) -> TableRow:
        grid, label_col = self.grid, self.layout.label_col
        return TableRow(
            line=row,
            stt=stt,
            group=self.group,
            name=name,
            name_where=address(grid.title, row, self.layout.name_col),
            pillars=tuple(numbers[:-1]),
            total=numbers[-1],
            label=grid.text(row, label_col) if label_col else "",
            label_where=address(grid.title, row, label_col) if label_col else "",
            targets=_targets_met(grid.text(row, self.layout.targets_col))
            if self.layout.targets_col
            else None,
        )


def _targets_met(text: str) -> int | None:
    """``"4/6"`` or ``"4"`` as 4; anything else None."""
    head = text.split("/", 1)[0].strip()
    return int(head) if head.isdigit() else None


def _section(grid: Grid, row: int, layout: Layout) -> str | None:
    """The group a section row starts ("I | Huyện Cẩm Khê" or "I. Huyện Cẩm Khê"), else None."""
    stt = norm(grid.text(row, layout.stt_col))
    match = _ROMAN.match(stt)
    if not match:
        return None
    if match.group(3):
        return cell_text(grid.value(row, layout.stt_col)).split(None, 1)[1]
    name = grid.text(row, layout.name_col)
    return name or None


def _read_rows(grid: Grid, layout: Layout) -> tuple[list[TableRow], int | None]:
    """The unit rows under ``layout``'s header, and the row where another table starts (if any)."""
    reader = _Rows(grid, layout)
    for row in range(layout.first_data, grid.height + 1):
        if norm(grid.text(row, layout.stt_col)) in STT_HEADERS:
            return reader.rows, row
        reader.read(row)
    return reader.rows, None


def _sheet_tables(grid: Grid) -> Iterator[ResultsTable]:
    found = find_stt(grid, 1, HEADER_SCAN_ROWS)
    while found:
        header_line, stt_col = found
        layout = find_layout(grid, header_line, stt_col)
        rows, next_header = _read_rows(grid, layout)
        yield ResultsTable(
            sheet=grid.title,
            header_line=header_line,
            name_header=layout.headers[layout.name_col],
            group_header=layout.headers[layout.group_col] if layout.group_col else "",
            pillar_headers=tuple(layout.headers[c] for c in layout.pillar_cols),
            total_header=layout.headers[layout.total_col],
            label_header=layout.headers[layout.label_col] if layout.label_col else "",
            rows=tuple(rows),
        )
        found = find_stt(grid, next_header, next_header) if next_header else None


def _mark_formulas(data: bytes, tables: list[ResultsTable]) -> list[ResultsTable]:
    """Tell "empty" from "a formula nobody calculated" (saved by a tool that stores no values).

    Only done when some value cell is empty, since it means parsing the workbook a second time
    (from the bytes already read: the file may have changed since).
    """
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data), data_only=False)
    try:

        def fix(number: Number, sheet: str) -> Number:
            if number.problem != "empty":
                return number
            formula = workbook[sheet].cell(number.line, number.col).value
            if isinstance(formula, str) and formula.startswith("="):
                return replace(number, problem="formula", shown=formula)
            return number

        return [
            replace(
                table,
                rows=tuple(
                    replace(
                        row,
                        pillars=tuple(fix(p, table.sheet) for p in row.pillars),
                        total=fix(row.total, table.sheet),
                    )
                    for row in table.rows
                ),
            )
            for table in tables
        ]
    finally:
        workbook.close()


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a workbook is parsed.

    Parsing allocates millions of small objects that all stay alive until the end, so every
    collection re-scans a growing heap for nothing: on a 100,000-row sheet that made reading
    several times slower. Reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def read_tables(path: str | Path, sheet: str | None = None) -> list[ResultsTable]:
    """Every ranking table in the workbook (or in one sheet of it), or in a CSV file.

    A ``.csv`` file is read as one sheet named after the file (as Excel opens it): the table
    the app exports as CSV, or one saved from Excel as "CSV UTF-8". Anything else is read as an
    .xlsx workbook. Raises ``TableReadError`` with a Vietnamese message when the file is
    missing, cannot be read as either, or holds no header with an ``STT`` cell.
    """
    with no_cyclic_gc():
        path = Path(path)
        data = _read_file(path)
        if path.suffix.casefold() == ".csv":
            tables = _csv_tables(path, data, sheet)
        else:
            tables = _workbook_tables(path, data, sheet)
    if not tables:
        raise TableReadError(
            _(
                "Không tìm thấy bảng xếp hạng trong tệp “{file}”: không có dòng tiêu đề nào có ô “STT” ({rows} dòng đầu mỗi trang).",
                file=path.name,
                rows=HEADER_SCAN_ROWS,
            )
        )
    return tables


def _read_file(path: Path) -> bytes:
    if not os.path.lexists(path):
        raise TableReadError(_("Không tìm thấy tệp “{file}”.", file=str(path)))
    try:
        # one read of a regular file of bounded size: a FIFO or /dev/zero is refused, not waited on
        return read_inbound(path, MAX_WORKBOOK_BYTES)
    except InboundRejected as exc:
        raise TableReadError(exc.problem.message, exc.problem.code) from None


def _no_sheet(path: Path, sheet: str, sheets: list[str]) -> TableReadError:
    return TableReadError(
        _(
            "Tệp “{file}” không có trang “{sheet}” (có: {sheets}).",
            file=path.name,
            sheet=sheet,
            sheets=", ".join(sheets),
        )
    )


def _csv_tables(path: Path, data: bytes, sheet: str | None) -> list[ResultsTable]:
    if sheet is not None and sheet != path.stem:
        raise _no_sheet(path, sheet, [path.stem])
    return list(_sheet_tables(Grid.from_csv(path.stem, path.name, data)))


def _workbook_tables(path: Path, data: bytes, sheet: str | None) -> list[ResultsTable]:
    from openpyxl import load_workbook

    try:
        # not read-only: merged ranges are only available on ordinary worksheets
        workbook = load_workbook(io.BytesIO(data), data_only=True)
    except PermissionError as exc:  # on Windows: the file is open in Excel
        raise TableReadError(
            _(
                "Không mở được tệp “{file}”: không có quyền đọc hoặc tệp đang mở trong chương trình khác.",
                file=path.name,
            )
        ) from exc
    except Exception as exc:  # zipfile, KeyError, XML errors...: openpyxl raises many kinds
        raise TableReadError(
            _(
                "Tệp “{file}” không phải sổ tính Excel .xlsx đọc được ({reason}). Nếu là tệp .xls hoặc .docx, hãy lưu lại dưới dạng .xlsx.",
                file=path.name,
                reason=type(exc).__name__,
            )
        ) from exc
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise _no_sheet(path, sheet, workbook.sheetnames)
        tables: list[ResultsTable] = []
        for ws in workbook.worksheets:
            if sheet is None or ws.title == sheet:
                tables.extend(_sheet_tables(Grid.from_worksheet(ws)))
    finally:
        workbook.close()
    if any(n.problem == "empty" for t in tables for r in t.rows for n in (*r.pillars, r.total)):
        tables = _mark_formulas(data, tables)
    return tables
