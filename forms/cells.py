"""Cells of the files we write for people to open in a spreadsheet: text stays text.

Names in our exports come from outside: a commune's signed package, the province's units
list, a criteria set. A name such as ``=HYPERLINK("http://x","a")`` must never become a live
formula when the collector opens the ranking in Excel (issue 12, hole 5).

- xlsx: openpyxl turns any ``str`` starting with ``=`` into a formula (``data_type "f"``) and
  ``"#N/A"`` into an error cell; here every ``str`` is written as an inline string
  (``t="inlineStr"``), whatever it starts with. A string that *would* be read as a formula if
  typed also gets Excel's ``quotePrefix`` style, so editing the cell does not arm it. Characters
  XML cannot hold (C0 controls other than tab, LF, CR) are replaced by U+FFFD instead of
  making openpyxl raise half-way through an export.
- CSV: there is no cell type, so OWASP's "CSV Injection" rule applies: a text cell starting
  with ``= + - @``, tab or CR gets a leading ``'``. A cell of that one character alone holds no
  formula and is left as it is: ``-`` is how the published tables mark a unit not ranked.
  Only ``str`` values are text cells: numbers
  the app computed are passed as ``int``/``Decimal`` and written as they are, so ``-5`` stays a
  number a spreadsheet can add up (its characters are all ours: a sign, digits, a point).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

# OWASP, https://owasp.org/www-community/attacks/CSV_Injection
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # openpyxl's ILLEGAL_CHARACTERS_RE


def could_be_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` typed into a cell as a formula."""
    return len(text) > 1 and text.startswith(FORMULA_STARTS)


def csv_cell(value: object) -> object:
    """``value`` as a CSV writer should receive it: text that could start a formula quoted."""
    if isinstance(value, str) and could_be_formula(value):
        return "'" + value
    return value


def from_csv_cell(text: str) -> str:
    """A CSV cell as :func:`csv_cell` received it: the ``'`` it put before a formula taken off,
    so a table read back names "=HYPERLINK(…)" as the unit did (as text, never evaluated)."""
    if text.startswith("'") and could_be_formula(text[1:]):
        return text[1:]
    return text


def csv_text(rows: Iterable[Iterable[object]]) -> str:
    """CSV (comma, CRLF, minimal quoting) with every text cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([csv_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def csv_bytes(rows: Iterable[Iterable[object]]) -> bytes:
    """:func:`csv_text` as UTF-8 with a BOM: Excel on Windows otherwise shows mojibake."""
    return csv_text(rows).encode("utf-8-sig")


def _assign(cell: Any, value: object) -> Any:
    if isinstance(value, str):
        text = _NOT_XML.sub("\ufffd", value)
        cell.value = text
        cell.data_type = "s"  # after the assignment, which guessed "f" for "=..." or "e"
        if could_be_formula(text):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def put(ws: Any, row: int, column: int, value: object) -> Any:
    """``ws.cell(row, column, value)`` with text written as text; returns the cell."""
    return _assign(ws.cell(row, column), value)


def append(ws: Any, values: Iterable[object]) -> None:
    """``ws.append(values)`` with text written as text."""
    from openpyxl.cell.cell import Cell

    ws.append([_assign(Cell(ws), v) if isinstance(v, str) else v for v in values])
