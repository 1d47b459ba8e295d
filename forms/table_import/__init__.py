"""``dti-desk schema import-table``: a published seven-column criteria table (Word or Excel)
into a draft authoring workbook, every row the reader is not sure of flagged for a person.

``source`` reads the table's rows, ``outline`` places them under pillars and parents,
``phrasing`` reads each method text into a rule, ``draft`` writes the workbook and report.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.table_import.draft import criteria_set, report, write_draft
from forms.table_import.outline import Outline, outline
from forms.table_import.source import TableRejected, read_table

__all__ = ["ImportedTable", "TableRejected", "import_table"]


@dataclass(frozen=True)
class ImportedTable:
    outline: Outline
    criteria: CriteriaSet

    def report(self) -> dict[str, Any]:
        return report(self.outline)

    def flagged(self) -> int:
        outline = self.outline
        return (
            sum(1 for i in outline.indicators() if i.needs_author)
            + sum(1 for p in outline.pillars if p.reason)
            + len(outline.unplaced)
        )

    def write(self, target: str | Path) -> None:
        write_draft(self.outline, self.criteria, target)


def import_table(path: str | Path, *, year: int) -> ImportedTable:
    """The table in ``path`` read into a draft set; :class:`TableRejected` when it holds no
    criteria table."""
    tree = outline(read_table(path))
    return ImportedTable(tree, criteria_set(tree, name=Path(path).name, year=year))
