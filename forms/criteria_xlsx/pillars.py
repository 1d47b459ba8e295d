"""The pillar sheet (Trụ cột), each pillar taking its indicators from the tree by code (5.3 under
pillar 5)."""

from __future__ import annotations

from decimal import Decimal

from forms.criteria import Pillar
from forms.criteria_xlsx.applicability_cells import applies_to
from forms.criteria_xlsx.columns import SHEET_INDICATORS, SHEET_PILLARS, col_letter
from forms.criteria_xlsx.indicators import IndicatorTree
from forms.criteria_xlsx.tables import SheetReader, Table
from forms.i18n import _


def read_pillars(reader: SheetReader, table: Table | None, tree: IndicatorTree) -> list[Pillar]:
    """The pillars in sheet order; indicators of a pillar code not on the sheet are reported."""
    pillars: list[Pillar] = []
    seen: set[str] = set()
    if table is None:
        return pillars
    for row in table.rows:
        code = reader.need(table, row, "code", "Mã")
        name = reader.need(table, row, "name", "Tên trụ cột")
        max_points = reader.need(table, row, "max_points", "Điểm tối đa")
        if code is None:
            continue
        indicators = tree.top(code) if code not in seen else ()  # a repeated pillar: none
        seen.add(code)
        pillar = Pillar(
            code,
            name or "",
            max_points if max_points is not None else Decimal(0),
            indicators,
            applies_to=applies_to(row.values),
            may_be_not_applicable=row.values.get("may_be_not_applicable", False),
        )
        reader.loc.add(pillar, SHEET_PILLARS, row.number, table.columns)
        if max_points is None:
            reader.tainted.add(id(pillar))
        pillars.append(pillar)
    _unknown_pillars(reader, tree, seen)
    return pillars


def _unknown_pillars(reader: SheetReader, tree: IndicatorTree, seen: set[str]) -> None:
    for pcode, codes in tree.tops.items():
        if pcode in seen:
            continue
        assert tree.table is not None
        column = col_letter(tree.table.columns["code"])
        for code in codes:
            reader.problem(
                "unknown_pillar",
                _(
                    "Chỉ tiêu {code} thuộc trụ cột {pillar}, nhưng trang “{sheet}” không có trụ cột này.",
                    code=code,
                    pillar=pcode,
                    sheet=SHEET_PILLARS,
                ),
                f"{SHEET_INDICATORS}!{column}{tree.rows[code].number}",
            )
