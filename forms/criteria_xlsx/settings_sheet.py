"""The settings sheet (Thiết lập): one row per attribute of the set, key in one column and its
value in the other; each value converted by the kind of its key."""

from __future__ import annotations

from typing import Any

from forms.criteria_xlsx.cell_values import CellValue, convert
from forms.criteria_xlsx.columns import (
    OPTIONAL_SETTINGS,
    SETTING_COLUMNS,
    SETTINGS,
    SHEET_SETTINGS,
    Column,
    col_letter,
    enum_lookup,
    norm,
)
from forms.criteria_xlsx.tables import Row, SheetReader, Table
from forms.i18n import _

_KNOWN = {norm(k): (k, attr, kind, names) for k, attr, kind, names in SETTINGS}


class _Settings:
    def __init__(self, reader: SheetReader, table: Table) -> None:
        self.reader = reader
        self.table = table
        self.values: dict[str, Any] = {}
        self.rows: dict[str, int] = {}  # attribute -> its row (for the locator)
        self.bad = False
        self.value_col = table.columns.get("value", 1)

    def row(self, row: Row) -> None:
        key = row.values.get("key")
        if key is None:
            return
        entry = _KNOWN.get(norm(str(key)))
        where = f"{SHEET_SETTINGS}!{col_letter(self.value_col)}{row.number}"
        if entry is None:
            self.reader.problem(
                "unknown_setting",
                _(
                    "Thuộc tính “{key}” không được hỗ trợ; dùng: {known}.",
                    key=key,
                    known=", ".join(k for k, *_r in SETTINGS),
                ),
                f"{SHEET_SETTINGS}!{col_letter(self.table.columns.get('key', 0))}{row.number}",
            )
            return
        written, attr, kind, names = entry
        if attr in self.rows:
            self.reader.problem(
                "duplicate_setting",
                _("Thuộc tính “{key}” được ghi hai lần.", key=written),
                where,
            )
            return
        self.rows[attr] = row.number
        raw = row.values.get("value")
        if raw is None:
            if "value" not in row.bad:
                self.reader.problem(
                    "empty_cell", _("Thuộc tính “{key}” chưa có giá trị.", key=written), where
                )
            self.bad = True
            return
        col = Column(attr, written, kind, enum=names)
        converted, problem = convert(
            where, col, CellValue(raw), enum_lookup(names) if names else None
        )
        if problem is not None:
            self.reader.problems.append(problem)
        if problem is not None or converted is None:
            self.bad = True
            return
        self.values[attr] = converted

    def missing(self) -> None:
        for written, attr, _kind, _names in SETTINGS:
            if attr not in self.rows and attr not in OPTIONAL_SETTINGS:
                self.reader.problem(
                    "missing_setting",
                    _(
                        "Trang “{sheet}” thiếu thuộc tính “{key}”.",
                        sheet=SHEET_SETTINGS,
                        key=written,
                    ),
                    f"{SHEET_SETTINGS}!A1",
                )
                self.bad = True


def read_settings(reader: SheetReader) -> tuple[dict[str, Any], dict[str, int], bool]:
    """(attribute -> value, attribute -> row, whether any setting is missing or unusable)."""
    table = reader.table(SHEET_SETTINGS, SETTING_COLUMNS)
    if table is None:
        return {}, {}, True
    settings = _Settings(reader, table)
    for row in table.rows:
        settings.row(row)
    settings.missing()
    return settings.values, settings.rows, settings.bad
