"""``target``: a pass/fail target on one count, percentage or number field: met when the
value is at least ``at_least`` (and, when given, at most ``at_most``); a met target earns the
indicator's maximum, which may be 0 (a target that is only counted, "n of m targets met")."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.criteria import FieldKind, Indicator, RuleKind
from forms.i18n import N_, _
from forms.rules.base import ZERO, RuleKindSpec, SetChecks, unused_choices, unused_tiers
from forms.rules.text import format_number, points_text
from forms.rules.text import set_number as _num
from forms.values import to_decimal

_HUNDRED = Decimal(100)


def target_met(ind: Indicator, values: Mapping[str, Any]) -> bool:
    """True when the value reaches the target (a missing or malformed value does not)."""
    rule = ind.rule
    value = to_decimal(values.get(rule.field))
    if value is None or rule.at_least is None:
        return False
    return value >= rule.at_least and (rule.at_most is None or value <= rule.at_most)


class Target(RuleKindSpec):
    kind = RuleKind.TARGET
    name = N_("chỉ tiêu đạt/không đạt")
    field_kinds = (FieldKind.COUNT, FieldKind.PERCENT, FieldKind.NUMBER)
    zero_points = True
    thresholds = True

    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        return ind.max_points if target_met(ind, values) else ZERO

    def describe(self, ind: Indicator) -> str:
        rule = ind.rule
        fld = ind.field(rule.field)
        unit = "%" if fld is not None and fld.kind is FieldKind.PERCENT else ""
        low = format_number(rule.at_least) + unit if rule.at_least is not None else "?"
        if rule.at_most is None:
            text = _("Đạt khi từ {low} trở lên", low=low)
        else:
            text = _(
                "Đạt khi từ {low} đến {high}", low=low, high=format_number(rule.at_most) + unit
            )
        if ind.max_points > 0:
            return _(
                "{text}: {points}; không đạt: {zero}",
                text=text,
                points=points_text(ind.max_points),
                zero=points_text(ZERO),
            )
        return _("{text} (không tính điểm, đếm vào số chỉ tiêu đạt)", text=text)

    def check_rule(self, ind: Indicator, checks: SetChecks) -> None:
        rule = ind.rule
        if rule.at_least is None:
            checks.add(
                "target_no_threshold",
                _("Chỉ tiêu {code}: chỉ tiêu đạt/không đạt chưa có ngưỡng đạt.", code=ind.code),
                ind,
                "rule.at_least",
            )
        fld = ind.field(rule.field)
        percent = fld is not None and fld.kind is FieldKind.PERCENT
        for attr, limit in (("rule.at_least", rule.at_least), ("rule.at_most", rule.at_most)):
            if limit is not None and (limit < 0 or (percent and limit > _HUNDRED)):
                checks.add(
                    "target_range",
                    _(
                        "Chỉ tiêu {code}: ngưỡng {value} nằm ngoài khoảng cho phép ({range}).",
                        code=ind.code,
                        value=_num(limit),
                        range="0–100%" if percent else "≥ 0",
                    ),
                    ind,
                    attr,
                )
        if rule.at_least is not None and rule.at_most is not None and rule.at_most < rule.at_least:
            checks.add(
                "target_order",
                _(
                    "Chỉ tiêu {code}: ngưỡng tối đa {high} nhỏ hơn ngưỡng tối thiểu {low}.",
                    code=ind.code,
                    high=_num(rule.at_most),
                    low=_num(rule.at_least),
                ),
                ind,
                "rule.at_most",
            )
        unused_tiers(ind, checks)
        unused_choices(ind, checks)


TARGET = Target()
