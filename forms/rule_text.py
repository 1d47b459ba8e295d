"""A scoring rule in plain words, as shown next to an indicator and in printed forms.

"4 cuộc họp trở lên: 20 điểm; 3: 15 điểm; 2: 10 điểm; 1: 5 điểm; còn lại: 0 điểm".
Numbers follow the display language: decimal comma in Vietnamese, point in English.
"""

from __future__ import annotations

from decimal import Decimal

from forms.criteria import Indicator, RuleKind, Tier, ZeroDenominator
from forms.i18n import _, language


def format_number(value: Decimal | int, decimals: int | None = None) -> str:
    """``7.5`` -> ``"7,5"`` in Vietnamese; no trailing zeros unless ``decimals`` is given."""
    number = Decimal(value)
    if number.is_finite() and number and not -12 <= number.adjusted() <= 15:
        # absurd input (1e999999) must not become a million digits in a message
        text = f"{number:.3E}"
    elif decimals is not None:
        text = f"{number:.{decimals}f}"
    else:
        text = format(number.normalize(), "f") if number == number else str(number)
    return text.replace(".", ",") if language() == "vi" else text


def _points(value: Decimal) -> str:
    return _("{points} điểm", points=format_number(value))


def _count_tiers(ind: Indicator, tiers: tuple[Tier, ...], unit: str) -> list[str]:
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
        parts.append(f"{text}: {_points(tier.points)}")
        previous = tier
    if tiers and tiers[-1].minimum > 0:
        parts.append(_("còn lại: {points}", points=_points(Decimal(0))))
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
        parts.append(f"{text}: {_points(tier.points)}")
        previous = tier
    if tiers and tiers[-1].minimum > 0:
        parts.append(
            _(
                "dưới {low}%: {points}",
                low=format_number(tiers[-1].minimum),
                points=_points(Decimal(0)),
            )
        )
    return parts


def describe_rule(indicator: Indicator) -> str:
    """The indicator's scoring rule in one line of plain language."""
    rule = indicator.rule
    kind = rule.kind
    maximum = indicator.max_points
    if kind is RuleKind.YES_NO:
        return _("Có: {points}; không: {zero}", points=_points(maximum), zero=_points(Decimal(0)))
    if kind is RuleKind.CHOICE:
        return "; ".join(f"{c.label}: {_points(c.points)}" for c in rule.choices)
    if kind is RuleKind.COUNT_TIERS:
        fld = indicator.field(rule.field)
        return "; ".join(_count_tiers(indicator, rule.tiers, fld.unit if fld else ""))
    if kind is RuleKind.PERCENT_TIERS:
        return "; ".join(_percent_tiers(rule.tiers))
    if kind is RuleKind.RATIO:
        num, den = indicator.field(rule.numerator), indicator.field(rule.denominator)
        zero = maximum if rule.zero_denominator is ZeroDenominator.FULL else Decimal(0)
        return _(
            "a/b × {points} (a = {a}; b = {b}; b = 0: {zero})",
            points=_points(maximum),
            a=num.label if num else rule.numerator,
            b=den.label if den else rule.denominator,
            zero=_points(zero),
        )
    if kind is RuleKind.DIRECT:
        return _("Chấm trực tiếp: từ 0 đến {points}", points=_points(maximum))
    if kind is RuleKind.SUM:
        return _(
            "Tổng điểm các chỉ tiêu con ({codes}), tối đa {points}",
            codes=", ".join(c.code for c in indicator.children),
            points=_points(maximum),
        )
    return kind.value  # pragma: no cover - RuleKind is closed


def rule_kind_name(kind: RuleKind) -> str:
    """The Vietnamese name of a rule kind (for the tree in ``schema show`` and the GUI)."""
    names = {
        RuleKind.YES_NO: _("có/không"),
        RuleKind.CHOICE: _("lựa chọn"),
        RuleKind.COUNT_TIERS: _("bậc theo số lượng"),
        RuleKind.PERCENT_TIERS: _("bậc theo tỷ lệ"),
        RuleKind.RATIO: _("tỷ lệ a/b"),
        RuleKind.DIRECT: _("chấm trực tiếp"),
        RuleKind.SUM: _("tổng chỉ tiêu con"),
    }
    return names[kind]
