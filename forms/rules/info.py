"""``info``: an unscored indicator ("Thông tin chung", "không tính điểm"): its fields are
collected, validated and exported like any other, and other indicators may read them
(a ratio's denominator ``2.1/so_can_bo``); it scores nothing and its maximum is 0."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.criteria import Indicator, RuleKind
from forms.i18n import N_, _
from forms.rules.base import ZERO, RuleKindSpec, SetChecks, unused_choices, unused_tiers


class Info(RuleKindSpec):
    kind = RuleKind.INFO
    name = N_("không tính điểm")
    reads = ()
    zero_points = True

    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        return ZERO

    def describe(self, ind: Indicator) -> str:
        return _("Không tính điểm: thông tin thu thập, không chấm điểm")

    def check_rule(self, ind: Indicator, checks: SetChecks) -> None:
        if ind.max_points != 0:
            checks.add(
                "info_points",
                _(
                    "Chỉ tiêu {code} không tính điểm nên điểm tối đa phải là 0.",
                    code=ind.code,
                ),
                ind,
                "max_points",
            )
        unused_tiers(ind, checks)
        unused_choices(ind, checks)


INFO = Info()
