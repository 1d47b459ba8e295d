"""Issue 16, real provincial sets: versioned rule meanings, pass/fail targets ("n of m
targets met", classing on targets), unscored indicators and information blocks read by
other indicators (``tests/forms/sample_sets.kinds_set``)."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forms.criteria import Band, ClassifyOn, CriteriaSet, Indicator, Rule, RuleKind, to_dict
from forms.criteria_checks import check_set
from forms.criteria_json import from_dict, load_json
from forms.criteria_xlsx import dump_xlsx, load_xlsx
from forms.problems import ProblemsError
from forms.reference import reference_set, released_sets
from forms.rule_text import describe_rule
from forms.rules import REGISTRY, current_versions
from forms.scoring import indicator_points, score
from forms.validation import validate_indicator
from tests.forms.sample_sets import kinds_set
from tests.forms.test_scoring_properties import _value

CS = kinds_set()
V1 = Path(__file__).parents[1] / "fixtures" / "packages" / "v1"


def _codes(exc: pytest.ExceptionInfo[ProblemsError]) -> list[str]:
    return [p.code for p in exc.value.problems]


def _with(cs: CriteriaSet, changed: Indicator) -> CriteriaSet:
    pillars = tuple(
        dataclasses.replace(
            p, indicators=tuple(changed if i.code == changed.code else i for i in p.indicators)
        )
        for p in cs.pillars
    )
    return dataclasses.replace(cs, pillars=pillars)


# --- versioned meanings --------------------------------------------------------------------


def test_sets_written_before_versions_keep_their_hash_and_record_no_versions():
    sets = [reference_set(), *released_sets(), load_json(V1 / "criteria.json")]
    for cs in sets:
        data = to_dict(cs)
        assert data["format"] == 1
        assert "rule_versions" not in data and "classify_on" not in data
        assert cs.rule_versions == () and cs.classify_on is ClassifyOn.POINTS
        # the JSON as committed hashes to what it hashed before (no key was added)
        assert from_dict(json.loads(json.dumps(data))).content_hash == cs.content_hash
    assert "bd7fae2e296ef33a8e096d428144e4012dec7aa23f10af7ce056fe03b4696d64" in {
        cs.content_hash for cs in sets
    }


def test_every_kind_today_is_at_its_first_meaning():
    assert {spec.version for spec in REGISTRY.values()} == {1}
    assert current_versions(RuleKind) == ()
    for spec in REGISTRY.values():
        assert spec.points_for(1) == spec.points


def test_an_unknown_future_rule_version_is_refused_not_mis_scored():
    data = to_dict(CS)
    data["rule_versions"] = {"yes_no": 2}
    with pytest.raises(ProblemsError) as exc:
        from_dict(data)
    assert _codes(exc) == ["rule_version"]
    assert exc.value.problems[0].where == "rule_versions.yes_no"
    data["rule_versions"] = {"no_such_kind": 1}
    with pytest.raises(ProblemsError) as exc:
        from_dict(data)
    assert _codes(exc) == ["rule_version"]


def test_a_first_version_written_out_is_the_default_and_hashes_the_same():
    data = to_dict(CS)
    data["rule_versions"] = {"yes_no": 1, "ratio": 1}
    assert from_dict(data).content_hash == CS.content_hash


def test_an_unknown_future_format_is_refused():
    data = to_dict(CS)
    data["format"] = 3  # 2 is applicability's (issue 16)
    with pytest.raises(ProblemsError) as exc:
        from_dict(data)
    assert _codes(exc) == ["format_version"]


def test_scoring_dispatches_on_the_version_the_set_was_written_for(monkeypatch):
    """A kind whose meaning changes keeps the old one: a set of the old version scores as
    before, a set of the new one by the new meaning."""
    spec = REGISTRY[RuleKind.YES_NO]
    old = spec.points

    def halved(ind, values):
        return old(ind, values) / 2

    # as a kind's next meaning is written: ``points`` is the new one, the old kept by version
    monkeypatch.setattr(type(spec), "version", 2)
    monkeypatch.setattr(type(spec), "points", lambda self, ind, values: halved(ind, values))
    monkeypatch.setattr(type(spec), "meanings", lambda self: {1: old, 2: self.points})
    answers = {"2.2.1": {"yes": True}}
    assert score(CS, answers).indicators["2.2.1"] == D(5)  # written for version 1
    data = to_dict(CS)
    data["rule_versions"] = {"yes_no": 2}
    newer = from_dict(data)
    assert newer.rule_version(RuleKind.YES_NO) == 2 and newer.content_hash != CS.content_hash
    assert score(newer, answers).indicators["2.2.1"] == D("2.5")
    assert indicator_points(newer.indicator("2.2.1"), answers, newer) == D("2.5")
    assert current_versions([RuleKind.YES_NO, RuleKind.RATIO]) == (("yes_no", 2),)


# --- targets -------------------------------------------------------------------------------


TARGETS = [
    ("5.1", {"pct": 60}, D(5), True),
    ("5.1", {"pct": "59,9"}, D(0), False),
    ("5.1", {"pct": 100}, D(5), True),
    ("5.1", {"pct": 120}, D(0), False),  # invalid: not met, no points
    ("5.1", {}, D(0), False),
    ("5.2", {"lop": 2}, D(0), True),  # a 0-point target only counts
    ("5.2", {"lop": 10}, D(0), True),
    ("5.2", {"lop": 11}, D(0), False),  # above "at most"
    ("5.2", {"lop": 1}, D(0), False),
    ("5.2", {"lop": "3,5"}, D(0), False),
]


@pytest.mark.parametrize(("code", "values", "points", "met"), TARGETS)
def test_a_target_is_met_at_its_threshold(code, values, points, met):
    result = score(CS, {code: values})
    assert result.indicators[code] == points
    assert result.targets_total == 2
    assert result.targets_met == (1 if met else 0)


def test_n_of_m_targets_met_and_classing_on_it():
    on_targets = dataclasses.replace(
        CS,
        classify_on=ClassifyOn.TARGETS,
        bands=(Band(D(2), "Đạt"), Band(D(1), "Đạt một phần"), Band(D(0), "Chưa đạt")),
    )
    assert check_set(on_targets) == []
    both = {"5.1": {"pct": 75}, "5.2": {"lop": 4}}
    assert (score(on_targets, both).targets_met, score(on_targets, both).classification) == (
        2,
        "Đạt",
    )
    one = {"5.1": {"pct": 10}, "5.2": {"lop": 4}}
    assert score(on_targets, one).classification == "Đạt một phần"
    assert score(on_targets, {}).classification == "Chưa đạt"
    # the same answers on points: 5 points, class by points
    assert score(CS, both).classification == "Trung bình"
    assert to_dict(on_targets)["classify_on"] == "targets"
    assert from_dict(to_dict(on_targets)).content_hash == on_targets.content_hash
    # bands on a count: a band above the number of targets is out of range
    too_high = dataclasses.replace(on_targets, bands=(Band(D(3), "Đạt"), Band(D(0), "Chưa")))
    assert [p.code for p in check_set(too_high)] == ["band_range"]


@settings(max_examples=200, deadline=None)
@given(
    low=st.integers(0, 100),
    high=st.one_of(st.none(), st.integers(0, 100)),
    v1=st.integers(0, 100),
    v2=st.integers(0, 100),
    points=st.integers(0, 20),
)
def test_targets_are_monotone_and_within_zero_and_max(low, high, v1, v2, points):
    if high is not None and high < low:
        low, high = high, low
    ind = dataclasses.replace(
        CS.indicator("5.1"),
        max_points=D(points),
        rule=Rule(RuleKind.TARGET, field="pct", at_least=D(low), at_most=None),
    )
    v1, v2 = sorted((v1, v2))
    p1 = indicator_points(ind, {"5.1": {"pct": v1}})
    p2 = indicator_points(ind, {"5.1": {"pct": v2}})
    assert D(0) <= p1 <= p2 <= D(points)  # at least: a higher value never loses the target
    bounded = dataclasses.replace(
        ind, rule=dataclasses.replace(ind.rule, at_most=None if high is None else D(high))
    )
    for v in (v1, v2):
        got = indicator_points(bounded, {"5.1": {"pct": v}})
        inside = v >= low and (high is None or v <= high)
        assert got == (D(points) if inside else D(0))


@pytest.mark.parametrize(
    ("code", "rule_changes", "max_points", "problem"),
    [
        ("5.1", {"at_least": None}, None, "target_no_threshold"),
        ("5.1", {"at_least": D(120)}, None, "target_range"),
        ("5.2", {"at_most": D(1)}, None, "target_order"),
        ("5.1", {"field": "nope"}, None, "rule_field_unknown"),
        ("5.3", {"denominator": "9.9/so_can_bo"}, None, "rule_field_unknown"),
        ("5.3", {"denominator": "4.1/ghi_chu"}, None, "rule_field_kind"),
        ("5.3", {"at_least": D(1)}, None, "rule_extra"),
        ("4.1", {}, D(3), "info_points"),
    ],
)
def test_set_checks_of_the_new_kinds(code, rule_changes, max_points, problem):
    ind = CS.indicator(code)
    changed = dataclasses.replace(
        ind,
        rule=dataclasses.replace(ind.rule, **rule_changes),
        max_points=ind.max_points if max_points is None else max_points,
    )
    problems = [p.code for p in check_set(_with(CS, changed)) if p.code != "pillar_unreachable"]
    assert problem in problems, problems


def test_only_targets_and_unscored_indicators_may_have_no_points():
    ind = CS.indicator("1.1")
    zero = dataclasses.replace(ind, max_points=D(0))
    assert "bad_points" in [p.code for p in check_set(_with(CS, zero))]
    assert check_set(CS) == []  # pillar 4 (an information block) has maximum 0


def test_descriptions_of_the_new_kinds():
    assert describe_rule(CS.indicator("5.1")) == "Đạt khi từ 60% trở lên: 5 điểm; không đạt: 0 điểm"
    assert describe_rule(CS.indicator("5.2")) == (
        "Đạt khi từ 2 đến 10 (không tính điểm, đếm vào số chỉ tiêu đạt)"
    )
    assert "Không tính điểm" in describe_rule(CS.indicator("4.1"))


# --- unscored indicators, read by others ---------------------------------------------------


def test_a_ratio_divides_by_a_field_of_an_unscored_block():
    answers = {"4.1": {"so_can_bo": 20}, "5.3": {"co_cks": 10}}
    result = score(CS, answers)
    assert result.indicators["5.3"] == D("2.5")
    assert result.indicators["4.1"] == D(0) and result.pillars["4"] == D(0)
    assert indicator_points(CS.indicator("5.3"), answers, CS) == D("2.5")
    # the numerator above the other indicator's denominator is invalid: 0, on both paths
    over = {"4.1": {"so_can_bo": 5}, "5.3": {"co_cks": 10}}
    assert score(CS, over).indicators["5.3"] == D(0)
    assert indicator_points(CS.indicator("5.3"), over) == D(0)
    # without the block's answer there is nothing to divide by
    assert score(CS, {"5.3": {"co_cks": 10}}).indicators["5.3"] == D(0)


def test_an_unscored_indicator_is_validated_like_any_other():
    assert [p.code for p in validate_indicator(CS, "4.1", {"so_can_bo": "mười"})] == ["not_number"]
    assert [p.code for p in validate_indicator(CS, "4.1", {})] == ["required"]
    assert validate_indicator(CS, "4.1", {"so_can_bo": 12, "ghi_chu": "đủ"}) == []


def test_the_new_kinds_survive_json_and_the_workbook(tmp_path):
    on_targets = dataclasses.replace(
        CS,
        classify_on=ClassifyOn.TARGETS,
        bands=(Band(D(2), "Đạt"), Band(D(0), "Chưa đạt")),
    )
    for cs in (CS, on_targets):
        again = from_dict(json.loads(json.dumps(to_dict(cs))))
        assert again == cs and again.content_hash == cs.content_hash
        path = tmp_path / f"{cs.classify_on.value}.xlsx"
        dump_xlsx(cs, path)
        back = load_xlsx(path)
        assert back.content_hash == cs.content_hash, (to_dict(back), to_dict(cs))


def test_validation_reads_the_other_indicators_field():
    """The page and finalising say why the ratio over the block's count scores 0."""
    from forms.validation import validate

    over = {"4.1": {"so_can_bo": 5}, "5.3": {"co_cks": 10}}
    problems = validate(CS, over)
    assert ("numerator_gt_denominator", "5.3/co_cks") in {(p.code, p.where) for p in problems}
    assert "numerator_gt_denominator" not in [
        p.code for p in validate(CS, {"4.1": {"so_can_bo": 50}, "5.3": {"co_cks": 10}})
    ]
    alone = validate_indicator(CS, "5.3", over["5.3"], answers=over)
    assert [p.code for p in alone] == ["numerator_gt_denominator"]


def test_is_met_and_readers():
    from forms.scoring import is_met, readers

    assert readers(CS) == {"4.1": ("5.3",)}
    assert is_met(CS.indicator("5.1"), {"5.1": {"pct": 60}}) is True
    assert is_met(CS.indicator("5.1"), {"5.1": {"pct": 160}}) is False  # invalid: not met
    assert is_met(CS.indicator("1.1"), {}) is None


def test_ranking_classes_on_targets_when_the_set_says_so():
    from forms.ranking import UnitResult, rank

    on_targets = dataclasses.replace(
        CS, classify_on=ClassifyOn.TARGETS, bands=(Band(D(2), "Đạt"), Band(D(0), "Chưa đạt"))
    )
    pillars = {p.code: D(0) for p in CS.pillars}
    rows = rank(
        on_targets,
        [
            UnitResult("25001", "Hòa Bình", "", {**pillars, "1": D(30)}, targets_met=0),
            UnitResult("25002", "Nông Trang", "", {**pillars, "5": D(5)}, targets_met=2),
        ],
    ).rows
    assert [(r.unit_code, r.classification) for r in rows] == [
        ("25001", "Chưa đạt"),  # more points, fewer targets
        ("25002", "Đạt"),
    ]
    with pytest.raises(ProblemsError) as exc:
        rank(on_targets, [UnitResult("25001", "Hòa Bình", "", pillars)])
    assert _codes(exc) == ["missing_targets"]


@st.composite
def _kinds_answers(draw):
    result = {}
    for ind in CS.leaves():
        if draw(st.booleans()):
            choices = [c.key for c in ind.rule.choices]
            result[ind.code] = {f.key: draw(_value(f.kind, choices)) for f in ind.fields}
    return result


@settings(max_examples=80, deadline=None)
@given(_kinds_answers())
def test_points_within_zero_and_max_over_the_set_of_new_kinds(given_answers):
    """The reference property (tests/forms/test_scoring_properties.py) over targets, an
    unscored block and a ratio over its field: every figure within [0, max], the memoised
    plan equal to the recursive walk, n of m within [0, m]."""
    result = score(CS, given_answers)
    for ind in CS.indicators():
        points = result.indicators[ind.code]
        assert D(0) <= points <= ind.max_points, ind.code
        assert points == indicator_points(ind, given_answers, CS), ind.code
    for pillar in CS.pillars:
        assert D(0) <= result.pillars[pillar.code] <= pillar.max_points
    assert result.pillars["4"] == 0 and result.indicators["4.1"] == 0
    assert 0 <= result.targets_met <= result.targets_total == 2


@pytest.mark.parametrize("fmt", [[1], {"v": 1}, "1", True, 1.5, None])
def test_a_malformed_format_is_refused_with_its_reason(fmt):
    data = to_dict(CS)
    data["format"] = fmt
    with pytest.raises(ProblemsError) as exc:
        from_dict(data)
    assert "format_version" in _codes(exc)


@pytest.mark.parametrize("block", [["so_can_bo", 20], "20", 20, None])
def test_a_malformed_answer_of_the_block_reads_as_missing(block):
    # (the block's own malformed answer is refused before scoring, by the answer checks of
    # the page and the package; the ratio reading it must not crash on it either)
    answers = {"4.1": block, "5.3": {"co_cks": 10}}
    assert indicator_points(CS.indicator("5.3"), answers, CS) == D(0)


@pytest.mark.parametrize("versions", [[["yes_no", 2]], "yes_no", {"yes_no": "1"}, {"yes_no": True}])
def test_malformed_rule_versions_are_refused(versions):
    data = to_dict(CS)
    data["rule_versions"] = versions
    with pytest.raises(ProblemsError) as exc:
        from_dict(data)
    assert set(_codes(exc)) <= {"rule_version", "wrong_type"} and _codes(exc)
