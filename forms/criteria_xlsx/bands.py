"""The band sheet (Xếp loại): the classification levels, from the highest down."""

from __future__ import annotations

from decimal import Decimal

from forms.criteria import Band
from forms.criteria_xlsx.columns import SHEET_BANDS
from forms.criteria_xlsx.tables import SheetReader, Table


def read_bands(reader: SheetReader, table: Table | None) -> list[Band]:
    """The bands in sheet order (a row with neither minimum nor label is skipped)."""
    bands: list[Band] = []
    if table is None:
        return bands
    for row in table.rows:
        minimum = reader.need(table, row, "minimum", "Từ điểm")
        label = reader.need(table, row, "label", "Xếp loại")
        band = Band(minimum if minimum is not None else Decimal(0), label or "")
        reader.loc.add(band, SHEET_BANDS, row.number, table.columns)
        if minimum is None:
            reader.tainted.add(id(band))
        if minimum is None and label is None:
            continue
        bands.append(band)
    return bands
