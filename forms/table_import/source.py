"""The rows of a published criteria table, from a Word (.docx) or Excel (.xlsx) file.

Every province publishes its criteria as the same seven-column table: STT | Chỉ số / Chỉ số
thành phần | Điểm tối đa | Cách xác định và tính điểm | Tài liệu kiểm chứng | Nguồn thu thập
dữ liệu | Đơn vị phối hợp xác minh. The header is found by its words (folded, any order, in
the first rows of a table or sheet), so a table with a title row, a "(1) (2) (3)" numbering
row or a header repeated on every page is read the same.

The file is hostile until read: one bounded read (``forms.inbound``), the zip checked for
entry count and unpacked size before a parser sees it, at most ``MAX_ROWS`` rows.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.problems import Problem
from forms.text import fold, nfc

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 2_000
MAX_ROWS = 2_000
MAX_CELL_CHARS = 10_000
HEADER_ROWS = 10  # the header is looked for in the first rows of each table

# Column -> words of its header (folded). Checked in this order, so "cách xác định và tính
# điểm" is the method before "điểm" can make it the maximum.
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("method", ("cach xac dinh", "cach tinh", "phuong phap", "cach cham", "tinh diem")),
    ("evidence", ("tai lieu kiem chung", "minh chung", "tai lieu")),
    ("source", ("nguon",)),
    ("verifier", ("phoi hop", "xac minh", "tham dinh")),
    ("max", ("diem toi da", "diem chuan", "thang diem", "so diem", "diem")),
    ("code", ("stt", "tt", "ma so", "ma")),
    ("name", ("chi so", "chi tieu", "tieu chi", "noi dung", "ten")),
)
REQUIRED = ("code", "name", "max", "method")


@dataclass(frozen=True)
class TableRow:
    where: str  # "Bảng 1, dòng 7" / "Trang Sheet1, dòng 7": shown beside every flag
    code: str
    name: str
    max_text: str
    method: str
    evidence: str = ""
    source: str = ""
    verifier: str = ""


class TableRejected(Exception):
    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.message)


def _clean(value: Any) -> str:
    if value is None:
        return ""
    text = nfc(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(" ".join(line.split()) for line in text.split("\n")).strip()[:MAX_CELL_CHARS]


def header_columns(cells: list[str]) -> dict[str, int] | None:
    """Which cell holds which column, if ``cells`` is the table's header row."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        words = fold(cell)
        if not words:
            continue
        for column, keys in COLUMNS:
            if column in found:
                continue
            if any(re.search(rf"(?:^|\W){key}(?:\W|$)", words) for key in keys):
                found[column] = index
                break
    return found if all(c in found for c in REQUIRED) else None


def _rows(name: str, tables: Iterable[tuple[str, Iterator[list[str]]]]) -> list[TableRow]:
    rows: list[TableRow] = []
    header: dict[str, int] | None = None
    for label, lines in tables:
        here: dict[str, int] | None = None
        for number, cells in enumerate(lines, start=1):
            if here is None:
                here = header_columns(cells) if number <= HEADER_ROWS else None
                if here is None and number >= HEADER_ROWS:
                    break  # not a criteria table (a signature block, a cover table)
                continue
            if header_columns(cells) is not None:
                continue  # the header repeated at the top of a page
            if len(rows) >= MAX_ROWS:
                raise TableRejected(
                    Problem(
                        "too_many_rows",
                        _("Bảng trong {name} có quá {n} dòng.", name=name, n=MAX_ROWS),
                        name,
                    )
                )
            values = {col: cells[i] if i < len(cells) else "" for col, i in here.items()}
            rows.append(
                TableRow(
                    _("{table}, dòng {row}", table=label, row=number),
                    values["code"],
                    values["name"],
                    values["max"],
                    values["method"],
                    values.get("evidence", ""),
                    values.get("source", ""),
                    values.get("verifier", ""),
                )
            )
        header = header or here
    if header is None:
        raise TableRejected(
            Problem(
                "no_criteria_table",
                _(
                    "Không thấy bảng tiêu chí trong {name}: cần một bảng có các cột STT, Chỉ số, Điểm tối đa, Cách xác định và tính điểm.",
                    name=name,
                ),
                name,
            )
        )
    return rows


def _docx_tables(data: bytes) -> Iterator[tuple[str, Iterator[list[str]]]]:
    import docx

    document = docx.Document(io.BytesIO(data))
    for number, table in enumerate(document.tables, start=1):
        yield _("Bảng {n}", n=number), _docx_lines(table)


def _docx_lines(table: Any) -> Iterator[list[str]]:
    for row in table.rows:
        cells: list[str] = []
        previous = None
        for cell in row.cells:
            # a cell merged across columns comes back once per column it spans: read it once
            cells.append("" if cell._tc is previous else _clean(cell.text))
            previous = cell._tc
        yield cells


def _xlsx_tables(data: bytes) -> Iterator[tuple[str, Iterator[list[str]]]]:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    for ws in wb.worksheets:
        lines = ([_clean(v) for v in row] for row in ws.iter_rows(values_only=True))
        yield _("Trang {sheet}", sheet=ws.title), lines


_KINDS = {".docx": ("word/document.xml", _docx_tables), ".xlsx": ("xl/workbook.xml", _xlsx_tables)}


def _guard(data: bytes, name: str, member: str) -> None:
    wrong = Problem(
        "not_a_table_file",
        _("Tệp {name} không phải tệp Word (.docx) hay Excel (.xlsx) đọc được.", name=name),
        name,
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile:
        raise TableRejected(wrong) from None
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise TableRejected(
            Problem(
                "too_large",
                _("Tệp {name} giải nén ra quá lớn; không đọc để tránh treo máy.", name=name),
                name,
            )
        )
    if not any(e.filename == member for e in entries):
        raise TableRejected(wrong)


def read_table(path: str | Path) -> list[TableRow]:
    """The criteria table's rows in ``path`` (.docx or .xlsx); :class:`TableRejected` with a
    reason code when the file cannot be read as one."""
    path = Path(path)
    kind = _KINDS.get(path.suffix.lower())
    if kind is None:
        raise TableRejected(
            Problem(
                "not_a_table_file",
                _("Chỉ đọc được bảng trong tệp .docx hoặc .xlsx: {name}", name=path.name),
                path.name,
            )
        )
    try:
        data = read_inbound(path, MAX_FILE_BYTES)
    except InboundRejected as exc:
        raise TableRejected(exc.problem) from None
    member, tables = kind
    _guard(data, path.name, member)
    try:
        return _rows(path.name, tables(data))
    except TableRejected:
        raise
    except Exception as exc:  # a zip that holds no readable document: lxml, KeyError, ...
        raise TableRejected(
            Problem(
                "not_a_table_file",
                _("Không đọc được {name}: {error}", name=path.name, error=type(exc).__name__),
                path.name,
            )
        ) from None


NUMBERING = re.compile(r"^\(?\d{1,2}\)?$")


def is_numbering_row(row: TableRow) -> bool:
    """The "(1) (2) (3) …" row under a header that numbers the columns."""
    cells = [row.code, row.name, row.max_text, row.method]
    return all(NUMBERING.match(c) for c in cells if c) and bool(row.code) and bool(row.name)
