"""Pure, deterministic scoring: the same answers and criteria set give the same points anywhere.

``Answers`` maps an indicator code to its field values: ``{"1.1": {"count": 4}, ...}``.
A missing or malformed value scores 0; validation (``forms.validation``) says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

from forms.criteria import Band, CriteriaSet, Indicator, Rounding, RuleKind, ZeroDenominator
from forms.values import to_bool, to_decimal

Answers = Mapping[str, Mapping[str, Any]]

_ZERO = Decimal(0)
# An explicit context: scoring must not depend on whatever the caller's context is.
_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Score:
    indicators: dict[str, Decimal]  # every indicator, parents included, unrounded
    pillars: dict[str, Decimal]  # unrounded
    total: Decimal  # unrounded
    published_pillars: dict[str, Decimal]  # rounded by the set's rule
    published_total: Decimal
    classification: str


def _clamp(value: Decimal, maximum: Decimal) -> Decimal:
    return max(_ZERO, min(value, maximum))


def _tier_points(value: Decimal | None, indicator: Indicator) -> Decimal:
    if value is None:
        return _ZERO
    for tier in indicator.rule.tiers:  # highest minimum first
        if value >= tier.minimum:
            return tier.points
    return _ZERO


def indicator_points(indicator: Indicator, answers: Answers) -> Decimal:
    """Points for one indicator (children summed and capped for ``sum`` rules)."""
    with localcontext(_CONTEXT):
        return _points(indicator, answers, {})


# Leaf points memoised per indicator on the raw values the rule reads. A collector rescores
# thousands of packages whose answers repeat (yes/no, small counts, the same percentages),
# so most leaves are a dict lookup instead of Decimal parsing and arithmetic. Only values
# whose (type, value) pins the result exactly are keys: str, int, bool, None. Floats
# (0.0 == -0.0) and Decimals (1.0 == 1.00) are equal while scoring differently, and
# dicts/lists are unhashable: those are always computed. Bounded, so a long-lived process
# scoring many sets cannot grow without limit; ``id()`` keys are safe because each entry
# holds its indicator alive.
_MEMO_TYPES = frozenset((str, int, bool, type(None)))
_MEMO_PER_INDICATOR = 2048
_MEMO_INDICATORS = 20_000
_leaf_memo: dict[int, tuple[Indicator, dict[tuple[Any, ...], Decimal]]] = {}


def _memo_for(indicator: Indicator) -> dict[tuple[Any, ...], Decimal]:
    entry = _leaf_memo.get(id(indicator))
    if entry is None or entry[0] is not indicator:
        if len(_leaf_memo) >= _MEMO_INDICATORS:
            _leaf_memo.clear()
        entry = (indicator, {})
        _leaf_memo[id(indicator)] = entry
    return entry[1]


def _points(indicator: Indicator, answers: Answers, out: dict[str, Decimal]) -> Decimal:
    """Score ``indicator`` and its children into ``out``; the caller holds ``_CONTEXT``.

    Children are scored once and their points reused for the parent's sum: the collector
    rescores thousands of packages, so scoring a sub-indicator twice is measurable.
    """
    rule = indicator.rule
    kind = rule.kind
    if kind is RuleKind.SUM:
        points = sum((_points(c, answers, out) for c in indicator.children), _ZERO)
        points = _clamp(points, indicator.max_points)
        out[indicator.code] = points
        return points
    values = answers.get(indicator.code) or {}
    if kind is RuleKind.RATIO:
        a, b = values.get(rule.numerator), values.get(rule.denominator)
        key: tuple[Any, ...] | None = (
            (type(a), a, type(b), b)
            if type(a) in _MEMO_TYPES and type(b) in _MEMO_TYPES
            else None
        )
    else:
        a = values.get(rule.field)
        key = (type(a), a) if type(a) in _MEMO_TYPES else None
    if key is not None:
        memo = _memo_for(indicator)
        points = memo.get(key)
        if points is None:
            points = _leaf_points(indicator, values)
            if len(memo) < _MEMO_PER_INDICATOR:
                memo[key] = points
    else:
        points = _leaf_points(indicator, values)
    out[indicator.code] = points
    return points


def _leaf_points(indicator: Indicator, values: Mapping[str, Any]) -> Decimal:
    """Points of an indicator without children, clamped; the caller holds ``_CONTEXT``."""
    rule = indicator.rule
    maximum = indicator.max_points
    kind = rule.kind
    if kind is RuleKind.YES_NO:
        points = maximum if to_bool(values.get(rule.field)) else _ZERO
    elif kind is RuleKind.CHOICE:
        chosen = values.get(rule.field)
        points = next((c.points for c in rule.choices if c.key == chosen), _ZERO)
    elif kind in (RuleKind.COUNT_TIERS, RuleKind.PERCENT_TIERS):
        points = _tier_points(to_decimal(values.get(rule.field)), indicator)
    elif kind is RuleKind.RATIO:
        a = to_decimal(values.get(rule.numerator))
        b = to_decimal(values.get(rule.denominator))
        if a is None or b is None or a < 0 or b < 0:
            points = _ZERO
        elif b == 0:
            points = maximum if rule.zero_denominator is ZeroDenominator.FULL else _ZERO
        else:
            points = min(a / b, Decimal(1)) * maximum
    elif kind is RuleKind.DIRECT:
        points = to_decimal(values.get(rule.field)) or _ZERO
    else:  # pragma: no cover - RuleKind is closed; a new kind must be scored here
        raise ValueError(f"unknown rule kind {kind!r}")
    return _clamp(points, maximum)


def round_points(value: Decimal, rounding: Rounding) -> Decimal:
    mode = ROUND_HALF_UP if rounding.mode == "half_up" else ROUND_HALF_EVEN
    return value.quantize(Decimal(1).scaleb(-rounding.decimals), rounding=mode)


def classify(total: Decimal, bands: tuple[Band, ...]) -> str:
    """The label of the first band (highest minimum first) whose minimum the total reaches."""
    for band in bands:
        if total >= band.minimum:
            return band.label
    return bands[-1].label if bands else ""


def score(cs: CriteriaSet, answers: Answers) -> Score:
    with localcontext(_CONTEXT):
        per_indicator: dict[str, Decimal] = {}
        pillars: dict[str, Decimal] = {}
        for pillar in cs.pillars:
            subtotal = _ZERO
            for top in pillar.indicators:
                subtotal += _points(top, answers, per_indicator)
            pillars[pillar.code] = _clamp(subtotal, pillar.max_points)
        total = sum(pillars.values(), _ZERO)
        published_total = round_points(total, cs.rounding)
        return Score(
            indicators=per_indicator,
            pillars=pillars,
            total=total,
            published_pillars={k: round_points(v, cs.rounding) for k, v in pillars.items()},
            published_total=published_total,
            # classified on the published total: a table that shows 650,00 must not say "Trung bình"
            classification=classify(published_total, cs.bands),
        )
