"""One cell of the workbook turned into a value of its column's kind, or the problem why not.

Formulas, Excel errors, dates where none belong, codes Excel turned into numbers, numbers out of
range and unknown enum values are each refused with their own code; nothing here raises on a
bad cell.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from forms.criteria_json import MAX_NUMBER
from forms.criteria_xlsx.columns import Column, norm
from forms.i18n import _
from forms.problems import Problem
from forms.values import to_bool, to_decimal


@dataclass
class CellValue:
    """A plain value dressed as a cell, to reuse ``convert`` on settings values."""

    value: Any
    data_type: str = "s"


class _Refused(Exception):
    """A cell that cannot be used: the problem's code and message (the caller knows where)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def expected(kind: str) -> str:
    return {
        "number": _("một số"),
        "int": _("số nguyên"),
        "bool": _("“Có” hoặc “Không”"),
        "enum": _("một giá trị trong danh sách"),
        "code": _("mã"),
    }.get(kind, _("chữ"))


def _refuse_non_values(value: Any, dtype: str, col: Column) -> None:
    """Formulas, Excel errors and dates (outside text columns) are refused whatever the kind."""
    if dtype == "f" or (isinstance(value, str) and value.startswith("=") and dtype != "s"):
        raise _Refused(
            "formula",
            _(
                "Ô chứa công thức ({formula}); hãy thay bằng giá trị (dán đặc biệt → giá trị).",
                formula=str(value)[:40],
            ),
        )
    if dtype == "e":
        raise _Refused("cell_error", _("Ô chứa lỗi Excel {error}.", error=value))
    if isinstance(value, (datetime, date, time)) and col.kind != "text":
        raise _Refused(
            "wrong_type",
            _(
                "Cột “{column}” cần {expected}, nhưng ô chứa ngày giờ.",
                column=col.header,
                expected=expected(col.kind),
            ),
        )


def _text(value: Any, col: Column, _enum: dict[str, Any] | None) -> Any:
    if isinstance(value, (bool, datetime, date, time)):
        raise _Refused(
            "wrong_type",
            _("Cột “{column}” cần chữ, nhưng ô chứa “{value}”.", column=col.header, value=value),
        )
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()


def _code(value: Any, col: Column, _enum: dict[str, Any] | None) -> Any:
    if isinstance(value, bool):
        raise _Refused(
            "wrong_type",
            _("Cột “{column}” cần mã, nhưng ô chứa “{value}”.", column=col.header, value=value),
        )
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        # Excel turned "1.10" into the number 1.1: the code cannot be recovered safely.
        raise _Refused(
            "code_not_text",
            _(
                "Mã “{value}” đang là số, Excel có thể đã đổi 1.10 thành 1.1; hãy định dạng ô là Văn bản (Text) rồi gõ lại mã.",
                value=value,
            ),
        )
    return unicodedata.normalize("NFC", str(value)).strip()


def _number(value: Any, col: Column, _enum: dict[str, Any] | None) -> Any:
    """A decimal for a "number" column, an int for an "int" one."""
    number = to_decimal(value)
    if number is not None and not -MAX_NUMBER <= number <= MAX_NUMBER:
        raise _Refused(
            "out_of_range",
            _("Cột “{column}”: số quá lớn (tối đa {max}).", column=col.header, max=MAX_NUMBER),
        )
    if number is None:
        raise _Refused(
            "wrong_type",
            _(
                "Cột “{column}” cần một số, nhưng ô chứa “{value}”.",
                column=col.header,
                value=str(value)[:40],
            ),
        )
    if col.kind != "int":
        return number
    if number != number.to_integral_value():
        raise _Refused(
            "wrong_type",
            _(
                "Cột “{column}” cần số nguyên, nhưng ô chứa “{value}”.",
                column=col.header,
                value=value,
            ),
        )
    return int(number)


def _bool(value: Any, col: Column, _enum: dict[str, Any] | None) -> Any:
    flag = to_bool(value)
    if flag is None:
        raise _Refused(
            "wrong_type",
            _(
                "Cột “{column}” cần “Có” hoặc “Không”, nhưng ô chứa “{value}”.",
                column=col.header,
                value=str(value)[:40],
            ),
        )
    return flag


def _enum_value(value: Any, col: Column, enum: dict[str, Any] | None) -> Any:
    assert enum is not None
    if isinstance(value, str) and norm(value) in enum:
        return enum[norm(value)]
    allowed = ", ".join(f"“{w}”" for w, _v in col.enum)
    raise _Refused(
        "unknown_value",
        _(
            "Cột “{column}”: “{value}” không hợp lệ; dùng một trong: {allowed}.",
            column=col.header,
            value=str(value)[:40],
            allowed=allowed,
        ),
    )


_BY_KIND: dict[str, Callable[[Any, Column, dict[str, Any] | None], Any]] = {
    "text": _text,
    "code": _code,
    "number": _number,
    "int": _number,
    "bool": _bool,
}


def convert(
    where: str, col: Column, cell: Any, enum: dict[str, Any] | None
) -> tuple[Any, Problem | None]:
    """(value, None), the value ``None`` for an empty cell; or (None, the problem at ``where``)."""
    value = cell.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    try:
        _refuse_non_values(value, getattr(cell, "data_type", "n"), col)
        return _BY_KIND.get(col.kind, _enum_value)(value, col, enum), None
    except _Refused as refused:
        return None, Problem(refused.code, refused.message, where)
