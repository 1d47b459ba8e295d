"""The ranking as the province publishes it: the appendix table, in Excel and CSV.

Layout (the appendix tables of the yearly decision, e.g. Phú Thọ's 10/QĐ-UBND of 2024):
title lines; a header row ``STT | <group> | Tên đơn vị | <one column per pillar> |
Tổng điểm năm Y | Xếp loại``; one row per unit, grouped, each group's cell merged down its rows;
within a group the units by group rank, not-ranked units last. ``STT`` numbers the rows.

The table is an official document in Vietnamese whatever the UI language, so its headings
are constants here, not translated messages. Files are written to a temporary name beside
the target and renamed into place: a failure never leaves half a workbook behind.
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path

from forms import cells
from forms.atomic import atomic_write, write_bytes_atomic
from forms.cells import put
from forms.ranking import RankedRow, Ranking

HEADER_STT = "STT"
HEADER_UNIT = "Tên đơn vị"
HEADER_CLASS = "Xếp loại"
DEFAULT_GROUP_HEADER = "Khu vực"


def total_header(year: int) -> str:
    return f"Tổng điểm năm {year}"


def title_lines(ranking: Ranking) -> list[str]:
    cs = ranking.criteria
    return [
        f"KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG MỨC ĐỘ CHUYỂN ĐỔI SỐ CẤP XÃ NĂM {ranking.year}",
        f"(Theo bộ tiêu chí: {cs.title}, phiên bản {cs.version})",
    ]


def header(ranking: Ranking, group_header: str = DEFAULT_GROUP_HEADER) -> list[str]:
    pillars = [p.name for p in ranking.criteria.pillars]
    return [
        HEADER_STT,
        group_header,
        HEADER_UNIT,
        *pillars,
        total_header(ranking.year),
        HEADER_CLASS,
    ]


def table_rows(ranking: Ranking) -> list[tuple[str, list[RankedRow]]]:
    return ranking.by_group()


def write_xlsx(
    ranking: Ranking, path: str | os.PathLike[str], group_header: str = DEFAULT_GROUP_HEADER
) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    decimals = ranking.criteria.rounding.decimals
    number_format = "0" if decimals <= 0 else "0." + "0" * decimals
    columns = header(ranking, group_header)
    width = len(columns)
    thin = Side(style="thin")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    wb = Workbook()
    ws = wb.active
    ws.title = f"Xếp hạng {ranking.year}"
    row = 1
    for i, line in enumerate(title_lines(ranking)):
        put(ws, row, 1, line).font = Font(bold=i == 0, italic=i > 0)
        ws.cell(row, 1).alignment = Alignment(horizontal="center")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
        row += 1
    row += 1  # one blank line, as in the decision
    header_row = row
    for col, text in enumerate(columns, start=1):
        cell = put(ws, row, col, text)
        cell.font = Font(bold=True)
        cell.alignment = centre
        cell.border = border
    row += 1
    stt = 0
    for group, members in table_rows(ranking):
        first = row
        for member in members:
            stt += 1
            values: list[object] = [stt, group if row == first else None, member.name]
            values += [member.pillars[p.code] for p in ranking.criteria.pillars]
            values += [member.total, member.classification]
            for col, value in enumerate(values, start=1):
                cell = put(ws, row, col, value)
                cell.border = border
                if isinstance(value, Decimal):
                    cell.number_format = number_format
            row += 1
        if row - first > 1:
            ws.merge_cells(start_row=first, start_column=2, end_row=row - 1, end_column=2)
        ws.cell(first, 2).alignment = Alignment(vertical="center", wrap_text=True)
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    widths = [6, 22, 32] + [14] * len(ranking.criteria.pillars) + [16, 12]
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.row_dimensions[header_row].height = 45
    with atomic_write(path) as handle:
        wb.save(handle)


def _fmt(value: Decimal, decimals: int) -> Decimal:
    # a number, not text: forms.cells leaves numbers as they are (a "-" here is a sign)
    return Decimal(format(value, f".{max(decimals, 0)}f"))


def csv_text(ranking: Ranking, group_header: str = DEFAULT_GROUP_HEADER) -> str:
    """The same table as CSV: the header row, then every unit with its group on each row."""
    return cells.csv_text(_csv_rows(ranking, group_header))


def _csv_rows(ranking: Ranking, group_header: str) -> list[list[object]]:
    decimals = ranking.criteria.rounding.decimals
    rows: list[list[object]] = [list(header(ranking, group_header))]
    stt = 0
    for group, members in table_rows(ranking):
        for member in members:
            stt += 1
            pillars = [_fmt(member.pillars[p.code], decimals) for p in ranking.criteria.pillars]
            rows.append(
                [
                    stt,
                    group,
                    member.name,
                    *pillars,
                    _fmt(member.total, decimals),
                    member.classification,
                ]
            )
    return rows


def write_csv(
    ranking: Ranking, path: str | os.PathLike[str], group_header: str = DEFAULT_GROUP_HEADER
) -> None:
    data = cells.csv_bytes(_csv_rows(ranking, group_header))
    write_bytes_atomic(path, data)


def write_table(
    ranking: Ranking, path: str | os.PathLike[str], group_header: str = DEFAULT_GROUP_HEADER
) -> None:
    """Write by extension: ``.xlsx`` or ``.csv``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_csv(ranking, path, group_header)
    elif suffix == ".xlsx":
        write_xlsx(ranking, path, group_header)
    else:
        raise ValueError(suffix)
