"""Where each object of a set read from a workbook came from, as ``Sheet!D14``."""

from __future__ import annotations

from forms.criteria import CriteriaSet
from forms.criteria_xlsx.columns import SHEET_BANDS, SHEET_PILLARS, SHEET_SETTINGS, col_letter


class XlsxLocator:
    """Locates objects of a set read from a workbook by cell, for the consistency checks."""

    def __init__(self) -> None:
        self.places: dict[int, tuple[str, int, dict[str, int]]] = {}
        self.set_id = 0
        self.setting_rows: dict[str, int] = {}

    def set_place(self, cs: CriteriaSet, setting_rows: dict[str, int]) -> None:
        """The set's own attributes live in rows of the settings sheet (value column B)."""
        self.set_id = id(cs)
        self.setting_rows = setting_rows

    def add(self, obj: object, sheet: str, row: int, columns: dict[str, int]) -> None:
        self.places[id(obj)] = (sheet, row, columns)

    def where(self, obj: object, attr: str = "") -> str:
        if id(obj) == self.set_id:
            if attr == "pillars":
                return f"{SHEET_PILLARS}!A1"
            if attr == "bands":
                return f"{SHEET_BANDS}!A1"
            row = self.setting_rows.get(attr)
            return f"{SHEET_SETTINGS}!B{row}" if row else f"{SHEET_SETTINGS}!A1"
        place = self.places.get(id(obj))
        if place is None:
            return ""
        sheet, row, columns = place
        col = columns.get(attr, columns.get(attr.split(".")[0], next(iter(columns.values()), 0)))
        return f"{sheet}!{col_letter(col)}{row}" if row else f"{sheet}!{col_letter(col)}1"
