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


def _points(indicator: Indicator, answers: Answers, out: dict[str, Decimal]) -> Decimal:
    """Score ``indicator`` and its children into ``out``; the caller holds ``_CONTEXT``.

    Children are scored once and their points reused for the parent's sum."""
    if indicator.rule.kind is RuleKind.SUM:
        points = sum((_points(c, answers, out) for c in indicator.children), _ZERO)
        points = _clamp(points, indicator.max_points)
    else:
        points = _leaf_points(indicator, answers.get(indicator.code) or {})
    out[indicator.code] = points
    return points


# --- the whole set, for many answer sets --------------------------------------------------
#
# A collector rescores thousands of packages with one criteria set. ``score`` therefore runs
# a plan compiled once per set: the indicators in the order ``_points`` visits them
# (children before their parent), as flat steps without recursion, and each leaf's points
# memoised on the raw values its rule reads — answers repeat (yes/no, small counts, the same
# percentages), so most leaves become a dict lookup. Same additions in the same order, so
# the results are identical to ``_points``. Only values whose (type, value) pins the result
# are memo keys: str, int, bool, None. Floats (0.0 == -0.0) and Decimals (1.0 == 1.00) are
# equal while scoring differently, and dicts/lists are unhashable: those are computed.

_MEMO_TYPES = frozenset((str, int, bool, type(None)))
_MEMO_PER_LEAF = 2048
_PLANS_KEPT = 64


@dataclass(frozen=True)
class _Step:
    code: str
    indicator: Indicator
    children: tuple[str, ...] | None  # a sum: its children's codes; None: a leaf
    first: str  # the field the rule reads (the numerator for a ratio)
    second: str | None  # the denominator of a ratio
    memo: dict[tuple[Any, ...], Decimal]


@dataclass(frozen=True)
class _Plan:
    cs: CriteriaSet  # held, so the id() key cannot be reused while the plan lives
    pillars: tuple[tuple[str, Decimal, tuple[_Step, ...], tuple[str, ...]], ...]


_plans: dict[int, _Plan] = {}


def _steps(indicator: Indicator, into: list[_Step]) -> None:
    rule = indicator.rule
    if rule.kind is RuleKind.SUM:
        for child in indicator.children:
            _steps(child, into)
        into.append(
            _Step(
                indicator.code, indicator, tuple(c.code for c in indicator.children), "", None, {}
            )
        )
    elif rule.kind is RuleKind.RATIO:
        into.append(_Step(indicator.code, indicator, None, rule.numerator, rule.denominator, {}))
    else:
        into.append(_Step(indicator.code, indicator, None, rule.field, None, {}))


def _plan_for(cs: CriteriaSet) -> _Plan:
    plan = _plans.get(id(cs))
    if plan is None or plan.cs is not cs:
        pillars = []
        for pillar in cs.pillars:
            steps: list[_Step] = []
            for top in pillar.indicators:
                _steps(top, steps)
            pillars.append(
                (
                    pillar.code,
                    pillar.max_points,
                    tuple(steps),
                    tuple(t.code for t in pillar.indicators),
                )
            )
        plan = _Plan(cs, tuple(pillars))
        if len(_plans) >= _PLANS_KEPT:
            _plans.clear()
        _plans[id(cs)] = plan
    return plan


def _run_plan(plan: _Plan, answers: Answers, out: dict[str, Decimal]) -> dict[str, Decimal]:
    """Pillar subtotals, every indicator's points into ``out``; the caller holds ``_CONTEXT``."""
    pillars: dict[str, Decimal] = {}
    empty: Mapping[str, Any] = {}
    memo_types = _MEMO_TYPES
    for pillar_code, pillar_max, steps, tops in plan.pillars:
        for step in steps:
            if step.children is not None:
                points = _clamp(
                    sum([out[c] for c in step.children], _ZERO), step.indicator.max_points
                )
            else:
                values = answers.get(step.code) or empty
                a = values.get(step.first)
                if step.second is None:
                    key: tuple[Any, ...] | None = (type(a), a) if type(a) in memo_types else None
                else:
                    b = values.get(step.second)
                    key = (
                        (type(a), a, type(b), b)
                        if type(a) in memo_types and type(b) in memo_types
                        else None
                    )
                if key is None:
                    points = _leaf_points(step.indicator, values)
                else:
                    memo = step.memo
                    found = memo.get(key)
                    if found is None:
                        found = _leaf_points(step.indicator, values)
                        if len(memo) < _MEMO_PER_LEAF:
                            memo[key] = found
                    points = found
            out[step.code] = points
        subtotal = _ZERO
        for code in tops:
            subtotal += out[code]
        pillars[pillar_code] = _clamp(subtotal, pillar_max)
    return pillars


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
        pillars = _run_plan(_plan_for(cs), answers, per_indicator)
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
