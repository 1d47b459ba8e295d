"""A sheet read as a table: its header row found and mapped to columns, each data row's cells
converted, every problem collected in order. The per-sheet readers build on ``SheetReader``."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from forms.criteria_xlsx.cell_values import convert
from forms.criteria_xlsx.columns import (
    HEADER_SEARCH_ROWS,
    MAX_BLANK_RUN,
    MAX_COLUMNS,
    MAX_DATA_ROWS,
    Column,
    col_letter,
    enum_lookup,
    norm,
)
from forms.criteria_xlsx.locator import XlsxLocator
from forms.i18n import _
from forms.problems import Problem


@dataclass
class Row:
    number: int
    values: dict[str, Any] = field(
        default_factory=dict
    )  # attr -> converted value (None = empty/bad)
    bad: set[str] = field(
        default_factory=set
    )  # attrs whose cell was unusable (problem already reported)


@dataclass
class Table:
    sheet: str
    columns: dict[str, int]  # attr -> 0-based column index
    rows: list[Row]


def _is_blank(cells: tuple[Any, ...]) -> bool:
    return all(c.value is None or (isinstance(c.value, str) and not c.value.strip()) for c in cells)


class SheetReader:
    """The state of one read: the workbook, the problems so far (in the order found), where each
    object came from, and the objects built from unusable cells (``tainted``: their checks would
    only echo a problem already reported)."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self.problems: list[Problem] = []
        self.loc = XlsxLocator()
        self.tainted: set[int] = set()

    def problem(self, code: str, message: str, where: str) -> None:
        self.problems.append(Problem(code, message, where))

    def table(self, sheet: str, columns: tuple[Column, ...]) -> Table | None:
        """The sheet's rows under its header, or ``None`` (reported) when there is no such table."""
        sheet_obj = self._sheet(sheet)
        if sheet_obj is None:
            return None
        rows = sheet_obj.iter_rows(max_col=MAX_COLUMNS)
        by_header = {norm(c.header): c for c in columns}
        header_row, header_cells = self._header_row(rows, by_header)
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
        header = self._header(sheet, header_row, header_cells, by_header)
        self._merged_header(sheet, header_row, header_cells)
        found = {c.attr for c in header.values()}
        for col in columns:
            if col.required and col.attr not in found:
                self.problem(
                    "missing_column",
                    _("Trang “{sheet}” thiếu cột “{column}”.", sheet=sheet, column=col.header),
                    f"{sheet}!A{header_row}",
                )
        result = Table(sheet, {c.attr: i for i, c in header.items()}, [])
        self._data_rows(result, rows, header_row, header, columns)
        return result

    def _sheet(self, sheet: str) -> Any:
        """The worksheet of that name (or of a name that differs only in case and spaces)."""
        if sheet not in self.wb.sheetnames:
            wanted = norm(sheet)
            near = next((n for n in self.wb.sheetnames if norm(n) == wanted), None)
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
        return sheet_obj

    @staticmethod
    def _header_row(
        rows: Iterator[tuple[Any, ...]], by_header: dict[str, Column]
    ) -> tuple[int, list[Any]]:
        """(row number, cells) of the first row naming a known column, (0, []) if none does
        within the first rows. Consumes ``rows`` up to it: the data rows follow."""
        for number, cells in enumerate(rows, start=1):
            names = [norm(c.value) if isinstance(c.value, str) else "" for c in cells]
            if any(n in by_header for n in names):
                return number, list(cells)
            if number >= HEADER_SEARCH_ROWS:
                break
        return 0, []

    def _header(
        self, sheet: str, header_row: int, header_cells: list[Any], by_header: dict[str, Column]
    ) -> dict[int, Column]:
        """0-based column index -> the column it holds; extra columns (notes) are ignored."""
        header: dict[int, Column] = {}
        for index, cell in enumerate(header_cells):
            if not isinstance(cell.value, str):
                continue
            col = by_header.get(norm(cell.value))
            if col is None:
                continue  # an extra column (notes): ignored
            if col in header.values():
                self.problem(
                    "duplicate_column",
                    _("Cột “{column}” xuất hiện hai lần.", column=col.header),
                    f"{sheet}!{col_letter(index)}{header_row}",
                )
                continue
            header[index] = col
        return header

    def _merged_header(self, sheet: str, header_row: int, header_cells: list[Any]) -> None:
        """A blank header cell between named ones: merged cells, or a column without a name."""
        named = [
            i for i, c in enumerate(header_cells) if isinstance(c.value, str) and c.value.strip()
        ]
        blank_inside = [i for i in range(named[0], named[-1]) if i not in named] if named else []
        for index in blank_inside:
            self.problem(
                "merged_header",
                _(
                    "Ô tiêu đề trống hoặc bị gộp với ô bên cạnh; mỗi cột cần một tiêu đề riêng, không gộp ô."
                ),
                f"{sheet}!{col_letter(index)}{header_row}",
            )

    def _data_rows(
        self,
        table: Table,
        rows: Iterator[tuple[Any, ...]],
        header_row: int,
        header: dict[int, Column],
        columns: tuple[Column, ...],
    ) -> None:
        """The rows under the header, until a long blank run or ``MAX_DATA_ROWS`` (reported)."""
        enums = {c.attr: enum_lookup(c.enum) for c in columns if c.kind == "enum"}
        blank_run = 0
        for number, cells in enumerate(rows, start=header_row + 1):
            if _is_blank(cells):
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            if len(table.rows) >= MAX_DATA_ROWS:
                self.problem(
                    "too_many_rows",
                    _(
                        "Trang “{sheet}” có hơn {n} dòng dữ liệu; đã dừng đọc. Bộ tiêu chí thật chỉ có vài trăm dòng.",
                        sheet=table.sheet,
                        n=MAX_DATA_ROWS,
                    ),
                    f"{table.sheet}!A{number}",
                )
                break
            table.rows.append(self._row(table.sheet, number, cells, header, enums))

    def _row(
        self,
        sheet: str,
        number: int,
        cells: tuple[Any, ...],
        header: dict[int, Column],
        enums: dict[str, dict[str, Any]],
    ) -> Row:
        row = Row(number)
        for index, cell in enumerate(cells):
            col = header.get(index)
            if col is None:
                continue
            where = f"{sheet}!{col_letter(index)}{number}"
            value, problem = convert(where, col, cell, enums.get(col.attr))
            if problem is not None:
                self.problems.append(problem)
                row.bad.add(col.attr)
            elif value is not None:
                row.values[col.attr] = value
        return row

    def need(self, table: Table, row: Row, attr: str, header: str) -> Any:
        """The value of a cell that must be filled in (reports an empty one)."""
        if attr in row.values:
            return row.values[attr]
        if attr not in row.bad and attr in table.columns:
            self.problem(
                "empty_cell",
                _("Ô “{column}” đang trống.", column=header),
                f"{table.sheet}!{col_letter(table.columns[attr])}{row.number}",
            )
            row.bad.add(attr)
        elif attr not in table.columns:
            row.bad.add(attr)  # the missing column was reported once already
        return None
