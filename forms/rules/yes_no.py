"""``yes_no``: one yes/no field; yes scores the maximum, no scores 0."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.criteria import FieldKind, Indicator, RuleKind
from forms.i18n import N_, _
from forms.rules.base import ZERO, RuleKindSpec
from forms.rules.text import points_text
from forms.values import to_bool


class YesNo(RuleKindSpec):
    kind = RuleKind.YES_NO
    name = N_("có/không")
    field_kinds = (FieldKind.BOOL,)

    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        return ind.max_points if to_bool(values.get(ind.rule.field)) else ZERO

    def describe(self, ind: Indicator) -> str:
        return _(
            "Có: {points}; không: {zero}",
            points=points_text(ind.max_points),
            zero=points_text(ZERO),
        )


YES_NO = YesNo()
