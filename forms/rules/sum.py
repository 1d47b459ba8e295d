"""``sum``: the children's points added, capped at the parent's maximum; no fields."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.criteria import Indicator, RuleKind
from forms.i18n import N_, _
from forms.rules.base import ZERO, RuleKindSpec, SetChecks
from forms.rules.text import points_text


class Sum(RuleKindSpec):
    kind = RuleKind.SUM
    name = N_("tổng chỉ tiêu con")
    reads = ()
    sums_children = True

    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        return ZERO  # the sum of no children: a sum is scored from its children, not here

    def describe(self, ind: Indicator) -> str:
        return _(
            "Tổng điểm các chỉ tiêu con ({codes}), tối đa {points}",
            codes=", ".join(c.code for c in ind.children),
            points=points_text(ind.max_points),
        )

    def check_set(self, ind: Indicator, checks: SetChecks) -> None:
        # only reached for an indicator without children (a parent's rule is checked apart)
        checks.add(
            "sum_without_children",
            _("Chỉ tiêu {code} chấm theo “tổng” nhưng không có chỉ tiêu con.", code=ind.code),
            ind,
            "rule.kind",
        )


SUM = Sum()
