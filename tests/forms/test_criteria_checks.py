"""Every consistency check, each provoked by one edit of the tiny set's JSON form.

Paths in the tiny set: pillars[0] = "1" (1.1 count tiers, 1.2 ratio), pillars[1] = "2"
(2.1 choice, 2.2 sum of 2.2.1 yes/no and 2.2.2 percent tiers), pillars[2] = "3" (3.1 direct).
"""

from __future__ import annotations

from typing import Any

import pytest

from forms.criteria import to_dict
from forms.criteria_checks import check_set
from forms.criteria_json import from_dict
from forms.problems import ProblemsError

from .sample_sets import tiny_set

P0 = "pillars[0].indicators"
I11 = f"{P0}[0]"
I12 = f"{P0}[1]"
I21 = "pillars[1].indicators[0]"
I22 = "pillars[1].indicators[1]"
I221 = f"{I22}.children[0]"
I222 = f"{I22}.children[1]"
I31 = "pillars[2].indicators[0]"


def _get(data: Any, path: str) -> Any:
    for part in path.replace("]", "").replace("[", ".").split("."):
        data = data[int(part)] if part.isdigit() else data[part]
    return data


def _set(data: dict, path: str, value: Any) -> None:
    parent, _, last = path.rpartition(".")
    target = _get(data, parent) if parent else data
    if last.endswith("]"):
        name, index = last[:-1].split("[")
        target[name][int(index)] = value
    else:
        target[last] = value


CASES: list[tuple[str, dict[str, Any], set[tuple[str, str]]]] = [
    ("duplicate indicator", {f"{I12}.code": "1.1"}, {("duplicate_code", f"{I12}.code")}),
    (
        "duplicate pillar",
        {"pillars[2].code": "2"},
        {("duplicate_code", "pillars[2].code"), ("code_outside_parent", f"{I31}.code")},
    ),
    ("bad indicator code", {f"{I12}.code": "1.x"}, {("bad_code", f"{I12}.code")}),
    (
        "bad pillar code",
        {"pillars[2].code": "III"},
        {("bad_code", "pillars[2].code"), ("code_outside_parent", f"{I31}.code")},
    ),
    ("child outside parent", {f"{I221}.code": "2.3.1"}, {("code_outside_parent", f"{I221}.code")}),
    (
        "children do not reach parent",
        {f"{I221}.max_points": "1"},
        {("children_unreachable", f"{I22}.max_points")},
    ),
    ("pillars do not add up", {"total_points": "70"}, {("pillars_total", "total_points")}),
    (
        "pillar unreachable",
        {"pillars[0].max_points": "40"},
        {("pillar_unreachable", "pillars[0].max_points"), ("pillars_total", "total_points")},
    ),
    (
        "zero points",
        {f"{I31}.max_points": "0", "pillars[2].max_points": "0", "total_points": "52"},
        {("bad_points", f"{I31}.max_points"), ("bad_points", "pillars[2].max_points")},
    ),
    (
        "rule without field",
        {f"{I11}.rule.field": ""},
        {("rule_field_missing", f"{I11}.rule.field")},
    ),
    (
        "rule on unknown field",
        {f"{I11}.rule.field": "dem"},
        {("rule_field_unknown", f"{I11}.rule.field")},
    ),
    (
        "rule on wrong field kind",
        {f"{I21}.fields[0].kind": "count"},
        {("rule_field_kind", f"{I21}.rule.field")},
    ),
    (
        "ratio on one field",
        {f"{I12}.rule.denominator": "a"},
        {("ratio_same_field", f"{I12}.rule.denominator")},
    ),
    (
        "ratio numerator missing",
        {f"{I12}.rule.numerator": ""},
        {("rule_field_missing", f"{I12}.rule.numerator")},
    ),
    (
        "tiers out of order",
        {f"{I11}.rule.tiers[1].minimum": "5"},
        {("tiers_order", f"{I11}.rule.tiers[1].minimum")},
    ),
    (
        "equal tiers overlap",
        {f"{I11}.rule.tiers[1].minimum": "4"},
        {("tiers_order", f"{I11}.rule.tiers[1].minimum")},
    ),
    (
        "lower tier pays more",
        {f"{I11}.rule.tiers[2].points": "16"},
        {("tiers_points_order", f"{I11}.rule.tiers[2].points")},
    ),
    (
        "tier above max",
        {f"{I11}.rule.tiers[0].points": "25"},
        {
            ("tier_points", f"{I11}.rule.tiers[0].points"),
            ("max_unreachable", f"{I11}.rule.tiers[0].points"),
        },
    ),
    (
        "top tier below max",
        {f"{I11}.rule.tiers[0].points": "18"},
        {("max_unreachable", f"{I11}.rule.tiers[0].points")},
    ),
    (
        "percent tier above 100",
        {f"{I222}.rule.tiers[0].minimum": "120"},
        {("tier_range", f"{I222}.rule.tiers[0].minimum")},
    ),
    (
        "negative tier",
        {f"{I11}.rule.tiers[3].minimum": "-1"},
        {("tier_range", f"{I11}.rule.tiers[3].minimum")},
    ),
    (
        "fractional count tier",
        {f"{I11}.rule.tiers[3].minimum": "0.5"},
        {("tier_not_integer", f"{I11}.rule.tiers[3].minimum")},
    ),
    ("no tiers", {f"{I11}.rule.tiers": []}, {("no_tiers", f"{I11}.rule.tiers")}),
    (
        "tiers on a yes/no rule",
        {f"{I221}.rule.tiers": [{"minimum": "1", "points": "5"}]},
        {("rule_extra", f"{I221}.rule.tiers[0].minimum")},
    ),
    (
        "choices on a direct rule",
        {f"{I31}.rule.choices": [{"key": "x", "label": "X", "points": "1"}]},
        {("rule_extra", f"{I31}.rule.choices[0].key")},
    ),
    (
        "duplicate choice",
        {f"{I21}.rule.choices[2].key": "vice"},
        {("duplicate_choice", f"{I21}.rule.choices[2].key")},
    ),
    (
        "bad choice key",
        {f"{I21}.rule.choices[2].key": "không có"},
        {("bad_choice_key", f"{I21}.rule.choices[2].key")},
    ),
    (
        "choice without label",
        {f"{I21}.rule.choices[1].label": ""},
        {("empty_name", f"{I21}.rule.choices[1].label")},
    ),
    (
        "choice above max",
        {f"{I21}.rule.choices[1].points": "11"},
        {
            ("choice_points", f"{I21}.rule.choices[1].points"),
            ("max_unreachable", f"{I21}.max_points"),
        },
    ),
    (
        "best choice below max",
        {f"{I21}.rule.choices[0].points": "9"},
        {("max_unreachable", f"{I21}.max_points")},
    ),
    (
        "one choice only",
        {f"{I21}.rule.choices": [{"key": "chair", "label": "Chủ tịch", "points": "10"}]},
        {("no_choices", f"{I21}.rule.choices")},
    ),
    (
        "sum without children",
        {f"{I31}.rule.kind": "sum"},
        {("sum_without_children", f"{I31}.rule.kind")},
    ),
    (
        "children without sum",
        {f"{I22}.rule.kind": "direct"},
        {("children_need_sum", f"{I22}.rule.kind")},
    ),
    (
        "fields on a parent",
        {f"{I22}.fields": [{"key": "x", "kind": "text", "label": "X"}]},
        {("fields_on_parent", f"{I22}.fields[0].key")},
    ),
    ("indicator without name", {f"{I12}.name": ""}, {("empty_name", f"{I12}.name")}),
    ("pillar name of blanks", {"pillars[1].name": "   "}, {("empty_name", "pillars[1].name")}),
    ("set without title", {"title": ""}, {("empty_name", "title")}),
    ("set without version", {"version": ""}, {("empty_name", "version")}),
    ("bad set id", {"set_id": "Bộ 1"}, {("bad_set_id", "set_id")}),
    ("year out of range", {"year": 1999}, {("bad_year", "year")}),
    (
        "bad rounding mode",
        {"rounding": {"decimals": 2, "mode": "down"}},
        {("bad_rounding", "rounding.mode")},
    ),
    (
        "too many decimals",
        {"rounding": {"decimals": 9, "mode": "half_up"}},
        {("bad_rounding", "rounding.decimals")},
    ),
    (
        "field label empty",
        {f"{I12}.fields[1].label": ""},
        {("empty_name", f"{I12}.fields[1].label")},
    ),
    (
        "duplicate field",
        {f"{I12}.fields[1].key": "a"},
        {
            ("duplicate_field", f"{I12}.fields[1].key"),
            ("rule_field_unknown", f"{I12}.rule.denominator"),
        },
    ),
    (
        "bad field key",
        {f"{I31}.fields[0].key": "Điểm"},
        {("bad_field_key", f"{I31}.fields[0].key"), ("rule_field_unknown", f"{I31}.rule.field")},
    ),
    (
        "in-year on a count",
        {f"{I11}.fields[0].in_year": True},
        {("in_year_not_date", f"{I11}.fields[0].in_year")},
    ),
    ("bands out of order", {"bands[1].minimum": "50"}, {("bands_order", "bands[1].minimum")}),
    ("band above total", {"bands[0].minimum": "100"}, {("band_range", "bands[0].minimum")}),
    ("last band not zero", {"bands[2].minimum": "10"}, {("bands_floor", "bands[2].minimum")}),
    ("duplicate band label", {"bands[1].label": "tốt"}, {("duplicate_band", "bands[1].label")}),
    ("band without label", {"bands[1].label": ""}, {("empty_name", "bands[1].label")}),
    ("no bands", {"bands": []}, {("no_bands", "bands")}),
    ("no pillars", {"pillars": [], "total_points": "60"}, {("no_pillars", "pillars")}),
    (
        "pillar without indicators",
        {"pillars[2].indicators": [], "pillars[2].max_points": "8"},
        {("no_indicators", "pillars[2].indicators")},
    ),
]


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_each_check(edits, expected):
    data = to_dict(tiny_set())
    for path, value in edits.items():
        _set(data, path, value)
    with pytest.raises(ProblemsError) as caught:
        from_dict(data)
    found = {(p.code, p.where) for p in caught.value.problems}
    assert found == expected
    assert all(p.message for p in caught.value.problems)


def test_the_tiny_set_is_clean():
    assert check_set(tiny_set()) == []


def test_check_set_locates_by_json_path_by_default():
    from dataclasses import replace

    cs = tiny_set()
    broken = replace(cs, total_points=cs.total_points + 1)
    assert [(p.code, p.where) for p in check_set(broken)] == [("pillars_total", "total_points")]


def test_several_problems_are_all_listed():
    data = to_dict(tiny_set())
    _set(data, f"{I12}.code", "1.1")
    _set(data, f"{I11}.rule.tiers[1].minimum", "5")
    _set(data, "bands[2].minimum", "10")
    _set(data, f"{I21}.name", "")
    with pytest.raises(ProblemsError) as caught:
        from_dict(data)
    assert {p.code for p in caught.value.problems} == {
        "duplicate_code",
        "tiers_order",
        "bands_floor",
        "empty_name",
    }
