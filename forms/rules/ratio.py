"""``ratio``: numerator a over denominator b times the maximum, the ratio capped at 1;
b = 0 scores 0 or the maximum, as the rule says."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.criteria import FieldKind, Indicator, RuleKind, ZeroDenominator
from forms.i18n import N_, _
from forms.problems import Problem
from forms.rules.base import ZERO, RuleKindSpec, SetChecks, unused_choices, unused_tiers
from forms.rules.text import format_number, points_text
from forms.values import to_decimal

_ONE = Decimal(1)


class Ratio(RuleKindSpec):
    kind = RuleKind.RATIO
    name = N_("tỷ lệ a/b")
    reads = ("numerator", "denominator")
    field_kinds = (FieldKind.COUNT, FieldKind.NUMBER)
    across_fields = True

    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        rule = ind.rule
        a = to_decimal(values.get(rule.numerator))
        b = to_decimal(values.get(rule.denominator))
        if a is None or b is None or a < 0 or b < 0:
            return ZERO
        if b == 0:
            return ind.max_points if rule.zero_denominator is ZeroDenominator.FULL else ZERO
        return min(a / b, _ONE) * ind.max_points

    def describe(self, ind: Indicator) -> str:
        rule = ind.rule
        num, den = ind.field(rule.numerator), ind.field(rule.denominator)
        zero = ind.max_points if rule.zero_denominator is ZeroDenominator.FULL else ZERO
        return _(
            "a/b × {points} (a = {a}; b = {b}; b = 0: {zero})",
            points=points_text(ind.max_points),
            a=num.label if num else rule.numerator,
            b=den.label if den else rule.denominator,
            zero=points_text(zero),
        )

    def check_rule(self, ind: Indicator, checks: SetChecks) -> None:
        rule = ind.rule
        if rule.numerator and rule.numerator == rule.denominator:
            checks.add(
                "ratio_same_field",
                _("Chỉ tiêu {code}: tử số và mẫu số là cùng một trường.", code=ind.code),
                ind,
                "rule.denominator",
            )
        unused_tiers(ind, checks)
        unused_choices(ind, checks)

    def answer_problem(self, ind: Indicator, values: Mapping[str, Any]) -> Problem | None:
        """The numerator larger than the denominator, or None."""
        rule = ind.rule
        a, b = to_decimal(values.get(rule.numerator)), to_decimal(values.get(rule.denominator))
        if a is None or b is None or a < 0 or b < 0 or a <= b:
            return None
        num, den = ind.field(rule.numerator), ind.field(rule.denominator)
        return Problem(
            "numerator_gt_denominator",
            _(
                "Chỉ tiêu {code}: “{numerator}” ({a}) lớn hơn “{denominator}” ({b}).",
                code=ind.code,
                numerator=num.label if num else rule.numerator,
                denominator=den.label if den else rule.denominator,
                a=format_number(a),
                b=format_number(b),
            ),
            f"{ind.code}/{rule.numerator}",
        )


RATIO = Ratio()
