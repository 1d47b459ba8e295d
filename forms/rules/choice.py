"""``choice``: one choice field; the chosen option's points."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from forms.criteria import FieldKind, Indicator, RuleKind
from forms.i18n import N_, _
from forms.rules.base import ZERO, RuleKindSpec, SetChecks, unused_tiers
from forms.rules.text import points_text
from forms.rules.text import set_number as _num

CHOICE_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,40}$")


class Choice(RuleKindSpec):
    kind = RuleKind.CHOICE
    name = N_("lựa chọn")
    field_kinds = (FieldKind.CHOICE,)

    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        chosen = values.get(ind.rule.field)
        return next((c.points for c in ind.rule.choices if c.key == chosen), ZERO)

    def describe(self, ind: Indicator) -> str:
        return "; ".join(f"{c.label}: {points_text(c.points)}" for c in ind.rule.choices)

    def check_rule(self, ind: Indicator, checks: SetChecks) -> None:
        unused_tiers(ind, checks)
        check_choices(ind, checks)


def check_choices(ind: Indicator, checks: SetChecks) -> None:
    """At least two options with distinct, plain keys and labels, worth 0..max, the best the max."""
    choices = ind.rule.choices
    code = ind.code
    if len(choices) < 2:
        checks.add(
            "no_choices",
            _("Chỉ tiêu {code}: chấm theo lựa chọn nhưng có ít hơn 2 lựa chọn.", code=code),
            ind,
            "rule.choices",
        )
    keys: set[str] = set()
    for choice in choices:
        if choice.key in keys:
            checks.add(
                "duplicate_choice",
                _("Chỉ tiêu {code}: lựa chọn “{key}” bị trùng.", code=code, key=choice.key),
                choice,
                "key",
            )
        keys.add(choice.key)
        if not CHOICE_KEY.match(choice.key):
            checks.add(
                "bad_choice_key",
                _(
                    "Chỉ tiêu {code}: khóa lựa chọn “{key}” không hợp lệ (không dấu, không khoảng trắng).",
                    code=code,
                    key=choice.key,
                ),
                choice,
                "key",
            )
        if not choice.label.strip():
            checks.add(
                "empty_name",
                _("Chỉ tiêu {code}: lựa chọn “{key}” chưa có nhãn.", code=code, key=choice.key),
                choice,
                "label",
            )
        if (choice.points < 0 or choice.points > ind.max_points) and checks.ok(choice, ind):
            checks.add(
                "choice_points",
                _(
                    "Chỉ tiêu {code}: lựa chọn “{key}” cho {points} điểm, ngoài khoảng 0–{max}.",
                    code=code,
                    key=choice.key,
                    points=_num(choice.points),
                    max=_num(ind.max_points),
                ),
                choice,
                "points",
            )
    if choices and checks.ok(ind, *choices):
        best = max(c.points for c in choices)
        if best != ind.max_points:
            checks.add(
                "max_unreachable",
                _(
                    "Chỉ tiêu {code}: lựa chọn tốt nhất cho {points} điểm, khác điểm tối đa {max}.",
                    code=code,
                    points=_num(best),
                    max=_num(ind.max_points),
                ),
                ind,
                "max_points",
            )


CHOICE = Choice()
