"""``direct``: the points typed into one number field, within [0, max] (indicators the
province scores itself)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.criteria import Field, FieldKind, Indicator, RuleKind
from forms.i18n import N_, _
from forms.rules.base import ZERO, RuleKindSpec
from forms.rules.text import points_text
from forms.values import to_decimal


class Direct(RuleKindSpec):
    kind = RuleKind.DIRECT
    name = N_("chấm trực tiếp")
    field_kinds = (FieldKind.NUMBER,)

    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        return to_decimal(values.get(ind.rule.field)) or ZERO

    def describe(self, ind: Indicator) -> str:
        return _("Chấm trực tiếp: từ 0 đến {points}", points=points_text(ind.max_points))

    def ceiling(self, ind: Indicator, fld: Field) -> Decimal | None:
        # points typed above the maximum are a typo, not a claim to clamp silently
        return ind.max_points if ind.rule.field == fld.key else None


DIRECT = Direct()
