"""Sets for the carry-forward tests: last year's ``tiny_set`` and this year's edits of it."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from forms.criteria import CarryLink, CriteriaSet, Indicator, Pillar
from tests.forms.sample_sets import tiny_set


def _edit_indicator(
    ind: Indicator, code: str, change: Callable[[Indicator], Indicator]
) -> Indicator:
    if ind.code == code:
        return change(ind)
    children = tuple(_edit_indicator(c, code, change) for c in ind.children)
    return dataclasses.replace(ind, children=children) if ind.children else ind


def edit(cs: CriteriaSet, code: str, change: Callable[[Indicator], Indicator]) -> CriteriaSet:
    """``cs`` with indicator ``code`` replaced by ``change(indicator)``."""
    pillars = tuple(
        Pillar(
            p.code,
            p.name,
            p.max_points,
            tuple(_edit_indicator(i, code, change) for i in p.indicators),
        )
        for p in cs.pillars
    )
    return dataclasses.replace(cs, pillars=pillars)


def next_year(**changes: object) -> CriteriaSet:
    """This year's set: ``tiny_set`` one year on (a new hash), with ``changes``."""
    cs = tiny_set()
    return dataclasses.replace(cs, year=cs.year + 1, version="2", **changes)  # type: ignore[arg-type]


def renumbered() -> CriteriaSet:
    """1.1/count became 1.3/so_luong, and a mapping row says so."""
    cs = next_year(carry_forward=(CarryLink("1.1", "count", "1.3", "so_luong"),))

    def change(ind: Indicator) -> Indicator:
        fld = dataclasses.replace(ind.fields[0], key="so_luong")
        rule = dataclasses.replace(ind.rule, field="so_luong")
        return dataclasses.replace(ind, code="1.3", fields=(fld,), rule=rule)

    return edit(cs, "1.1", change)


def with_meeting_date(cs: CriteriaSet, plausible: int | None = None) -> CriteriaSet:
    """1.1 also asks the date of the first meeting (inside the assessment year), and its count
    may have a plausible maximum."""
    from decimal import Decimal

    from forms.criteria import Field, FieldKind

    def change(ind: Indicator) -> Indicator:
        count = dataclasses.replace(
            ind.fields[0], plausible_max=None if plausible is None else Decimal(plausible)
        )
        day = Field("ngay", FieldKind.DATE, "Ngày họp đầu tiên", required=False, in_year=True)
        return dataclasses.replace(ind, fields=(count, day))

    return edit(cs, "1.1", change)
