"""The ranking as the province publishes it: the appendix table, in Excel and CSV.

Layout (the appendix tables of the yearly decision, e.g. Phú Thọ's 10/QĐ-UBND of 2024), above
the table, centred: the appendix line ("PHỤ LỤC 3"), the title, "(Kèm theo Quyết định số …)".
Two layouts of the table:

- ``overall`` (the default; appendices 2 and 3, and every table since July 2025, when the
  districts went and the province names its first, second and third commune):
  ``STT | Tên đơn vị | <one column per pillar> | Tổng điểm năm Y | Xếp loại``, every unit by
  total, highest first. ``STT`` is the rank, so ties share it (1, 1, 3); units not ranked
  follow, numbered on by their place in the list, as the decision numbers them.
- ``grouped`` (appendix 4 of 2023, communes by district): ``STT | <group> | Tên đơn vị | …``,
  one group after another, each group's cell merged down its rows, within a group by group
  rank, not-ranked units last; ``STT`` numbers the rows.

Either may carry a ``Xếp hạng`` column (the overall rank) after the classification.

Which criteria set the ranking was computed under is an internal note, not part of the
published table: it is written as a footnote under the table ("Ghi chú: …", where the
decision puts its notes), so a printed or copied table still says where its numbers came
from, and deleting one row removes it before publishing. (A second sheet would be lost the
moment the table is printed or pasted into the decision's Word file.)

The workbook prints as the decision does: A4 landscape, one page wide, the header row repeated
on every page, "Trang 1/3" in the footer. Numbers stay numbers, shown as published: whole
numbers without decimals, others with the decimals they have, up to the set's (837,5, not
837,50), through each cell's number format.

The table is an official document in Vietnamese whatever the UI language, so its headings
are constants here, not translated messages. Files are written to a temporary name beside
the target and renamed into place: a failure never leaves half a workbook behind.
"""

from __future__ import annotations

import os
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms import cells
from forms.atomic import atomic_write, write_bytes_atomic
from forms.cells import put
from forms.criteria import NotApplicablePolicy, Pillar
from forms.ranking import RankedRow, Ranking

HEADER_STT = "STT"
HEADER_UNIT = "Tên đơn vị"
HEADER_CLASS = "Xếp loại"
HEADER_APPLICABLE_MAX = "Điểm tối đa áp dụng"
HEADER_PERCENT = "Tỷ lệ đạt (%)"
HEADER_RANK = "Xếp hạng"
# after the classification (a set with pass/fail targets): "4/6" reads "4 of 6 targets met"
HEADER_TARGETS = "Chỉ tiêu đạt"
DEFAULT_GROUP_HEADER = "Khu vực"
NOT_RANKED_MARK = "-"  # the rank column of a unit left out of the ranking, as the decision marks it
OVERALL, GROUPED = "overall", "grouped"
LAYOUTS = (OVERALL, GROUPED)
PAGE_FOOTER = "Trang &P/&N"  # Excel's codes: page number / number of pages


@dataclass(frozen=True)
class Appendix:
    """How the table is laid out and what stands above it; every field may be left out."""

    layout: str = OVERALL  # one of LAYOUTS
    appendix: str = ""  # "PHỤ LỤC 3"
    title: str = ""  # "" for the default title of the year
    decision: str = ""  # "Kèm theo Quyết định số 10/QĐ-UBND ngày 03/01/2026 của UBND tỉnh …"
    rank_column: bool = False
    group_header: str = DEFAULT_GROUP_HEADER

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(self.layout)


def total_header(year: int) -> str:
    return f"Tổng điểm năm {year}"


def default_title(year: int) -> str:
    return f"KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG MỨC ĐỘ CHUYỂN ĐỔI SỐ CẤP XÃ NĂM {year}"


def decision_line(decision: str) -> str:
    """``decision`` in the brackets the decision prints it in (typed with or without them)."""
    text = _clean(decision)
    if not text:
        return ""
    return text if text.startswith("(") and text.endswith(")") else f"({text.strip('()')})"


def title_lines(ranking: Ranking, appendix: Appendix | None = None) -> list[str]:
    """The lines above the table: appendix, title, "(Kèm theo …)"; the ones not given left out."""
    appendix = appendix or Appendix()
    lines = [
        _clean(appendix.appendix),
        _clean(appendix.title) or default_title(ranking.year),
        decision_line(appendix.decision),
    ]
    return [line for line in lines if line]


def footnote(ranking: Ranking) -> str:
    cs = ranking.criteria
    return f"Ghi chú: xếp hạng theo bộ tiêu chí “{_clean(cs.title)}”, phiên bản {cs.version}."


def pillars(ranking: Ranking) -> list[Pillar]:
    """The pillars with a column: an information block ("Thông tin chung", no points) has none."""
    return [p for p in ranking.criteria.pillars if not p.unscored]


def has_targets(ranking: Ranking) -> bool:
    return bool(ranking.criteria.targets())


def header(ranking: Ranking, appendix: Appendix | None = None) -> list[str]:
    appendix = appendix or Appendix()
    group = [_clean(appendix.group_header)] if appendix.layout == GROUPED else []
    rank = [HEADER_RANK] if appendix.rank_column else []
    targets = [HEADER_TARGETS] if has_targets(ranking) else []
    return [
        HEADER_STT,
        *group,
        HEADER_UNIT,
        *[_clean(p.name) for p in pillars(ranking)],
        total_header(ranking.year),
        *applicable_headers(ranking),
        HEADER_CLASS,
        *targets,
        *rank,
    ]


def applicable_headers(ranking: Ranking) -> list[str]:
    """A set with applicability (issue 16): each unit's applicable maximum, and the
    percentage of it when units are ranked on that ("tính trên phần áp dụng")."""
    policy = ranking.criteria.not_applicable
    if policy is None:
        return []
    if policy is NotApplicablePolicy.OUT_OF_APPLICABLE:
        return [HEADER_APPLICABLE_MAX, HEADER_PERCENT]
    return [HEADER_APPLICABLE_MAX]


@dataclass(frozen=True)
class Line:
    """One unit's row of the table."""

    values: list[object]
    group_size: int = 0  # grouped layout: rows of the group this row starts (0: not a start)


def table_lines(ranking: Ranking, appendix: Appendix | None = None) -> list[Line]:
    """The table's rows in order, as the cells should hold them (numbers as ``Decimal``)."""
    appendix = appendix or Appendix()
    if appendix.layout == OVERALL:
        return [
            Line(_values(ranking, row, [_overall_stt(row, i)], appendix))
            for i, row in enumerate(ranking.rows, start=1)
        ]
    lines: list[Line] = []
    for group, members in ranking.by_group():
        for i, member in enumerate(members):
            lead = [len(lines) + 1, group if i == 0 else None]
            lines.append(Line(_values(ranking, member, lead, appendix), len(members) * (i == 0)))
    return lines


def _overall_stt(row: RankedRow, position: int) -> int:
    return row.rank if row.rank is not None else position


def _values(ranking: Ranking, row: RankedRow, lead: Sequence[object], appendix: Appendix) -> list:
    values: list[object] = [*lead, row.name]
    values += [row.pillars[p.code] for p in pillars(ranking)]
    values.append(row.total)
    width = len(applicable_headers(ranking))
    values += [row.applicable_max, row.percent][:width]
    values.append(row.classification)
    if has_targets(ranking):
        met = (
            ""
            if row.targets_met is None
            else f"{row.targets_met}/{len(ranking.criteria.targets())}"
        )
        values.append(met)
    if appendix.rank_column:
        values.append(row.rank if row.rank is not None else NOT_RANKED_MARK)
    return values


def number_format(value: Decimal, decimals: int) -> str:
    """The Excel format that shows ``value`` as published: no decimals for a whole number,
    else the decimals it has (at most ``decimals``): 837.50 shows "837,5", 45.00 "45"."""
    exponent = value.normalize().as_tuple().exponent
    shown = min(-exponent, max(decimals, 0)) if isinstance(exponent, int) and exponent < 0 else 0
    return "0." + "0" * shown if shown else "0"


# --- Excel --------------------------------------------------------------------------------


class _Styles:
    """The few styles of the table, built once: a style object per cell costs seconds on 3,321
    units (openpyxl hashes each one to find it in the workbook's style list)."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, Side

        thin = Side(style="thin")
        self.border = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
        self.middle = Alignment(vertical="center", wrap_text=True)
        self.bold = Font(bold=True)
        self.italic = Font(italic=True)


def write_xlsx(
    ranking: Ranking, path: str | os.PathLike[str], appendix: Appendix | None = None
) -> None:
    from openpyxl import Workbook

    appendix = appendix or Appendix()
    wb = Workbook()
    ws = wb.active
    ws.title = f"Xếp hạng {ranking.year}"
    styles = _Styles()
    width = len(header(ranking, appendix))
    lines = title_lines(ranking, appendix)
    row = _write_titles(ws, lines, decision_line(appendix.decision), width, styles)
    header_row = row
    for col, text in enumerate(header(ranking, appendix), start=1):
        cell = put(ws, row, col, text)
        cell.font, cell.alignment, cell.border = styles.bold, styles.centre, styles.border
    row = _write_body(ws, ranking, appendix, header_row + 1, styles)
    put(ws, row + 1, 1, footnote(ranking)).font = styles.italic
    _set_widths(ws, ranking, appendix, header_row)
    _print_setup(ws, header_row)
    with atomic_write(path) as handle:
        wb.save(handle)


def _write_titles(ws: Any, lines: list[str], decision: str, width: int, styles: _Styles) -> int:
    """The lines above the table, centred across it (the decision's line in italics, the others
    bold); returns the header's row."""
    for row, line in enumerate(lines, start=1):
        cell = put(ws, row, 1, line)
        cell.font = styles.italic if line == decision else styles.bold
        cell.alignment = styles.centre
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)
    return len(lines) + 2  # one blank line, as in the decision


def _write_body(ws: Any, ranking: Ranking, appendix: Appendix, first: int, styles: _Styles) -> int:
    """The unit rows from row ``first``; returns the row after the last."""
    decimals = ranking.criteria.rounding.decimals
    grouped = appendix.layout == GROUPED
    row = first
    merges: list[tuple[int, int]] = []
    # STT, classification and rank centred, as the decision prints them ("-" shows there)
    label_col = len(header(ranking, appendix)) - appendix.rank_column - has_targets(ranking)
    centred = {1, label_col, label_col + 1, label_col + 2}
    for line in table_lines(ranking, appendix):
        for col, value in enumerate(line.values, start=1):
            cell = put(ws, row, col, value)
            cell.border = styles.border
            if isinstance(value, Decimal):
                cell.number_format = number_format(value, decimals)
            elif col in centred:
                cell.alignment = styles.centre
        if grouped and line.group_size:
            ws.cell(row, 2).alignment = styles.middle
            merges.append((row, row + line.group_size - 1))
        row += 1
    for top, bottom in merges:  # once the cells are written: a merged cell takes no value
        if bottom > top:
            ws.merge_cells(start_row=top, start_column=2, end_row=bottom, end_column=2)
    return row


def _set_widths(ws: Any, ranking: Ranking, appendix: Appendix, header_row: int) -> None:
    from openpyxl.utils import get_column_letter

    lead = [6, 22, 32] if appendix.layout == GROUPED else [6, 32]
    widths = [*lead, *[14] * len(pillars(ranking)), 16]
    widths += [12] * len(applicable_headers(ranking)) + [12]
    widths += [12] if has_targets(ranking) else []
    widths += [10] if appendix.rank_column else []
    for col, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.row_dimensions[header_row].height = 45


def _print_setup(ws: Any, header_row: int) -> None:
    """A4 landscape, one page wide (as many tall as needed), the header on every page."""
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0: as many pages tall as the rows need
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = PAGE_FOOTER
    ws.evenFooter.center.text = PAGE_FOOTER


# --- CSV ----------------------------------------------------------------------------------


def _fmt(value: Decimal, decimals: int) -> Decimal:
    # a number, not text: forms.cells leaves numbers as they are (a "-" here is a sign)
    return Decimal(format(value, f".{max(decimals, 0)}f"))


def csv_text(ranking: Ranking, appendix: Appendix | None = None) -> str:
    """The same table as CSV: the header row, then every unit (its group on each row)."""
    return cells.csv_text(_csv_rows(ranking, appendix or Appendix()))


def _csv_rows(ranking: Ranking, appendix: Appendix) -> Iterator[list[object]]:
    decimals = ranking.criteria.rounding.decimals
    yield list(header(ranking, appendix))
    group: object = None
    for line in table_lines(ranking, appendix):
        values = [_fmt(v, decimals) if isinstance(v, Decimal) else v for v in line.values]
        if appendix.layout == GROUPED:  # a CSV has no merged cells: the group on every row
            group = values[1] if values[1] is not None else group
            values[1] = group
        yield values


def write_csv(
    ranking: Ranking, path: str | os.PathLike[str], appendix: Appendix | None = None
) -> None:
    data = cells.csv_bytes(_csv_rows(ranking, appendix or Appendix()))
    write_bytes_atomic(path, data)


def write_table(
    ranking: Ranking, path: str | os.PathLike[str], appendix: Appendix | None = None
) -> None:
    """Write by extension: ``.xlsx`` or ``.csv``."""
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        write_csv(ranking, path, appendix)
    elif suffix == ".xlsx":
        write_xlsx(ranking, path, appendix)
    else:
        raise ValueError(suffix)


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())
