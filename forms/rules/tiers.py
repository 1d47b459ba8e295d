"""``count_tiers`` and ``percent_tiers``: one count (or percentage) field; the first tier,
from the highest minimum down, whose minimum the value reaches gives its points."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

from forms.criteria import FieldKind, Indicator, RuleKind, Tier
from forms.i18n import N_, _
from forms.rules.base import ZERO, RuleKindSpec, SetChecks, unused_choices
from forms.rules.text import format_number, points_text
from forms.rules.text import set_number as _num
from forms.values import to_decimal


def tier_points(value: Decimal | None, tiers: tuple[Tier, ...]) -> Decimal:
    """The points of the first tier (highest minimum first) ``value`` reaches, else 0."""
    if value is None:
        return ZERO
    for tier in tiers:
        if value >= tier.minimum:
            return tier.points
    return ZERO


class _Tiers(RuleKindSpec):
    percent: ClassVar[bool]

    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        return tier_points(to_decimal(values.get(ind.rule.field)), ind.rule.tiers)

    def check_rule(self, ind: Indicator, checks: SetChecks) -> None:
        check_tiers(ind, checks, percent=self.percent)
        unused_choices(ind, checks)


class CountTiers(_Tiers):
    kind = RuleKind.COUNT_TIERS
    name = N_("bậc theo số lượng")
    field_kinds = (FieldKind.COUNT,)
    percent = False

    def describe(self, ind: Indicator) -> str:
        fld = ind.field(ind.rule.field)
        return "; ".join(_count_tiers(ind.rule.tiers, fld.unit if fld else ""))


class PercentTiers(_Tiers):
    kind = RuleKind.PERCENT_TIERS
    name = N_("bậc theo tỷ lệ")
    field_kinds = (FieldKind.PERCENT,)
    percent = True

    def describe(self, ind: Indicator) -> str:
        return "; ".join(_percent_tiers(ind.rule.tiers))


def _count_tiers(tiers: tuple[Tier, ...], unit: str) -> list[str]:
    parts: list[str] = []
    previous: Tier | None = None
    for tier in tiers:
        low = format_number(tier.minimum)
        if previous is None:
            text = (
                _("{low} {unit} trở lên", low=low, unit=unit)
                if unit
                else _("{low} trở lên", low=low)
            )
        else:
            high = previous.minimum - 1
            text = (
                low
                if high <= tier.minimum
                else _("từ {low} đến {high}", low=low, high=format_number(high))
            )
        parts.append(f"{text}: {points_text(tier.points)}")
        previous = tier
    if tiers and tiers[-1].minimum > 0:
        parts.append(_("còn lại: {points}", points=points_text(ZERO)))
    return parts


def _percent_tiers(tiers: tuple[Tier, ...]) -> list[str]:
    parts: list[str] = []
    previous: Tier | None = None
    for tier in tiers:
        low = format_number(tier.minimum)
        if previous is None:
            text = _("từ {low}% trở lên", low=low)
        else:
            text = _("từ {low}% đến dưới {high}%", low=low, high=format_number(previous.minimum))
        parts.append(f"{text}: {points_text(tier.points)}")
        previous = tier
    if tiers and tiers[-1].minimum > 0:
        parts.append(
            _(
                "dưới {low}%: {points}",
                low=format_number(tiers[-1].minimum),
                points=points_text(ZERO),
            )
        )
    return parts


# --- set checks ------------------------------------------------------------------------


def check_tiers(ind: Indicator, checks: SetChecks, *, percent: bool) -> None:
    """Tiers present, each in range, from the highest minimum down with points never
    rising, the best one worth the maximum."""
    tiers = ind.rule.tiers
    if not tiers:
        checks.add(
            "no_tiers",
            _("Chỉ tiêu {code}: chấm theo bậc nhưng chưa có bậc điểm nào.", code=ind.code),
            ind,
            "rule.tiers",
        )
        return
    previous: Tier | None = None
    for tier in tiers:
        if not checks.ok(tier):
            previous = None
            continue
        _check_tier(ind, tier, checks, percent=percent)
        if previous is not None:
            _check_tier_order(ind, previous, tier, checks)
        previous = tier
    best = max(t.points for t in tiers)
    if best != ind.max_points and checks.ok(ind, *tiers):
        checks.add(
            "max_unreachable",
            _(
                "Chỉ tiêu {code}: bậc cao nhất cho {points} điểm, khác điểm tối đa {max}.",
                code=ind.code,
                points=_num(best),
                max=_num(ind.max_points),
            ),
            tiers[0],
            "points",
        )


def _check_tier(ind: Indicator, tier: Tier, checks: SetChecks, *, percent: bool) -> None:
    code = ind.code
    if tier.minimum < 0 or (percent and tier.minimum > 100):
        checks.add(
            "tier_range",
            _(
                "Chỉ tiêu {code}: ngưỡng {value}% phải nằm trong khoảng 0–100.",
                code=code,
                value=_num(tier.minimum),
            )
            if percent
            else _(
                "Chỉ tiêu {code}: ngưỡng {value} nằm ngoài khoảng cho phép.",
                code=code,
                value=_num(tier.minimum),
            ),
            tier,
            "minimum",
        )
    if not percent and tier.minimum != tier.minimum.to_integral_value():
        checks.add(
            "tier_not_integer",
            _(
                "Chỉ tiêu {code}: ngưỡng đếm {value} phải là số nguyên.",
                code=code,
                value=_num(tier.minimum),
            ),
            tier,
            "minimum",
        )
    if (tier.points < 0 or tier.points > ind.max_points) and checks.ok(ind):
        checks.add(
            "tier_points",
            _(
                "Chỉ tiêu {code}: bậc từ {value} cho {points} điểm, ngoài khoảng 0–{max}.",
                code=code,
                value=_num(tier.minimum),
                points=_num(tier.points),
                max=_num(ind.max_points),
            ),
            tier,
            "points",
        )


def _check_tier_order(ind: Indicator, previous: Tier, tier: Tier, checks: SetChecks) -> None:
    if tier.minimum >= previous.minimum:
        checks.add(
            "tiers_order",
            _(
                "Chỉ tiêu {code}: các bậc phải xếp từ ngưỡng cao xuống thấp, không trùng nhau ({value} đứng sau {before}).",
                code=ind.code,
                value=_num(tier.minimum),
                before=_num(previous.minimum),
            ),
            tier,
            "minimum",
        )
    elif tier.points > previous.points:
        checks.add(
            "tiers_points_order",
            _(
                "Chỉ tiêu {code}: bậc thấp hơn ({value}) lại được nhiều điểm hơn bậc trên ({before}).",
                code=ind.code,
                value=_num(tier.minimum),
                before=_num(previous.minimum),
            ),
            tier,
            "points",
        )


COUNT_TIERS = CountTiers()
PERCENT_TIERS = PercentTiers()
