"""Applicability: which indicators and pillars count for a unit (issue 16).

An indicator or pillar may apply only to some unit kinds (xã, phường, đặc khu) or to listed
units (``AppliesTo``), and the set may let the commune mark it "không áp dụng" with a reason
(``may_be_not_applicable``). What is not applicable to a unit scores nothing and leaves the
unit's maximum; the set's ``not_applicable`` policy says how totals of units with different
maxima compare (``NotApplicablePolicy``, see ``docs/criteria-format.md``).

Everything under a part that does not apply does not apply either, for the same reason.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from forms.criteria import AppliesTo, CriteriaSet, Indicator, Pillar, uses_applicability
from forms.i18n import _
from forms.problems import Problem
from forms.text import misleading_char

# the unit kinds since 1 July 2025, as the units list writes them (local_db.units.KINDS)
UNIT_KINDS = ("xã", "phường", "đặc khu")
MAX_REASON_CHARS = 500  # a sentence or two: "Xã không có chợ", a decision's number


class NaReason(StrEnum):
    UNIT = "unit"  # the set says it does not apply to this unit (its kind or its code)
    MARKED = "marked"  # the commune marked it "không áp dụng", with a reason


@dataclass(frozen=True)
class UnitFacts:
    """What applicability needs to know of the assessed unit; empty: not known (then every
    part applies, as before applicability existed)."""

    kind: str = ""
    code: str = ""


@dataclass(frozen=True)
class NotApplicable:
    """The parts that do not apply to one unit: code -> why, for pillars and indicators."""

    pillars: Mapping[str, NaReason] = field(default_factory=dict)
    indicators: Mapping[str, NaReason] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.pillars or self.indicators)

    def codes(self) -> dict[str, str]:
        """Every code (pillars and indicators) with its reason's value, for a ``Score``."""
        both = {**self.pillars, **self.indicators}
        return {code: why.value for code, why in both.items()}


NOTHING = NotApplicable()


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def applies(rule: AppliesTo | None, unit: UnitFacts) -> bool:
    """Whether a part with ``rule`` applies to ``unit``; an unknown unit gets every part."""
    if rule is None or (not unit.kind and not unit.code):
        return True
    return nfc(unit.kind) in rule.kinds or unit.code in rule.units


def _marked(part: Indicator | Pillar, marks: Mapping[str, str]) -> bool:
    """A mark counts only where the set allows it and with a reason (validation names the
    others; they score as if not there)."""
    reason = marks.get(part.code)
    return part.may_be_not_applicable and isinstance(reason, str) and bool(reason.strip())


def _why(part: Indicator | Pillar, unit: UnitFacts, marks: Mapping[str, str]) -> NaReason | None:
    if not applies(part.applies_to, unit):
        return NaReason.UNIT
    if _marked(part, marks):
        return NaReason.MARKED
    return None


def _walk(
    ind: Indicator,
    inherited: NaReason | None,
    unit: UnitFacts,
    marks: Mapping[str, str],
    out: dict[str, NaReason],
) -> None:
    why = inherited or _why(ind, unit, marks)
    if why is not None:
        out[ind.code] = why
    for child in ind.children:
        _walk(child, why, unit, marks, out)


def not_applicable(
    cs: CriteriaSet, unit: UnitFacts | None = None, marks: Mapping[str, str] | None = None
) -> NotApplicable:
    """What does not apply to ``unit`` under ``cs`` with the commune's ``marks`` (code ->
    reason). A set without applicability: nothing (and no work)."""
    if not in_use(cs):
        return NOTHING
    unit = unit or UnitFacts()
    marks = marks or {}
    pillars: dict[str, NaReason] = {}
    indicators: dict[str, NaReason] = {}
    for pillar in cs.pillars:
        why = _why(pillar, unit, marks)
        if why is not None:
            pillars[pillar.code] = why
        for top in pillar.indicators:
            _walk(top, why, unit, marks, indicators)
    if not pillars and not indicators:
        return NOTHING
    return NotApplicable(pillars, indicators)


def in_use(cs: CriteriaSet) -> bool:
    """``uses_applicability``, remembered on the (immutable) set: every score asks."""
    cached = cs.__dict__.get("_uses_applicability")
    if cached is None:
        cached = uses_applicability(cs)
        object.__setattr__(cs, "_uses_applicability", cached)
    return bool(cached)


@dataclass(frozen=True)
class Maxima:
    """The maxima that apply to one unit: each indicator's, each pillar's, the total's."""

    indicators: dict[str, Decimal]
    pillars: dict[str, Decimal]
    total: Decimal


def _indicator_max(ind: Indicator, na: NotApplicable, out: dict[str, Decimal]) -> Decimal:
    if ind.children:
        below = sum((_indicator_max(c, na, out) for c in ind.children), Decimal(0))
        maximum = min(ind.max_points, below)  # the extra of the children is capped
    else:
        maximum = ind.max_points
    if ind.code in na.indicators:
        maximum = Decimal(0)
    out[ind.code] = maximum
    return maximum


def maxima(cs: CriteriaSet, na: NotApplicable) -> Maxima:
    """The applicable maxima: a part that does not apply has 0, a parent or pillar what its
    applicable parts can reach (never more than its own maximum)."""
    indicators: dict[str, Decimal] = {}
    pillars: dict[str, Decimal] = {}
    for pillar in cs.pillars:
        below = sum((_indicator_max(i, na, indicators) for i in pillar.indicators), Decimal(0))
        if not na:
            pillars[pillar.code] = pillar.max_points
        elif pillar.code in na.pillars:
            pillars[pillar.code] = Decimal(0)
        else:
            pillars[pillar.code] = min(pillar.max_points, below)
    return Maxima(indicators, pillars, sum(pillars.values(), Decimal(0)))


def mark_allowed(cs: CriteriaSet, code: str) -> bool:
    """Whether the commune may mark ``code`` (an indicator or a pillar) "không áp dụng"."""
    part: Indicator | Pillar | None = cs.find(code)
    if part is None:
        part = next((p for p in cs.pillars if p.code == code), None)
    return part is not None and part.may_be_not_applicable


def read_applies_to(
    value: object, where: str, problem: Callable[[str, str, str], None]
) -> AppliesTo | None:
    """``applies_to`` of the JSON form (``{"kinds": [...], "units": [...]}``), or None when
    absent; a value of the wrong shape is a problem at ``where`` (the checks judge the
    contents: unknown kinds, an empty rule)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        problem("wrong_type", _("“{key}” phải là một đối tượng.", key="applies_to"), where)
        return None
    lists: dict[str, tuple[str, ...]] = {}
    for key in ("kinds", "units"):
        items = value.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            problem(
                "wrong_type",
                _("“{key}” phải là một danh sách chuỗi.", key=key),
                f"{where}.{key}",
            )
            items = []
        lists[key] = tuple(nfc(i).strip() for i in items)
    return AppliesTo(kinds=lists["kinds"], units=lists["units"])


def reason_problem(reason: object) -> Problem | None:
    """Why a "không áp dụng" reason cannot be kept (required, bounded, NFC, no control or
    bidi character), or None; ``where`` is left to the caller."""
    if not isinstance(reason, str) or not reason.strip():
        return Problem("na_reason_missing", _("Cần ghi lý do không áp dụng."), "")
    if len(reason) > MAX_REASON_CHARS:
        return Problem(
            "na_reason_too_long",
            _("Lý do không áp dụng dài quá {n} ký tự.", n=MAX_REASON_CHARS),
            "",
        )
    bad = misleading_char(reason)
    if bad is not None:
        return Problem(
            "na_reason_control",
            _("Lý do không áp dụng chứa ký tự điều khiển {char}.", char=bad),
            "",
        )
    if nfc(reason) != reason:
        return Problem("na_reason_not_nfc", _("Lý do không áp dụng chưa chuẩn hóa NFC."), "")
    return None


def mark_problems(cs: CriteriaSet, marks: object, where: str = "not_applicable") -> list[Problem]:
    """Every problem of the commune's marks (code -> reason) under ``cs``: a mark the set does
    not allow (``na_not_allowed``) or a bad reason; ``where`` + ``.code`` locates each."""
    if not isinstance(marks, Mapping):
        return [Problem("na_marks_invalid", _("Các đánh dấu không áp dụng không hợp lệ."), where)]
    out: list[Problem] = []
    for code, reason in marks.items():
        at = f"{where}.{code}"
        if not isinstance(code, str) or not mark_allowed(cs, code):
            out.append(
                Problem(
                    "na_not_allowed",
                    _("Bộ tiêu chí không cho phép đánh dấu {code} là không áp dụng.", code=code),
                    at,
                )
            )
            continue
        problem = reason_problem(reason)
        if problem is not None:
            out.append(Problem(problem.code, problem.message, at))
    return out


def describe_applies(rule: AppliesTo | None) -> str:
    """The rule in words for the officer: "chỉ áp dụng cho phường, đặc khu và đơn vị 00004"."""
    if rule is None:
        return ""
    kinds = ", ".join(rule.kinds)
    units = ", ".join(rule.units)
    if kinds and units:
        return _("chỉ áp dụng cho {kinds} và đơn vị {units}", kinds=kinds, units=units)
    if kinds:
        return _("chỉ áp dụng cho {kinds}", kinds=kinds)
    return _("chỉ áp dụng cho đơn vị {units}", units=units)


def why_text(cs: CriteriaSet, code: str, why: str, marks: Mapping[str, str]) -> str:
    """Why ``code`` does not apply, for the tree, the page and the report: the commune's
    reason, or the set's rule (that of the part itself or of the part above it)."""
    if why == NaReason.MARKED.value:
        reason = marks.get(code)
        if reason is None:  # marked above: the pillar's or the parent's mark
            reason = next((marks[c] for c in _above(cs, code) if c in marks), "")
        return _("Không áp dụng: {reason}", reason=reason)
    rule = None
    for c in [code, *_above(cs, code)]:
        part: Indicator | Pillar | None = cs.find(c) or next(
            (p for p in cs.pillars if p.code == c), None
        )
        if part is not None and part.applies_to is not None:
            rule = part.applies_to
            break
    return _("Không áp dụng cho đơn vị này ({rule})", rule=describe_applies(rule))


def _above(cs: CriteriaSet, code: str) -> list[str]:
    """The codes above ``code``: its parents, then its pillar (5.3.2 -> 5.3, 5)."""
    parts = code.split(".")
    return [".".join(parts[:n]) for n in range(len(parts) - 1, 0, -1)]
