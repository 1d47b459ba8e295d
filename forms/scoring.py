"""Pure, deterministic scoring: the same answers and criteria set give the same points anywhere.

``Answers`` maps an indicator code to its field values: ``{"1.1": {"count": 4}, ...}``.
A missing value scores 0, and so does a value that fails its field's check (a count of
"3,5", 120 %, a ratio's numerator above its denominator, points above the maximum): while it
is invalid it claims nothing, whoever scores it (the page, the package, the collector).
``zero_reason`` says why; validation (``forms.validation``) lists every problem.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext
from typing import Any

from forms.applicability import (
    NOTHING,
    NotApplicable,
    UnitFacts,
    in_use,
    maxima,
    not_applicable,
)
from forms.criteria import (
    Band,
    ClassifyOn,
    CriteriaSet,
    Indicator,
    NotApplicablePolicy,
    Rounding,
    RuleKind,
)
from forms.field_checks import across_fields_problem, field_problems, is_empty
from forms.problems import Level, Problem
from forms.rules import rule_kind
from forms.rules.target import target_met

Answers = Mapping[str, Mapping[str, Any]]

_ZERO = Decimal(0)
# An explicit context: scoring must not depend on whatever the caller's context is. The one
# context of every sum of points (answers scored here, verified points in forms.review).
CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True)
class Score:
    indicators: dict[str, Decimal]  # every indicator, parents included, unrounded
    pillars: dict[str, Decimal]  # unrounded
    total: Decimal  # unrounded
    published_pillars: dict[str, Decimal]  # rounded by the set's rule
    published_total: Decimal
    classification: str
    targets_met: int = 0  # "n of m targets met": the set's pass/fail targets reached
    targets_total: int = 0  # the targets that apply to the unit
    # applicability (issue 16): what does not apply to the unit (pillar or indicator code ->
    # "unit" or "marked"), and the maxima that do; a set without it: {} and the set's maxima
    not_applicable: dict[str, str] = dataclass_field(default_factory=dict)
    applicable_max: Decimal | None = None  # the total's; None: the set's ``total_points``
    applicable_pillars: dict[str, Decimal] = dataclass_field(default_factory=dict)
    applicable_indicators: dict[str, Decimal] = dataclass_field(default_factory=dict)
    # the total on the set's full scale: ``total`` x full / applicable under the policy
    # "rescale" (what ``published_total`` rounds), else ``total``
    scaled_total: Decimal | None = None


def clamp(value: Decimal, maximum: Decimal) -> Decimal:
    return max(_ZERO, min(value, maximum))


def indicator_points(
    indicator: Indicator, answers: Answers, cs: CriteriaSet | None = None
) -> Decimal:
    """Points for one indicator (children summed and capped for ``sum`` rules), by the
    meanings ``cs`` was written for (without it, today's)."""
    with localcontext(CONTEXT):
        return _points(indicator, answers, {}, cs)


def _points(
    indicator: Indicator,
    answers: Answers,
    out: dict[str, Decimal],
    cs: CriteriaSet | None = None,
) -> Decimal:
    """Score ``indicator`` and its children into ``out``; the caller holds ``CONTEXT``.

    Children are scored once and their points reused for the parent's sum."""
    spec = rule_kind(indicator.rule.kind)
    if spec.sums_children:
        points = sum((_points(c, answers, out, cs) for c in indicator.children), _ZERO)
        points = clamp(points, indicator.max_points)
    else:
        values = leaf_values(indicator, answers)
        if zero_reason(indicator, values) is not None:
            points = _ZERO
        else:
            version = cs.rule_version(indicator.rule.kind) if cs is not None else spec.version
            points = clamp(spec.points_for(version)(indicator, values), indicator.max_points)
    out[indicator.code] = points
    return points


def is_met(indicator: Indicator, answers: Answers) -> bool | None:
    """Whether a pass/fail target is met by ``answers`` (an invalid value is not); None for
    an indicator that is not a target."""
    if indicator.rule.kind is not RuleKind.TARGET or indicator.children:
        return None
    values = leaf_values(indicator, answers)
    return zero_reason(indicator, values) is None and target_met(indicator, values)


def leaf_values(indicator: Indicator, answers: Answers) -> Mapping[str, Any]:
    """The values a leaf's rule sees: its own, plus each ``code/key`` it reads taken from
    that other indicator's answers (a ratio over the officials an unscored block counts)."""
    own = answers.get(indicator.code) or {}
    refs = cross_reads(indicator)
    if not refs:
        return own
    values = dict(own) if isinstance(own, Mapping) else {}
    for key, code, field in refs:
        other = answers.get(code)
        # another unit's malformed answer reads as missing, never as a crash
        values[key] = other.get(field) if isinstance(other, Mapping) else None
    return values


def readers(cs: CriteriaSet) -> dict[str, tuple[str, ...]]:
    """For each indicator whose fields other rules read, the codes of those readers (an
    edit of the number of officials changes the ratio over it)."""
    out: dict[str, list[str]] = {}
    for ind in cs.leaves():
        for _key, code, _field in cross_reads(ind):
            out.setdefault(code, []).append(ind.code)
    return {code: tuple(codes) for code, codes in out.items()}


def cross_reads(indicator: Indicator) -> tuple[tuple[str, str, str], ...]:
    """(key, code, field) of every ``code/field`` key the rule of ``indicator`` reads.

    Cached on the (immutable) indicator: scoring and validation ask for every leaf."""
    cached = indicator.__dict__.get("_cross_reads")
    if cached is None:
        out = []
        for key in rule_kind(indicator.rule.kind).read_keys(indicator.rule):
            code, slash, field = key.rpartition("/")
            if slash:
                out.append((key, code, field))
        cached = tuple(out)
        object.__setattr__(indicator, "_cross_reads", cached)
    return cached


def zero_reason(indicator: Indicator, values: Mapping[str, Any]) -> Problem | None:
    """Why a leaf indicator scores 0 whatever its rule says: the first error in a value its
    rule reads, else the rule's check across those values; None when they may be scored.

    Only the fields the rule reads count (a too-long note beside a count takes nothing away),
    and those are never dates (no rule kind reads one), so the verdict depends on the values
    alone, not on the year: ``_run_plan`` may remember points by the values read."""
    spec = rule_kind(indicator.rule.kind)
    if spec.sums_children:
        return None
    for key in spec.read_keys(indicator.rule):
        value = values.get(key)
        fld = indicator.field(key)
        if fld is None or is_empty(value):
            continue
        for problem in field_problems(indicator, fld, value, 0):
            if problem.level is Level.ERROR:
                return problem
    return across_fields_problem(indicator, values)


# --- the whole set, for many answer sets --------------------------------------------------
#
# A collector rescores thousands of packages with one criteria set. ``score`` therefore runs
# a plan compiled once per set: the indicators in the order ``_points`` visits them
# (children before their parent), as flat steps without recursion, each leaf's scoring
# function looked up in the rule-kind registry once, and each leaf's points memoised on the
# raw values its rule reads — answers repeat (yes/no, small counts, the same percentages),
# so most leaves become a dict lookup. Same additions in the same order, so the results are
# identical to ``_points``. Only values whose (type, value) pins the result are memo keys:
# str, int, bool, None. Floats (0.0 == -0.0) and Decimals (1.0 == 1.00) are equal while
# scoring differently, and dicts/lists are unhashable: those are computed.

_MEMO_TYPES = frozenset((str, int, bool, type(None)))
_MEMO_PER_LEAF = 2048
_PLANS_KEPT = 64


@dataclass(frozen=True)
class _Step:
    code: str
    indicator: Indicator
    maximum: Decimal
    children: tuple[str, ...] | None  # a sum: its children's codes; None: a leaf
    points: Callable[[Indicator, Mapping[str, Any]], Decimal]  # the kind's, unclamped
    first: str  # the first field the rule reads (the numerator for a ratio)
    second: str | None  # the second (the denominator of a ratio), if any
    memo: dict[tuple[Any, ...], Decimal] | None  # None: the rule reads more than two fields
    refs: bool  # the rule reads another indicator's field (``leaf_values``)
    target: bool  # a pass/fail target, counted in "n of m targets met"


@dataclass(frozen=True)
class _Plan:
    cs: CriteriaSet  # held, so the id() key cannot be reused while the plan lives
    steps: tuple[_Step, ...]  # every pillar's, in set order


_plans: dict[int, _Plan] = {}


def _steps(cs: CriteriaSet, indicator: Indicator, into: list[_Step]) -> None:
    spec = rule_kind(indicator.rule.kind)
    children = None
    if spec.sums_children:
        for child in indicator.children:
            _steps(cs, child, into)
        children = tuple(c.code for c in indicator.children)
    keys = spec.read_keys(indicator.rule)
    into.append(
        _Step(
            indicator.code,
            indicator,
            indicator.max_points,
            children,
            # the meaning the set was written for (a refused version never gets here)
            spec.points_for(cs.rule_version(indicator.rule.kind)),
            keys[0] if keys else "",
            keys[1] if len(keys) > 1 else None,
            {} if len(keys) <= 2 else None,
            bool(cross_reads(indicator)),
            indicator.rule.kind is RuleKind.TARGET and not indicator.children,
        )
    )


def _plan_for(cs: CriteriaSet) -> _Plan:
    plan = _plans.get(id(cs))
    if plan is None or plan.cs is not cs:
        steps: list[_Step] = []
        for pillar in cs.pillars:
            for top in pillar.indicators:
                _steps(cs, top, steps)
        plan = _Plan(cs, tuple(steps))
        if len(_plans) >= _PLANS_KEPT:
            _plans.clear()
        _plans[id(cs)] = plan
    return plan


def _step_points(step: _Step, values: Mapping[str, Any]) -> Decimal:
    """``_leaf_points`` with the kind's scoring looked up once, in the plan."""
    if zero_reason(step.indicator, values) is not None:
        return _ZERO
    return clamp(step.points(step.indicator, values), step.maximum)


def _run_plan(
    plan: _Plan, answers: Answers, out: dict[str, Decimal], na: Collection[str] = ()
) -> set[str]:
    """Every indicator's points into ``out``, and the codes of the targets met; the caller
    holds ``CONTEXT``. The indicators in ``na`` do not apply: 0, never met."""
    empty: Mapping[str, Any] = {}
    met: set[str] = set()
    for step in plan.steps:
        if na and step.code in na:
            out[step.code] = _ZERO
            continue
        if step.children is not None:
            out[step.code] = clamp(sum([out[c] for c in step.children], _ZERO), step.maximum)
            continue
        if step.refs:
            values = leaf_values(step.indicator, answers)
        else:
            values = answers.get(step.code) or empty
        if (
            step.target
            and zero_reason(step.indicator, values) is None
            and target_met(step.indicator, values)
        ):
            met.add(step.code)
        out[step.code] = _memo_points(step, values)
    return met


def _memo_points(step: _Step, values: Mapping[str, Any]) -> Decimal:
    """``_step_points``, remembered by the raw values the rule reads where they pin it."""
    memo = step.memo
    memo_types = _MEMO_TYPES
    a = values.get(step.first)
    key: tuple[Any, ...] | None = None
    if memo is not None and type(a) in memo_types:
        if step.second is None:
            key = (type(a), a)
        else:
            b = values.get(step.second)
            key = (type(a), a, type(b), b) if type(b) in memo_types else None
    if key is None or memo is None:
        return _step_points(step, values)
    found = memo.get(key)
    if found is None:
        found = _step_points(step, values)
        if len(memo) < _MEMO_PER_LEAF:
            memo[key] = found
    return found


def round_points(value: Decimal, rounding: Rounding) -> Decimal:
    mode = ROUND_HALF_UP if rounding.mode == "half_up" else ROUND_HALF_EVEN
    return value.quantize(Decimal(1).scaleb(-rounding.decimals), rounding=mode)


def classify(total: Decimal, bands: tuple[Band, ...]) -> str:
    """The label of the first band (highest minimum first) whose minimum the total reaches."""
    for band in bands:
        if total >= band.minimum:
            return band.label
    return bands[-1].label if bands else ""


def roll_up(
    cs: CriteriaSet,
    per_indicator: dict[str, Decimal],
    met: Collection[str] | None = None,
    na: NotApplicable = NOTHING,
) -> Score:
    """The pillars, total, published figures and classification from every indicator's
    points: a pillar is its top-level indicators added and capped at its maximum, the total
    the pillars added. The one roll-up of answers (``score``) and of verified points
    (``forms.review.scoring``), so the two cannot drift apart.

    ``met``: the codes of the targets met; without it (verified points), a target counts as
    met when its points reached a maximum above 0. ``na``: what does not apply to the unit
    (``forms.applicability``): it scores 0 and leaves the maxima, and the total is published
    by the set's ``not_applicable`` policy."""
    with localcontext(CONTEXT):
        if na:
            per_indicator = {
                k: _ZERO if k in na.indicators else v for k, v in per_indicator.items()
            }
        pillars: dict[str, Decimal] = {}
        for pillar in cs.pillars:
            subtotal = _ZERO
            if pillar.code not in na.pillars:
                for top in pillar.indicators:
                    subtotal += per_indicator[top.code]
            pillars[pillar.code] = clamp(subtotal, pillar.max_points)
        total = sum(pillars.values(), _ZERO)
        targets = [t for t in cs.targets() if t.code not in na.indicators]
        if met is None:
            met = {
                t.code
                for t in targets
                if t.max_points > 0 and per_indicator[t.code] >= t.max_points
            }
        n_met = sum(1 for t in targets if t.code in met)
        published = {k: round_points(v, cs.rounding) for k, v in pillars.items()}
        if in_use(cs):
            return _applicable_score(cs, per_indicator, pillars, published, total, n_met, na)
        published_total = round_points(total, cs.rounding)
        on = Decimal(n_met) if cs.classify_on is ClassifyOn.TARGETS else published_total
        return Score(
            indicators=per_indicator,
            pillars=pillars,
            total=total,
            published_pillars=published,
            published_total=published_total,
            # classified on the published total: a table that shows 650,00 must not say "Trung bình"
            # (or on the number of targets met, when the set classes units so)
            classification=classify(on, cs.bands),
            targets_met=n_met,
            targets_total=len(targets),
        )


def _applicable_score(
    cs: CriteriaSet,
    per_indicator: dict[str, Decimal],
    pillars: dict[str, Decimal],
    published: dict[str, Decimal],
    total: Decimal,
    n_met: int,
    na: NotApplicable,
) -> Score:
    """The score of a set with applicability, by its policy (the caller holds ``CONTEXT``):
    ``rescale`` publishes total x full / applicable maximum, rounded by the set's rule, and
    classes that on the bands; ``out_of_applicable`` publishes the total and classes its
    share of the applicable maximum against each band's share of the full scale. Targets
    class on their share of the targets that apply. Nothing applicable: 0, the last band."""
    m = maxima(cs, na)
    full = cs.total_points
    targets_all = len(cs.targets())
    targets_applicable = targets_all - sum(1 for t in cs.targets() if t.code in na.indicators)
    if cs.not_applicable is NotApplicablePolicy.RESCALE:
        scaled = rescaled(total, full, m.total)
    else:
        scaled = total
    published_total = round_points(scaled, cs.rounding)
    if cs.classify_on is ClassifyOn.TARGETS:
        label = classify_share(Decimal(n_met), Decimal(targets_all), targets_applicable, cs.bands)
    elif cs.not_applicable is NotApplicablePolicy.RESCALE:
        label = classify(published_total, cs.bands)
    else:
        label = classify_share(published_total, full, m.total, cs.bands)
    return Score(
        indicators=per_indicator,
        pillars=pillars,
        total=total,
        published_pillars=published,
        published_total=published_total,
        classification=label,
        targets_met=n_met,
        targets_total=targets_applicable,
        not_applicable=na.codes(),
        applicable_max=m.total,
        applicable_pillars=m.pillars,
        applicable_indicators=m.indicators,
        scaled_total=scaled,
    )


def rescaled(total: Decimal, full: Decimal, applicable: Decimal) -> Decimal:
    """``total`` of ``applicable`` points brought to the ``full`` scale (unrounded, within
    [0, full]); nothing applicable: 0. The one rescaling (scores, the collector's ranking)."""
    with localcontext(CONTEXT):
        return clamp(total * full / applicable, full) if applicable > 0 else _ZERO


def classify_share(
    value: Decimal, full: Decimal, applicable: Decimal | int, bands: tuple[Band, ...]
) -> str:
    """The first band whose share of ``full`` the share ``value / applicable`` reaches,
    compared exactly (value x full >= minimum x applicable, no division to round);
    nothing applicable: the last band."""
    if applicable <= 0:
        return bands[-1].label if bands else ""
    for band in bands:
        if value * full >= band.minimum * applicable:
            return band.label
    return bands[-1].label if bands else ""


def score(
    cs: CriteriaSet,
    answers: Answers,
    *,
    unit: UnitFacts | None = None,
    marks: Mapping[str, str] | None = None,
) -> Score:
    """The score of ``answers`` under ``cs``, for ``unit`` (its kind and code: what applies
    to it) with the commune's "không áp dụng" ``marks`` (code -> reason); both matter only
    to a set with applicability."""
    na = not_applicable(cs, unit, marks)
    with localcontext(CONTEXT):
        per_indicator: dict[str, Decimal] = {}
        met = _run_plan(_plan_for(cs), answers, per_indicator, na.indicators)
        return roll_up(cs, per_indicator, met, na)
