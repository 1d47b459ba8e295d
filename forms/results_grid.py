"""A published ranking table's cells as a grid of values, and how to read one cell.

The tables are typed by hand in Word or Excel, or exported by the app as a workbook or a CSV
file; whichever it came from, the reader (``forms.results_layout``, ``forms.results_table``)
sees a ``Grid``: values by row and column (1-based, as in Excel), each cell's number format
and the merged ranges. The helpers here read one cell: its text, the number it shows (with a
decimal comma or point, grouped thousands), its address in Excel's notation.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from typing import Any

from forms.cells import from_csv_cell
from forms.i18n import _

_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)$")
_GROUPED = re.compile(r"^[+-]?\d{1,3}([. ]\d{3})+([,]\d*)?$")  # 1.000,5 / 1 000,5
_DECIMALS_IN_FORMAT = re.compile(r"[0#?]\.([0#?]+)")


class TableReadError(Exception):
    """The file holds no table we can read at all; ``message`` is for the user, ``code`` is
    ``forms.inbound``'s reason when the file was not even read (else ``unreadable``)."""

    def __init__(self, message: str, code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


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


def stt_value(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = cell_text(value).rstrip(".")
    return int(text) if text.isdigit() else None


# --- the worksheet as a grid --------------------------------------------------------------


class Grid:
    """Values and number formats of one sheet, plus its merged ranges.

    ``title`` names the sheet in cell addresses: a worksheet's title, or for a CSV file its
    name without the extension (what Excel calls the sheet when it opens the file).
    """

    def __init__(
        self,
        title: str,
        values: list[list[Any]],
        formats: list[list[str]] | None = None,
        merged: Iterable[tuple[int, int, int, int]] = (),
    ) -> None:
        self.title = title
        self.values = values
        self.formats = formats if formats is not None else [[] for _ in values]
        self.height = len(values)
        self.width = max((len(r) for r in values), default=0)
        self.merged = list(merged)  # (min_row, min_col, max_row, max_col), 1-based

    @classmethod
    def from_worksheet(cls, ws: Any) -> Grid:
        values: list[list[Any]] = []
        formats: list[list[str]] = []
        for row in ws.iter_rows():
            values.append([c.value for c in row])
            formats.append([c.number_format or "General" for c in row])
        merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
        return cls(ws.title, values, formats, merged)

    @classmethod
    def from_csv(cls, title: str, file: str, data: bytes) -> Grid:
        """The one sheet of a CSV file (``file`` names it in messages); every cell is text,
        the ``'`` our writer puts before a formula-like text taken off again."""
        try:
            text = data.decode("utf-8-sig")  # ours carries a BOM; Excel's "CSV UTF-8" too
        except UnicodeDecodeError:
            raise TableReadError(
                _(
                    "Tệp “{file}” không phải CSV mã UTF-8; hãy lưu lại từ Excel dưới dạng “CSV UTF-8”.",
                    file=file,
                )
            ) from None
        # ours is comma-separated; Excel where the list separator is ";" writes ";"
        first = text.split("\n", 1)[0]
        delimiter = ";" if first.count(";") > first.count(",") else ","
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        except csv.Error as exc:  # a field beyond the csv module's limit, a NUL...
            raise TableReadError(
                _(
                    "Tệp “{file}” không đọc được dưới dạng CSV ({reason}).",
                    file=file,
                    reason=str(exc),
                )
            ) from exc
        values: list[list[Any]] = [[from_csv_cell(v) if v else None for v in row] for row in rows]
        return cls(title, values)

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
