"""Properties of scoring over arbitrary (also malformed) answers, on the reference set."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from forms.applicability import UNIT_KINDS, UnitFacts
from forms.criteria import FieldKind, NotApplicablePolicy, RuleKind
from forms.reference import reference_set
from forms.scoring import classify, indicator_points, score

from .sample_sets import with_applicability

CS = reference_set()
LEAVES = CS.leaves()
RATIOS = [i for i in LEAVES if i.rule.kind is RuleKind.RATIO]

_GARBAGE = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


def _value(kind: FieldKind, choices: list[str]):
    plausible = {
        FieldKind.BOOL: st.booleans(),
        FieldKind.CHOICE: st.sampled_from(choices) if choices else st.text(max_size=4),
        FieldKind.COUNT: st.integers(0, 3000),
        FieldKind.PERCENT: st.decimals(0, 100, places=2).map(str),
        FieldKind.NUMBER: st.decimals(-5, 300, places=2),
        FieldKind.DATE: st.dates().map(lambda d: d.isoformat()),
        FieldKind.TEXT: st.text(max_size=5),
        FieldKind.DOCREF: st.fixed_dictionaries({"number": st.text(max_size=3)}),
    }[kind]
    return st.one_of(plausible, plausible, _GARBAGE)  # mostly plausible, sometimes rubbish


@st.composite
def answers(draw):
    result = {}
    for ind in LEAVES:
        if draw(st.booleans()):
            choices = [c.key for c in ind.rule.choices]
            result[ind.code] = {f.key: draw(_value(f.kind, choices)) for f in ind.fields}
    return result


@settings(max_examples=60, deadline=None)
@given(answers())
def test_points_always_within_zero_and_max(given_answers):
    result = score(CS, given_answers)
    for ind in CS.indicators():
        assert D(0) <= result.indicators[ind.code] <= ind.max_points, ind.code
    for pillar in CS.pillars:
        # a pillar's sum never exceeds its maximum
        assert D(0) <= result.pillars[pillar.code] <= pillar.max_points
    assert result.total == sum(result.pillars.values())
    assert result.total <= CS.total_points
    assert result.classification == classify(result.published_total, CS.bands)


@settings(max_examples=30, deadline=None)
@given(answers())
def test_scoring_is_deterministic_and_order_free(given_answers):
    reordered = dict(reversed(list(given_answers.items())))
    assert score(CS, given_answers) == score(CS, reordered)


@given(
    index=st.integers(0, len(RATIOS) - 1),
    a1=st.integers(0, 500),
    a2=st.integers(0, 500),
    b=st.integers(0, 500),
)
def test_ratio_is_monotone_in_the_numerator(index, a1, a2, b):
    """Up to the denominator; above it the answer is invalid and scores 0 (issue 15)."""
    ind = RATIOS[index]
    low, high = sorted((a1, a2))

    def points(a):
        return indicator_points(ind, {ind.code: {ind.rule.numerator: a, ind.rule.denominator: b}})

    if high <= b:
        assert points(low) <= points(high) <= ind.max_points
    else:
        assert points(high) == 0


@given(
    st.decimals(0, 1000, places=4, allow_nan=False),
    st.decimals(0, 1000, places=4, allow_nan=False),
)
def test_classification_is_monotone_in_the_total(t1, t2):
    order = [b.label for b in CS.bands]  # best first
    low, high = sorted((t1, t2))
    assert order.index(classify(high, CS.bands)) <= order.index(classify(low, CS.bands))


def test_full_marks_reach_the_total():
    full = {}
    for ind in LEAVES:
        r = ind.rule
        if r.kind is RuleKind.YES_NO:
            full[ind.code] = {r.field: True}
        elif r.kind is RuleKind.CHOICE:
            full[ind.code] = {r.field: max(r.choices, key=lambda c: c.points).key}
        elif r.kind in (RuleKind.COUNT_TIERS, RuleKind.PERCENT_TIERS):
            full[ind.code] = {r.field: str(r.tiers[0].minimum)}
        elif r.kind is RuleKind.RATIO:
            full[ind.code] = {r.numerator: 7, r.denominator: 7}
        elif r.kind is RuleKind.DIRECT:
            full[ind.code] = {r.field: str(ind.max_points)}
    result = score(CS, full)
    assert result.total == D(1000)
    assert result.published_total == D("1000.00")
    assert result.classification == "Tốt"
    assert score(CS, {}).classification == "Trung bình"


# --- applicability (issue 16): the reference set with parts that do not apply ------------

_CODES = [p.code for p in CS.pillars] + [i.code for i in CS.indicators()]
_LEAF_CODES = [i.code for i in LEAVES]
# every 5th leaf only for phường, every 7th only for xã and đặc khu; every part markable
_APPLIES = {
    **{c: ["phường"] for c in _LEAF_CODES[::5]},
    **{c: ["xã", "đặc khu"] for c in _LEAF_CODES[3::7]},
}
NA_SETS = {
    policy: with_applicability(CS, policy=policy, applies=_APPLIES, markable=_CODES)
    for policy in NotApplicablePolicy
}
_UNITS = st.builds(
    UnitFacts, st.sampled_from([*UNIT_KINDS, ""]), st.sampled_from(["00001", "00004", ""])
)
_MARKS = st.sets(st.sampled_from(_CODES), max_size=12)


@settings(max_examples=40, deadline=None)
@given(
    answers(),
    st.sampled_from(list(NotApplicablePolicy)),
    _UNITS,
    _MARKS,
)
def test_points_within_zero_and_max_with_parts_not_applicable(given_answers, policy, unit, marked):
    cs = NA_SETS[policy]
    result = score(cs, given_answers, unit=unit, marks=dict.fromkeys(marked, "lý do"))
    assert result.applicable_max is not None and result.scaled_total is not None
    for ind in cs.indicators():
        applicable = result.applicable_indicators[ind.code]
        assert D(0) <= result.indicators[ind.code] <= applicable <= ind.max_points, ind.code
    for pillar in cs.pillars:
        applicable = result.applicable_pillars[pillar.code]
        assert D(0) <= result.pillars[pillar.code] <= applicable <= pillar.max_points
    assert D(0) <= result.total <= result.applicable_max <= cs.total_points
    assert D(0) <= result.scaled_total <= cs.total_points
    assert D(0) <= result.published_total <= cs.total_points
    if policy is NotApplicablePolicy.RESCALE:
        assert result.scaled_total >= result.total  # the applicable maximum is never above full
    else:
        assert result.scaled_total == result.total


@settings(max_examples=40, deadline=None)
@given(answers(), _UNITS, _MARKS, _MARKS)
def test_marking_more_never_raises_the_unrescaled_points(given_answers, unit, some, more):
    cs = NA_SETS[NotApplicablePolicy.RESCALE]
    fewer = score(cs, given_answers, unit=unit, marks=dict.fromkeys(some, "lý do"))
    most = score(cs, given_answers, unit=unit, marks=dict.fromkeys(some | more, "lý do"))
    assert most.total <= fewer.total
    assert most.applicable_max is not None and fewer.applicable_max is not None
    assert most.applicable_max <= fewer.applicable_max
    for code, points in most.pillars.items():
        assert points <= fewer.pillars[code]


@settings(max_examples=30, deadline=None)
@given(answers())
def test_a_unit_everything_applies_to_scores_as_without_applicability(given_answers):
    plain = score(CS, given_answers)
    for policy in NotApplicablePolicy:
        # markable parts, none marked, no part restricted: the same numbers as before
        cs = with_applicability(CS, policy=policy, markable=_CODES)
        result = score(cs, given_answers, unit=UnitFacts("xã", "00001"))
        assert result.total == plain.total
        assert result.published_total == plain.published_total
        assert result.classification == plain.classification
