"""The province's values sheet: an ``.xlsx`` with one row per value, read into the units of a
``.dtidata`` file (``dti-desk data build``).

Columns (header row, any order, other columns ignored): Mã đơn vị | Chỉ số | Trường | Giá trị |
Nguồn. "Chỉ số" is the indicator code, "Trường" the field key, "Nguồn" optional (the field's
own ``supplied_source`` when blank). Every problem names ``Sheet!C14``; nothing is signed
while one remains. The file is read once and bounded (``forms.criteria_xlsx.guard``).
"""

from __future__ import annotations

import io
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet, Field, FieldKind
from forms.criteria_xlsx.columns import col_letter, norm
from forms.criteria_xlsx.guard import guard_zip, inbound
from forms.i18n import _
from forms.packages.manifest import decimal_text
from forms.problems import Problem
from forms.province_data.model import Supplied, value_key
from forms.values import to_decimal

HEADERS = {"unit": "Mã đơn vị", "code": "Chỉ số", "field": "Trường", "value": "Giá trị", "source": "Nguồn"}  # fmt: skip
MAX_ROWS = 100_000
_YES = {"có", "co", "x", "true", "1", "đạt"}
_NO = {"không", "khong", "false", "0", "không đạt"}


@dataclass
class _Sheet:
    name: str
    columns: dict[str, int]
    problems: list[Problem]

    def where(self, row: int, key: str) -> str:
        return f"{self.name}!{col_letter(self.columns[key])}{row}"


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    return unicodedata.normalize("NFC", str(cell)).strip()


def _number(fld: Field, cell: Any) -> Any:
    number = to_decimal(cell if not isinstance(cell, str) else cell.replace(" ", ""))
    if number is None:
        return None
    if fld.kind is FieldKind.COUNT:
        return int(number) if number == number.to_integral_value() else None
    return decimal_text(number)


def raw_value(fld: Field, cell: Any) -> Any:
    """The cell as the raw answer a package carries for ``fld``, or None if it is not one."""
    if fld.kind is FieldKind.BOOL:
        if isinstance(cell, bool):
            return cell
        word = _text(cell).casefold()
        return True if word in _YES else False if word in _NO else None
    if isinstance(cell, bool):
        return None
    return _number(fld, cell)


def _header(ws: Any, problems: list[Problem]) -> _Sheet | None:
    first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    found = {norm(_text(c)): i for i, c in enumerate(first) if c is not None}
    columns = {key: found[norm(name)] for key, name in HEADERS.items() if norm(name) in found}
    missing = [name for key, name in HEADERS.items() if key not in columns and key != "source"]
    if missing:
        message = _("Trang {sheet} thiếu cột: {columns}", sheet=ws.title, columns=", ".join(missing))  # fmt: skip
        problems.append(Problem("missing_column", message, f"{ws.title}!1"))
        return None
    return _Sheet(ws.title, columns, problems)


def _cell_problem(sheet: _Sheet, row: int, key: str, code: str, message: str) -> None:
    sheet.problems.append(Problem(code, message, sheet.where(row, key)))


def _row(
    sheet: _Sheet, cs: CriteriaSet, number: int, cells: tuple[Any, ...], units: dict[str, dict[str, Supplied]]
) -> None:  # fmt: skip
    def get(key: str) -> Any:
        index = sheet.columns.get(key)
        return cells[index] if index is not None and index < len(cells) else None

    unit, code, key = _text(get("unit")), _text(get("code")), _text(get("field"))
    if not (unit or code or key or _text(get("value"))):
        return  # a blank row
    where = sheet.where(number, "unit")
    if not unit:
        return _cell_problem(sheet, number, "unit", "missing", _("Ô {cell}: thiếu mã đơn vị", cell=where))  # fmt: skip
    ind = cs.find(code)
    fld = ind.field(key) if ind is not None else None
    if ind is None:
        return _cell_problem(sheet, number, "code", "unknown_indicator", _("Ô {cell}: chỉ tiêu {code} không có trong bộ tiêu chí", cell=sheet.where(number, "code"), code=code))  # fmt: skip
    if fld is None or not fld.province_supplied:
        return _cell_problem(sheet, number, "field", "not_supplied_field", _("Ô {cell}: chỉ tiêu {code} không có trường “{field}” do tỉnh cung cấp", cell=sheet.where(number, "field"), code=code, field=key))  # fmt: skip
    value = raw_value(fld, get("value"))
    if value is None:
        return _cell_problem(sheet, number, "value", "value_invalid", _("Ô {cell}: “{value}” không phải giá trị hợp lệ cho trường “{field}”", cell=sheet.where(number, "value"), value=_text(get("value"))[:40], field=key))  # fmt: skip
    values = units.setdefault(unit, {})
    text = value_key(code, key)
    if text in values:
        return _cell_problem(sheet, number, "unit", "duplicate_row", _("Ô {cell}: đơn vị {unit} đã có giá trị cho {code}/{field} ở dòng trên", cell=where, unit=unit, code=code, field=key))  # fmt: skip
    source = _text(get("source")) or fld.supplied_source
    values[text] = Supplied(value, source)
    return None


def read_values(path: str | Path, cs: CriteriaSet) -> tuple[dict[str, dict[str, Supplied]], list[Problem]]:  # fmt: skip
    """The values of the first sheet, by unit, and every problem (each naming its cell)."""
    path = Path(path)
    data, problems = inbound(path)
    if data is None:
        return {}, problems
    problems = guard_zip(data, path.name)
    if problems:
        return {}, problems
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        return {}, [Problem("not_xlsx", _("Không mở được bảng tính {name}: {error}", name=path.name, error=type(exc).__name__), path.name)]  # fmt: skip
    units: dict[str, dict[str, Supplied]] = {}
    try:
        ws = wb.worksheets[0]
        sheet = _header(ws, problems)
        if sheet is None:
            return {}, problems
        for number, cells in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            if number > MAX_ROWS:
                problems.append(Problem("too_large", _("Trang {sheet} có quá {n} dòng", sheet=ws.title, n=MAX_ROWS), ws.title))  # fmt: skip
                break
            _row(sheet, cs, number, cells, units)
    finally:
        wb.close()
    return units, problems
