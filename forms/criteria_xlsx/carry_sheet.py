"""The optional carry-forward sheet (Chuyển tiếp): which of last year's answers feeds which
field of this set. A workbook without the sheet has no mapping, and the set keeps the
content hash it had before the sheet existed."""

from __future__ import annotations

from forms.criteria import CarryLink
from forms.criteria_xlsx.columns import CARRY_COLUMNS, SHEET_CARRY, norm
from forms.criteria_xlsx.tables import SheetReader

_HEADERS = {c.attr: c.header for c in CARRY_COLUMNS}


def read_carry(reader: SheetReader) -> tuple[CarryLink, ...]:
    """The mapping rows in sheet order (a wholly empty row is skipped); none without the sheet."""
    if not any(norm(name) == norm(SHEET_CARRY) for name in reader.wb.sheetnames):
        return ()
    table = reader.table(SHEET_CARRY, CARRY_COLUMNS)
    if table is None:
        return ()
    links = []
    for row in table.rows:
        values = [reader.need(table, row, attr, header) for attr, header in _HEADERS.items()]
        link = CarryLink(*(value or "" for value in values))
        reader.loc.add(link, SHEET_CARRY, row.number, table.columns)
        if any(value is None for value in values):
            reader.tainted.add(id(link))
        links.append(link)
    return tuple(links)


def carry_rows(links: tuple[CarryLink, ...]) -> list[list[str]]:
    return [[link.from_code, link.from_field, link.to_code, link.to_field] for link in links]
