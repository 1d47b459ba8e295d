"""Where a published ranking table's header is and which column holds what.

The header is found by its ``STT`` cell; it may be one row or up to three (merged cells count
for every column they cover; a column is named by its lowest header text). Of the columns after
``STT``, the total is the first whose header starts with "Tổng điểm", the classification one
starting with "Xếp loại"; rank, notes, codes and last year's total are ignored; the rest hold
either text (the group and the unit name) or numbers (the pillars), told apart by what the
cells below hold, since headers vary from year to year. See docs/results-check.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from forms.i18n import _
from forms.results_grid import Grid, TableReadError, cell_text, norm, parse_number

# A header is at most this many rows tall (a parent row over the pillar names, rarely a third).
MAX_HEADER_ROWS = 3

STT_HEADERS = frozenset({"stt", "tt", "số tt", "số thứ tự"})
_TOTAL_PREFIX = ("tổng điểm", "tổng số điểm")
_LABEL_PREFIXES = ("xếp loại", "phân loại")
_TARGETS_PREFIXES = ("chỉ tiêu đạt", "số chỉ tiêu đạt")
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
    # a set with applicability (issue 16): the unit's applicable maximum and its share
    "điểm tối đa",
    "tỷ lệ đạt",
)
_GROUP_WORDS = ("huyện", "cụm", "hành chính cũ", "khu vực", "địa bàn", "thành, thị", "nhóm")
NUMBERING = re.compile(r"^\(?[0-9a-z]{1,3}\)?$")  # a row numbering the columns: (1) (2) (3)


@dataclass
class Layout:
    header_line: int
    first_data: int
    stt_col: int
    name_col: int
    group_col: int | None
    pillar_cols: list[int]
    total_col: int
    label_col: int | None
    headers: dict[int, str]  # column -> header as displayed (its lowest header text)
    targets_col: int | None = None  # "Chỉ tiêu đạt" ("4/6"), after the classification


def find_stt(grid: Grid, start: int, stop: int) -> tuple[int, int] | None:
    """The first ``STT`` header cell in rows ``start`` to ``stop``, as (row, column)."""
    for row in range(start, min(stop, grid.height) + 1):
        for col in range(1, len(grid.values[row - 1]) + 1):
            if norm(grid.text(row, col)) in STT_HEADERS:
                return row, col
    return None


def is_number(value: Any) -> bool:
    return parse_number(value)[2] == ""


def _header_rows(grid: Grid, top: int, stt_col: int) -> int:
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
        if len(filled) < 2 or any(is_number(v) for v in filled):
            break
        if all(NUMBERING.match(norm(cell_text(v))) for v in filled):
            break
        bottom = row
    return bottom


@dataclass
class _Headers:
    """Every header text of each column, top to bottom, and the one it is named by."""

    texts: dict[int, list[str]]
    named: dict[int, str]  # column -> its lowest header text

    @classmethod
    def read(cls, grid: Grid, top: int, bottom: int) -> _Headers:
        texts: dict[int, list[str]] = {}
        for col in range(1, grid.width + 1):
            parts = [cell_text(grid.merged_value(r, col)) for r in range(top, bottom + 1)]
            texts[col] = [p for p in parts if p]
        return cls(texts, {col: parts[-1] for col, parts in texts.items() if parts})

    def first_col(self, match: Callable[[str], bool]) -> int | None:
        # a column's own (lowest) header first: a parent header such as "Tổng hợp điểm…" over
        # the pillars must not make a pillar the total
        own = next((c for c in sorted(self.named) if match(norm(self.named[c]))), None)
        if own is not None:
            return own
        return next(
            (c for c in sorted(self.texts) if any(match(norm(t)) for t in self.texts[c])), None
        )


def _total_col(grid: Grid, headers: _Headers, header_line: int) -> int:
    """The total's column, now named by its "Tổng điểm…" text (it may be a parent header)."""
    col = headers.first_col(lambda t: t.startswith(_TOTAL_PREFIX))
    if col is None:
        raise TableReadError(
            _(
                "Bảng ở trang “{sheet}” (tiêu đề dòng {line}) không có cột “Tổng điểm…”.",
                sheet=grid.title,
                line=header_line,
            )
        )
    headers.named[col] = next(t for t in headers.texts[col] if norm(t).startswith(_TOTAL_PREFIX))
    return col


def _count_kinds(
    grid: Grid, first_data: int, stt_col: int, candidates: list[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """How many cells of each candidate column hold a number, and how many hold words."""
    numbers = dict.fromkeys(candidates, 0)
    words = dict.fromkeys(candidates, 0)
    for row in range(first_data, grid.height + 1):
        if norm(grid.text(row, stt_col)) in STT_HEADERS:
            break
        for col in candidates:
            value = grid.value(row, col)
            if value is None or not cell_text(value):
                continue
            if is_number(value):
                numbers[col] += 1
            else:
                words[col] += 1
    return numbers, words


def _is_text(header: str, numbers: int, words: int) -> bool:
    # the column's own header, not a parent over several columns ("Điểm theo nhóm chỉ số")
    header = norm(header)
    if header.startswith("tên"):
        return True
    if numbers != words:
        return words > numbers
    return header.startswith(("đơn vị", "xã", "phường")) or any(w in header for w in _GROUP_WORDS)


def _name_and_group(text_cols: list[int], named: dict[int, str]) -> tuple[int, int | None]:
    """The name is the text column whose header starts with "Tên", else the last one; the
    group is the text column just before it, else the first other one."""
    by_name = [c for c in text_cols if norm(named[c]).startswith("tên")]
    name_col = by_name[0] if by_name else text_cols[-1]
    others = [c for c in text_cols if c != name_col]
    group_col = others[-1] if others and others[-1] < name_col else (others[0] if others else None)
    return name_col, group_col


def find_layout(grid: Grid, header_line: int, stt_col: int) -> Layout:
    """The layout of the table whose ``STT`` header is at (``header_line``, ``stt_col``).

    Raises ``TableReadError`` when it has no total column or no unit-name column.
    """
    bottom = _header_rows(grid, header_line, stt_col)
    headers = _Headers.read(grid, header_line, bottom)
    total_col = _total_col(grid, headers, header_line)
    label_col = headers.first_col(lambda t: t.startswith(_LABEL_PREFIXES))
    candidates = [
        c
        for c in range(stt_col + 1, max(total_col, label_col or 0))
        if c in headers.named
        and c not in (total_col, label_col)
        and not norm(headers.named[c]).startswith(_IGNORED_PREFIXES)
    ]
    numbers, words = _count_kinds(grid, bottom + 1, stt_col, candidates)
    text_cols = [c for c in candidates if _is_text(headers.named[c], numbers[c], words[c])]
    if not text_cols:
        raise TableReadError(
            _(
                "Bảng ở trang “{sheet}” (tiêu đề dòng {line}) không có cột tên đơn vị.",
                sheet=grid.title,
                line=header_line,
            )
        )
    name_col, group_col = _name_and_group(text_cols, headers.named)
    return Layout(
        header_line=header_line,
        first_data=bottom + 1,
        stt_col=stt_col,
        name_col=name_col,
        group_col=group_col,
        pillar_cols=[c for c in candidates if c not in text_cols],
        total_col=total_col,
        label_col=label_col,
        headers=headers.named,
        targets_col=headers.first_col(lambda t: t.startswith(_TARGETS_PREFIXES)),
    )
