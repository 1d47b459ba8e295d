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
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound

# The header sits under a handful of title lines; looking further would only read data.
HEADER_SCAN_ROWS = 60
# the file itself, read before parsing: a published appendix is tens of kB; this leaves room
# for sheets of 100,000 rows (a few MB zipped)
MAX_WORKBOOK_BYTES = 64 * 2**20
# A header is at most this many rows tall (a parent row over the pillar names, rarely a third).
MAX_HEADER_ROWS = 3

NOT_RANKED = frozenset({"-", "–", "—", "−"})  # the dashes people type for "not ranked"

_NOT_RANKED_WORDS = ("không xếp", "chưa xếp")  # "Không xếp loại", "Chưa xếp hạng"
_STT_HEADERS = frozenset({"stt", "tt", "số tt", "số thứ tự"})
_TOTAL_PREFIX = ("tổng điểm", "tổng số điểm")
_LABEL_PREFIXES = ("xếp loại", "phân loại")
# Columns that are neither a pillar nor a name: a rank column, notes, last year's total.
_IGNORED_PREFIXES = (
    "xếp hạng",
    "thứ hạng",
    "hạng",
    "ghi chú",
    "tăng",
    "giảm",
    "so với",
    "tổng",
    "mã",
)
_GROUP_WORDS = ("huyện", "cụm", "hành chính cũ", "khu vực", "địa bàn", "thành, thị", "nhóm")
_SUMMARY_NAMES = ("tổng cộng", "tổng số", "cộng", "trung bình", "bình quân")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([. ]\d{3})+([,]\d*)?$")  # 1.000,5 / 1 000,5
_NUMBERING = re.compile(r"^\(?[0-9a-z]{1,3}\)?$")
_ROMAN = re.compile(r"^([ivxlc]+|[a-h])[.)]?(\s+(.*))?$")
_DECIMALS_IN_FORMAT = re.compile(r"[0#?]\.([0#?]+)")


class TableReadError(Exception):
    """The file holds no table we can read at all; ``message`` is for the user, ``code`` is
    ``forms.inbound``'s reason when the file was not even read (else ``unreadable``)."""

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


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


# --- small helpers ----------------------------------------------------------------------


# the five tone marks (a syllable carries at most one); hats, breves, horns and đ are letters
_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def _tone_last(word: str) -> str:
    """``word`` with its tone mark moved after the letters: where the mark sits is a spelling
    convention, not a different word. "Hòa" (old style, on the o) and "Hoà" (new style, on the
    a), "Thủy"/"Thuỷ", "khỏe"/"khoẻ" get one key."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = "".join(ch for ch in decomposed if ch in _TONE_MARKS)
    if not tones:
        return word
    letters = "".join(ch for ch in decomposed if ch not in _TONE_MARKS)
    return unicodedata.normalize("NFC", letters) + tones


def norm(text: str) -> str:
    """NFC, casefolded, whitespace collapsed: the key for headers and labels."""
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def name_key(text: str) -> str:
    """The key for unit and group names: ``norm``, and the same whichever vowel a word's tone
    mark was typed on, so "Xã Hòa Bình" in the units list finds "Xã Hoà Bình" in a published
    table, and the two in one table are one unit listed twice."""
    return " ".join(_tone_last(word) for word in norm(text).split())


def cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


@cache
def _quoted(sheet: str) -> str:
    return sheet if re.fullmatch(r"[A-Za-z0-9_]+", sheet) else "'" + sheet.replace("'", "''") + "'"


def address(sheet: str, row: int, col: int) -> str:
    """Excel's own notation, so a user can paste it into the Name Box: ``'Phụ lục 3'!E12``."""
    from openpyxl.utils import get_column_letter

    return f"{_quoted(sheet)}!{get_column_letter(col)}{row}"


@cache
def _format_decimals(number_format: str) -> int | None:
    """Decimals a fixed number format shows ("0.00" -> 2, "#,##0" -> 0); None for General."""
    section = number_format.split(";")[0]
    section = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", section)  # literals, colours, escapes
    if not section or section.casefold() in {"general", "@"} or not re.search(r"[0#?]", section):
        return None
    match = _DECIMALS_IN_FORMAT.search(section)
    return len(match.group(1)) if match else 0


def parse_number(value: Any, number_format: str = "General") -> tuple[Decimal | None, int, str]:
    """``(value, decimals shown, problem)`` for a cell value; problem is "", "empty" or "not_number".

    Text may use a decimal comma ("527,03") or a decimal point, and thousands grouped with a dot
    or a space when a decimal comma follows or the groups are unambiguous ("1.000,5").
    A number cell with a fixed format ("0.0") is taken as shown, i.e. rounded to that format:
    the check is about what the published table says, not what the cell happens to store.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, 0, "empty"
    if isinstance(value, bool | datetime | date | time | timedelta):
        return None, 0, "not_number"
    if isinstance(value, int | float | Decimal):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            return None, 0, "not_number"
        # 15 significant digits drop binary noise (818.2999999999999 -> 818.3) as Excel does.
        number = Decimal(format(value, ".15g")) if isinstance(value, float) else Decimal(value)
        shown = _format_decimals(number_format)
        if shown is not None:
            number = number.quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_UP)
            return number, shown, ""
        exponent = number.normalize().as_tuple().exponent
        decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return number, decimals, ""
    text = unicodedata.normalize("NFKC", str(value)).strip().replace("\u00a0", " ")
    text = text.replace("\u2212", "-")  # the minus sign some editors type
    if "," in text and "." in text and text.rfind(".") > text.rfind(","):
        text = text.replace(",", "")  # English grouping: 1,000.5
    elif _GROUPED.match(text) and ("," in text or text.count(".") > 1 or " " in text):
        text = text.replace(".", "").replace(" ", "")
    text = text.replace(" ", "")
    if not _NUMBER.match(text):
        return None, 0, "not_number"
    text = text.replace(",", ".")
    decimals = len(text.split(".", 1)[1]) if "." in text else 0
    try:
        return Decimal(text), decimals, ""
    except InvalidOperation:  # pragma: no cover - the pattern above admits only numbers
        return None, 0, "not_number"


def _stt_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = cell_text(value).rstrip(".")
    return int(text) if text.isdigit() else None


# --- the worksheet as a grid --------------------------------------------------------------


class _Grid:
    """Values and number formats of one worksheet, plus where merged ranges start."""

    def __init__(self, ws: Any) -> None:
        self.title: str = ws.title
        self.values: list[list[Any]] = []
        self.formats: list[list[str]] = []
        for row in ws.iter_rows():
            self.values.append([c.value for c in row])
            self.formats.append([c.number_format or "General" for c in row])
        self.height = len(self.values)
        self.width = max((len(r) for r in self.values), default=0)
        # (min_row, min_col, max_row, max_col), 1-based
        self.merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]

    def value(self, row: int, col: int) -> Any:
        if 1 <= row <= self.height and 1 <= col <= len(self.values[row - 1]):
            return self.values[row - 1][col - 1]
        return None

    def number_format(self, row: int, col: int) -> str:
        if 1 <= row <= self.height and 1 <= col <= len(self.formats[row - 1]):
            return self.formats[row - 1][col - 1]
        return "General"

    def text(self, row: int, col: int) -> str:
        return cell_text(self.value(row, col))

    def merged_value(self, row: int, col: int) -> Any:
        """The cell's value, or the value of the merged range it lies in."""
        value = self.value(row, col)
        if value is not None:
            return value
        for r1, c1, r2, c2 in self.merged:
            if r1 <= row <= r2 and c1 <= col <= c2:
                return self.value(r1, c1)
        return None


# --- finding the layout -------------------------------------------------------------------


@dataclass
class _Layout:
    header_line: int
    first_data: int
    stt_col: int
    name_col: int
    group_col: int | None
    pillar_cols: list[int]
    total_col: int
    label_col: int | None
    headers: dict[int, str]  # column -> header as displayed (its lowest header text)


def _find_stt(grid: _Grid, start: int, stop: int) -> tuple[int, int] | None:
    for row in range(start, min(stop, grid.height) + 1):
        for col in range(1, len(grid.values[row - 1]) + 1):
            if norm(grid.text(row, col)) in _STT_HEADERS:
                return row, col
    return None


def _is_number(value: Any) -> bool:
    return parse_number(value)[2] == ""


def _header_rows(grid: _Grid, top: int, stt_col: int) -> int:
    """The last row of the header starting at ``top`` (merged from it, or an unmerged sub-row)."""
    bottom = top
    for r1, _c1, r2, _c2 in grid.merged:
        if r1 == top:
            bottom = max(bottom, min(r2, top + MAX_HEADER_ROWS - 1))
    while bottom < top + MAX_HEADER_ROWS - 1:
        row = bottom + 1
        if row > grid.height or grid.value(row, stt_col) is not None:
            break
        texts = [grid.value(row, c) for c in range(1, grid.width + 1)]
        filled = [v for v in texts if v is not None and cell_text(v)]
        if len(filled) < 2 or any(_is_number(v) for v in filled):
            break
        if all(_NUMBERING.match(norm(cell_text(v))) for v in filled):
            break
        bottom = row
    return bottom


def _layout(grid: _Grid, header_line: int, stt_col: int) -> _Layout:  # noqa: C901
    bottom = _header_rows(grid, header_line, stt_col)
    texts: dict[int, list[str]] = {}
    for col in range(1, grid.width + 1):
        parts = [cell_text(grid.merged_value(r, col)) for r in range(header_line, bottom + 1)]
        texts[col] = [p for p in parts if p]
    headers = {col: parts[-1] for col, parts in texts.items() if parts}

    def first_col(match: Callable[[str], bool]) -> int | None:
        # a column's own (lowest) header first: a parent header such as "Tổng hợp điểm…" over
        # the pillars must not make a pillar the total
        own = next((c for c in sorted(headers) if match(norm(headers[c]))), None)
        if own is not None:
            return own
        return next((c for c in sorted(texts) if any(match(norm(t)) for t in texts[c])), None)

    total_col = first_col(lambda t: t.startswith(_TOTAL_PREFIX))
    if total_col is None:
        raise TableReadError(
            _(
                "Bảng ở trang “{sheet}” (tiêu đề dòng {line}) không có cột “Tổng điểm…”.",
                sheet=grid.title,
                line=header_line,
            )
        )
    headers[total_col] = next(t for t in texts[total_col] if norm(t).startswith(_TOTAL_PREFIX))
    label_col = first_col(lambda t: t.startswith(_LABEL_PREFIXES))
    end = max(total_col, label_col or 0)
    candidates = [
        c
        for c in range(stt_col + 1, end)
        if c in headers
        and c not in (total_col, label_col)
        and not norm(headers[c]).startswith(_IGNORED_PREFIXES)
    ]

    # Which candidates hold text (group, name) and which numbers (pillars): by the data itself,
    # since headers vary from year to year; an empty column falls back on its header's words.
    first_data = bottom + 1
    numbers = dict.fromkeys(candidates, 0)
    words = dict.fromkeys(candidates, 0)
    for row in range(first_data, grid.height + 1):
        if norm(grid.text(row, stt_col)) in _STT_HEADERS:
            break
        for col in candidates:
            value = grid.value(row, col)
            if value is None or not cell_text(value):
                continue
            if _is_number(value):
                numbers[col] += 1
            else:
                words[col] += 1

    def is_text(col: int) -> bool:
        # the column's own header, not a parent over several columns ("Điểm theo nhóm chỉ số")
        header = norm(headers[col])
        if header.startswith("tên"):
            return True
        if numbers[col] != words[col]:
            return words[col] > numbers[col]
        return header.startswith(("đơn vị", "xã", "phường")) or any(
            w in header for w in _GROUP_WORDS
        )

    text_cols = [c for c in candidates if is_text(c)]
    if not text_cols:
        raise TableReadError(
            _(
                "Bảng ở trang “{sheet}” (tiêu đề dòng {line}) không có cột tên đơn vị.",
                sheet=grid.title,
                line=header_line,
            )
        )
    named = [c for c in text_cols if norm(headers[c]).startswith("tên")]
    name_col = named[0] if named else text_cols[-1]
    others = [c for c in text_cols if c != name_col]
    group_col = others[-1] if others and others[-1] < name_col else (others[0] if others else None)
    pillar_cols = [c for c in candidates if c not in text_cols]
    return _Layout(
        header_line=header_line,
        first_data=first_data,
        stt_col=stt_col,
        name_col=name_col,
        group_col=group_col,
        pillar_cols=pillar_cols,
        total_col=total_col,
        label_col=label_col,
        headers=headers,
    )


# --- reading rows ---------------------------------------------------------------------------


def _number(grid: _Grid, row: int, col: int, header: str) -> Number:
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


def _group_cells(grid: _Grid, col: int) -> dict[int, Any]:
    """Row -> group value spread from vertically merged cells of the group column."""
    spread: dict[int, Any] = {}
    for r1, c1, r2, c2 in grid.merged:
        if c1 <= col <= c2 and r2 > r1:
            top = grid.value(r1, c1)
            for row in range(r1, r2 + 1):
                spread[row] = top
    return spread


def _section(grid: _Grid, row: int, layout: _Layout) -> str | None:
    """The group a section row starts ("I | Huyện Cẩm Khê" or "I. Huyện Cẩm Khê"), else None."""
    stt = norm(grid.text(row, layout.stt_col))
    match = _ROMAN.match(stt)
    if not match:
        return None
    if match.group(3):
        return cell_text(grid.value(row, layout.stt_col)).split(None, 1)[1]
    name = grid.text(row, layout.name_col)
    return name or None


def _read_rows(grid: _Grid, layout: _Layout) -> tuple[list[TableRow], int | None]:  # noqa: C901
    """The unit rows under ``layout``'s header, and the row where another table starts (if any)."""
    rows: list[TableRow] = []
    spread = _group_cells(grid, layout.group_col) if layout.group_col else {}
    group = ""
    pending: str | None = None  # a heading row's text, the group of the units under it
    value_cols = [*layout.pillar_cols, layout.total_col]
    for row in range(layout.first_data, grid.height + 1):
        stt_raw = grid.value(row, layout.stt_col)
        if norm(cell_text(stt_raw)) in _STT_HEADERS:
            return rows, row
        name = grid.text(row, layout.name_col)
        stt = _stt_value(stt_raw)
        if stt is None and _NUMBERING.match(norm(name)) and not rows:
            continue  # the "(1) (2) (3)" row numbering the columns
        if stt is None and layout.group_col is None:
            section = _section(grid, row, layout)
            if section:  # "I | Huyện Cẩm Khê", possibly with the group's subtotals
                group, pending = section, None
                continue
        numbers = [_number(grid, row, c, layout.headers[c]) for c in value_cols]
        if stt is None and all(n.problem in ("empty", "not_number") for n in numbers):
            # a blank row, a heading row ("Huyện Cẩm Khê" across the table), a footer note or a
            # signature block; a heading counts only once a unit row follows it
            heading = grid.text(row, layout.stt_col) or name
            label = grid.text(row, layout.label_col) if layout.label_col else ""
            if layout.group_col is None and heading and not label:
                pending = heading
            continue
        if stt is None and norm(name).startswith(_SUMMARY_NAMES):
            continue  # "Tổng cộng" / "Trung bình" rows under the units
        if pending is not None:
            group, pending = pending, None
        if layout.group_col is not None:
            typed = grid.value(row, layout.group_col)
            if typed is None or not cell_text(typed):
                typed = spread.get(row)
            if typed is not None and cell_text(typed):
                group = cell_text(typed)
        label = grid.text(row, layout.label_col) if layout.label_col else ""
        rows.append(
            TableRow(
                line=row,
                stt=stt,
                group=group,
                name=name,
                name_where=address(grid.title, row, layout.name_col),
                pillars=tuple(numbers[:-1]),
                total=numbers[-1],
                label=label,
                label_where=address(grid.title, row, layout.label_col) if layout.label_col else "",
            )
        )
    return rows, None


def _sheet_tables(grid: _Grid) -> Iterator[ResultsTable]:
    found = _find_stt(grid, 1, HEADER_SCAN_ROWS)
    while found:
        header_line, stt_col = found
        layout = _layout(grid, header_line, stt_col)
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
        found = _find_stt(grid, next_header, next_header) if next_header else None


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
    """Every ranking table in the workbook (or in one sheet of it).

    Raises ``TableReadError`` with a Vietnamese message when the file is missing, is not an
    .xlsx workbook, or holds no header with an ``STT`` cell.
    """
    with no_cyclic_gc():
        return _read_tables(path, sheet)


def _read_tables(path: str | Path, sheet: str | None) -> list[ResultsTable]:
    from openpyxl import load_workbook

    path = Path(path)
    if not os.path.lexists(path):
        raise TableReadError(_("Không tìm thấy tệp “{file}”.", file=str(path)))
    try:
        # one read of a regular file of bounded size: a FIFO or /dev/zero is refused, not waited on
        data = read_inbound(path, MAX_WORKBOOK_BYTES)
    except InboundRejected as exc:
        raise TableReadError(exc.problem.message, exc.problem.code) from None
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
            raise TableReadError(
                _(
                    "Tệp “{file}” không có trang “{sheet}” (có: {sheets}).",
                    file=path.name,
                    sheet=sheet,
                    sheets=", ".join(workbook.sheetnames),
                )
            )
        tables: list[ResultsTable] = []
        for ws in workbook.worksheets:
            if sheet is None or ws.title == sheet:
                tables.extend(_sheet_tables(_Grid(ws)))
    finally:
        workbook.close()
    if any(n.problem == "empty" for t in tables for r in t.rows for n in (*r.pillars, r.total)):
        tables = _mark_formulas(data, tables)
    if not tables:
        raise TableReadError(
            _(
                "Không tìm thấy bảng xếp hạng trong tệp “{file}”: không có dòng tiêu đề nào có ô “STT” ({rows} dòng đầu mỗi trang).",
                file=path.name,
                rows=HEADER_SCAN_ROWS,
            )
        )
    return tables
