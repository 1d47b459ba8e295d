"""The indicator sheet (Chỉ tiêu) and the sheets hanging off it by indicator code: input fields
(Trường nhập), tiers (Bậc điểm) and choices (Lựa chọn); sub-indicators found by code (5.3.2
under 5.3) and built into a tree."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from forms.criteria import (
    SUPPLIED_BY_PROVINCE,
    Choice,
    Evidence,
    Field,
    FieldKind,
    Indicator,
    Rule,
    RuleKind,
    Severity,
    Tier,
    ZeroDenominator,
)
from forms.criteria_checks import INDICATOR_CODE
from forms.criteria_xlsx.applicability_cells import applies_to
from forms.criteria_xlsx.columns import SHEET_INDICATORS, col_letter
from forms.criteria_xlsx.tables import Row, SheetReader, Table
from forms.i18n import _


def _code_where(table: Table, row: Row) -> str:
    return f"{SHEET_INDICATORS}!{col_letter(table.columns['code'])}{row.number}"


def indicator_rows(reader: SheetReader, table: Table | None) -> dict[str, Row]:
    """Indicator rows by code (first occurrence wins; bad and duplicate codes reported)."""
    rows: dict[str, Row] = {}
    if table is None:
        return rows
    for row in table.rows:
        code = reader.need(table, row, "code", "Mã")
        if code is None:
            continue
        if not INDICATOR_CODE.match(code):
            reader.problem(
                "bad_code",
                _("Mã chỉ tiêu “{code}” không hợp lệ (cần dạng 5.3 hoặc 5.3.2).", code=code),
                _code_where(table, row),
            )
            continue
        if code in rows:
            reader.problem(
                "duplicate_code",
                _(
                    "Mã chỉ tiêu {code} bị trùng (đã có ở dòng {row}).",
                    code=code,
                    row=rows[code].number,
                ),
                _code_where(table, row),
            )
            continue
        rows[code] = row
    return rows


def attached(
    reader: SheetReader,
    table: Table | None,
    ind_rows: dict[str, Row],
    make: Callable[[SheetReader, Table, Row], Any],
) -> dict[str, list[Any]]:
    """Rows of a per-indicator sheet (fields, tiers, choices), grouped by indicator code."""
    grouped: dict[str, list[Any]] = {}
    if table is None:
        return grouped
    for row in table.rows:
        code = reader.need(table, row, "indicator", "Mã chỉ tiêu")
        if code is None:
            continue
        if code not in ind_rows:
            reader.problem(
                "unknown_indicator",
                _(
                    "Mã chỉ tiêu {code} không có trong trang “{sheet}”.",
                    code=code,
                    sheet=SHEET_INDICATORS,
                ),
                f"{table.sheet}!{col_letter(table.columns['indicator'])}{row.number}",
            )
            continue
        obj = make(reader, table, row)
        if obj is not None:
            grouped.setdefault(code, []).append(obj)
    return grouped


def field(reader: SheetReader, table: Table, row: Row) -> Field | None:
    key = reader.need(table, row, "key", "Khóa")
    kind = reader.need(table, row, "kind", "Loại")
    label = reader.need(table, row, "label", "Nhãn")
    if key is None:
        return None
    fld = Field(
        key=key,
        kind=kind or FieldKind.TEXT,
        label=label or "",
        required=row.values.get("required", True),
        in_year=row.values.get("in_year", False),
        unit=row.values.get("unit", ""),
        plausible_max=row.values.get("plausible_max"),
        supplied_by=SUPPLIED_BY_PROVINCE if row.values.get("supplied_source") else "",
        supplied_source=row.values.get("supplied_source", ""),
    )
    reader.loc.add(fld, table.sheet, row.number, table.columns)
    return fld


def tier(reader: SheetReader, table: Table, row: Row) -> Tier:
    minimum = reader.need(table, row, "minimum", "Từ mức")
    points = reader.need(table, row, "points", "Điểm")
    tier = Tier(
        minimum if minimum is not None else Decimal(0),
        points if points is not None else Decimal(0),
    )
    reader.loc.add(tier, table.sheet, row.number, table.columns)
    if minimum is None or points is None:
        reader.tainted.add(id(tier))
    return tier


def choice(reader: SheetReader, table: Table, row: Row) -> Choice | None:
    key = reader.need(table, row, "key", "Khóa")
    label = reader.need(table, row, "label", "Nhãn")
    points = reader.need(table, row, "points", "Điểm")
    if key is None:
        return None
    choice = Choice(key, label or "", points if points is not None else Decimal(0))
    reader.loc.add(choice, table.sheet, row.number, table.columns)
    if points is None:
        reader.tainted.add(id(choice))
    return choice


class IndicatorTree:
    """The indicators of the set, read from their sheet and the three attached sheets; built
    pillar by pillar (``top``) so that problems come in the order the pillars are read."""

    def __init__(
        self,
        reader: SheetReader,
        inds_t: Table | None,
        fields_t: Table | None,
        tiers_t: Table | None,
        choices_t: Table | None,
    ) -> None:
        self.reader = reader
        self.table = inds_t
        self.rows = indicator_rows(reader, inds_t)
        self.fields = attached(reader, fields_t, self.rows, field)
        self.tiers = attached(reader, tiers_t, self.rows, tier)
        self.choices = attached(reader, choices_t, self.rows, choice)
        self.children: dict[str, list[str]] = {}
        self.tops: dict[str, list[str]] = {}  # pillar code -> its top-level indicator codes
        self._link()

    def _link(self) -> None:
        """Each code under its parent (5.3.2 under 5.3) or its pillar (5.3 under 5); a sub-indicator
        without its parent is reported and left out."""
        for code, row in self.rows.items():
            parent = code.rsplit(".", 1)[0]
            if "." not in parent:
                self.tops.setdefault(parent, []).append(code)
                continue
            if parent not in self.rows:
                assert self.table is not None
                self.reader.problem(
                    "orphan",
                    _(
                        "Chỉ tiêu con {code} không có chỉ tiêu cha {parent} trong trang “{sheet}”.",
                        code=code,
                        parent=parent,
                        sheet=SHEET_INDICATORS,
                    ),
                    _code_where(self.table, row),
                )
                continue
            self.children.setdefault(parent, []).append(code)

    def top(self, pillar: str) -> tuple[Indicator, ...]:
        """The indicators of a pillar, built (with their sub-indicators) now."""
        return tuple(self.build(c) for c in self.tops.get(pillar, ()))

    def build(self, code: str) -> Indicator:
        assert self.table is not None
        kids = tuple(self.build(c) for c in self.children.get(code, ()))
        return self._indicator(self.table, self.rows[code], code, kids)

    def _indicator(
        self, table: Table, row: Row, code: str, kids: tuple[Indicator, ...]
    ) -> Indicator:
        reader = self.reader
        v = row.values
        name = reader.need(table, row, "name", "Tên chỉ tiêu")
        max_points = reader.need(table, row, "max_points", "Điểm tối đa")
        kind = reader.need(table, row, "rule.kind", "Cách chấm")
        rule = Rule(
            kind=kind or (RuleKind.SUM if kids else RuleKind.DIRECT),
            field=v.get("rule.field", ""),
            numerator=v.get("rule.numerator", ""),
            denominator=v.get("rule.denominator", ""),
            zero_denominator=v.get("rule.zero_denominator", ZeroDenominator.ZERO),
            tiers=tuple(self.tiers.get(code, ())),
            choices=tuple(self.choices.get(code, ())),
            at_least=v.get("rule.at_least"),
            at_most=v.get("rule.at_most"),
        )
        evidence = Evidence(
            required=v.get("evidence.required", False),
            severity=v.get("evidence.severity", Severity.WARNING),
            description=v.get("evidence.description", ""),
        )
        ind = Indicator(
            code=code,
            name=name or "",
            max_points=max_points if max_points is not None else Decimal(0),
            rule=rule,
            fields=tuple(self.fields.get(code, ())),
            evidence=evidence,
            data_source=v.get("data_source", ""),
            verifier=v.get("verifier", ""),
            help=v.get("help", ""),
            children=kids,
            applies_to=applies_to(v),
            may_be_not_applicable=v.get("may_be_not_applicable", False),
        )
        reader.loc.add(ind, table.sheet, row.number, table.columns)
        if max_points is None:
            reader.tainted.add(id(ind))
        if kind is None:
            # without a known rule kind, checks of the rule would only add noise
            reader.tainted.add(id(rule))
        return ind
