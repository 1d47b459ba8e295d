"""The two criteria sets every commune and collector output is tested over (issue 16).

``reference``: the shipped set (7 pillars, 1,000 points, classed on points);
``tam-nhom``: ``tests/fixtures/criteria/dti-xa-2025-tam-nhom.json`` (an information block and
8 scored groups, ratios over the block, pass/fail targets, classed on the targets met).
The ``both_sets`` fixture (``tests/conftest.py``) gives each in turn; ``answers_for`` answers
any set at a level 0..4 from its rules, so one test body serves both.

The second set's population and households (1.1) are supplied by the province: a test that
fills or packages it signs a ``.dtidata`` with ``province_file`` (``None`` for a set without
supplied fields) and trusts the province's key with ``trust_province``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from forms.criteria import CriteriaSet, FieldKind, Indicator, RuleKind
from forms.criteria_json import load_json
from forms.packages.trust import ANY_UNIT, ROLE_PROVINCE_DATA, TrustRegistry
from forms.reference import reference_set
from tests.fixtures.criteria.build_second_set import JSON_PATH
from tests.province_data_helpers import province_signer, signed_data

SET_NAMES = ("reference", "tam-nhom")

# what an information block's counts hold in ``answers_for`` (ratios divide by them)
BLOCK_COUNT = 400


@cache
def second_set() -> CriteriaSet:
    return load_json(JSON_PATH)


def criteria_set(name: str) -> CriteriaSet:
    return {"reference": reference_set, "tam-nhom": second_set}[name]()


def _plain_value(field_kind: FieldKind, year: int) -> Any:
    if field_kind is FieldKind.DATE:
        return f"{year}-03-15"
    if field_kind is FieldKind.DOCREF:
        return {"number": "12/KH-UBND", "date": f"{year}-03-15", "issuer": "UBND xã",
                "summary": "Kế hoạch chuyển đổi số"}  # fmt: skip
    if field_kind is FieldKind.TEXT:
        return "Đã triển khai"
    if field_kind is FieldKind.BOOL:
        return True
    return BLOCK_COUNT  # counts and numbers of an information block


def _tiered(ind: Indicator, level: int) -> int:
    """Level 4 reaches the best tier, 3 the next, …; 0 scores nothing."""
    tiers = ind.rule.tiers
    step = 4 - level
    return 0 if level == 0 or step >= len(tiers) else int(tiers[step].minimum)


def _rule_values(ind: Indicator, level: int, target_met: bool) -> dict[str, Any]:
    rule = ind.rule
    kind = rule.kind
    if kind is RuleKind.YES_NO:
        return {rule.field: level >= 2}
    if kind is RuleKind.CHOICE:
        ranked = sorted(rule.choices, key=lambda c: c.points)
        return {rule.field: ranked[min(level * len(ranked) // 5, len(ranked) - 1)].key}
    if kind in (RuleKind.COUNT_TIERS, RuleKind.PERCENT_TIERS):
        return {rule.field: _tiered(ind, level)}
    if kind is RuleKind.DIRECT:
        return {rule.field: str(ind.max_points * level / 4)}
    if kind is RuleKind.TARGET:
        assert rule.at_least is not None
        low = int(rule.at_least)
        return {rule.field: low if target_met else max(low - 1, 0)}
    if kind is RuleKind.RATIO:
        if "/" in rule.denominator:  # over an information block: BLOCK_COUNT
            return {rule.numerator: BLOCK_COUNT * level // 4}
        return {rule.numerator: level, rule.denominator: 4}
    return {}


def answers_for(cs: CriteriaSet, level: int) -> dict[str, dict[str, Any]]:
    """Answers scoring more with a higher ``level`` (0..4), valid for the set's year.

    Target ``i`` (in set order) is met when ``i + level >= 4``: level 4 meets all, each level
    below one fewer, so units of different levels fall into different target bands."""
    targets = [t.code for t in cs.targets()]
    out: dict[str, dict[str, Any]] = {}
    for ind in cs.leaves():
        met = ind.code in targets and targets.index(ind.code) + level >= 4
        values = _rule_values(ind, level, met)
        for field in ind.fields:
            if field.key not in values and (field.required or ind.rule.kind is RuleKind.INFO):
                values[field.key] = _plain_value(field.kind, cs.year)
        out[ind.code] = values
    return out


def targets_met_for(cs: CriteriaSet, level: int) -> int:
    """How many targets ``answers_for(cs, level)`` meets."""
    n = len(cs.targets())
    return sum(1 for i in range(n) if i + level >= 4)


def supplied_fields(cs: CriteriaSet) -> list[str]:
    """The set's province-supplied fields, as ``"code/key"``."""
    return [f"{i.code}/{f.key}" for i in cs.leaves() for f in i.fields if f.province_supplied]


def province_file(
    cs: CriteriaSet, units: list[str], value: int = BLOCK_COUNT, **overrides: int
) -> bytes | None:
    """A signed ``.dtidata`` giving every unit ``value`` for each supplied field (the figure
    ``answers_for`` answers), or ``overrides`` by field ("1.1/so_ho" as ``so_ho``); ``None``
    when the set has no supplied field (its packages stay format 2)."""
    fields = supplied_fields(cs)
    if not fields:
        return None
    values = {f: overrides.get(f.split("/")[1], value) for f in fields}
    return signed_data(cs, {unit: dict(values) for unit in units})


def trust_province(trust: TrustRegistry) -> TrustRegistry:
    """``trust`` also trusting the key ``province_file`` signs with (role ``province_data``)."""
    trust.add_key(ANY_UNIT, province_signer().public_raw, "Sở KH&CN", roles=(ROLE_PROVINCE_DATA,))
    return trust
