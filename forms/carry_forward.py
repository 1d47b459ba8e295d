"""Carrying answers forward: which of last year's answers and evidence may be offered for
this year's assessment, and why the others are not (issue 16).

Pure domain logic: ``match`` compares last year's set and answers with this year's set and
answers and returns a ``CarryPlan``; nothing is written here (``local_db.carry`` writes what
the officer confirms). A field of this year's set takes last year's answer from

* the set's mapping row naming it (``CriteriaSet.carry_forward``, sheet "Chuyển tiếp"), or
* without one, the field of the same key in the indicator of the same code.

The answer is offered only when the two fields mean the same: the same field kind, and for
a choice the same options (keys and labels; their points may change, the officer's answer
stays true). It is listed with the reason, not offered, when the kind or options changed,
when this year's assessment already has a value there (never overwritten), or when the value
fails this year's checks with an error (a date that must fall in the assessment year, a
document of last year where this year's is asked): carrying it would put an error into the
form the officer must then find and fix, so it is shown for reference only. A value that
only draws a warning (a count above its plausible maximum) is offered with that warning.

Evidence is attached per indicator: last year's files of the source indicator are offered
for this year's indicator, except a file (same content) already attached there.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from forms.criteria import CriteriaSet, Field, FieldKind, Indicator
from forms.i18n import _
from forms.problems import Level, Problem
from forms.validation import validate_indicator

Answers = Mapping[str, Mapping[str, Any]]


@dataclass(frozen=True)
class EvidenceRef:
    """One of last year's attachments: the stored file (by content) and its metadata."""

    attachment_id: int
    name: str
    sha256: str
    number: str = ""
    date: str = ""  # ISO yyyy-mm-dd or ""
    issuer: str = ""
    summary: str = ""


@dataclass(frozen=True)
class FieldOffer:
    to_code: str
    to_field: str
    from_code: str
    from_field: str
    value: Any  # last year's stored value
    mapped: bool  # found through the set's mapping rather than the same code and key
    blocked: str = ""  # why it is not offered ("" = offered)
    warnings: tuple[Problem, ...] = ()

    @property
    def offered(self) -> bool:
        return not self.blocked

    @property
    def key(self) -> str:
        return f"{self.to_code}/{self.to_field}"


@dataclass(frozen=True)
class EvidenceOffer:
    to_code: str
    from_code: str
    ref: EvidenceRef
    blocked: str = ""

    @property
    def offered(self) -> bool:
        return not self.blocked


@dataclass
class CarryPlan:
    from_year: int
    to_year: int
    fields: list[FieldOffer] = field(default_factory=list)
    evidence: list[EvidenceOffer] = field(default_factory=list)
    # last year's set: its fields say how last year's values read (a changed kind shows
    # last year's value as it was, not as this year's kind would show it)
    from_set: CriteriaSet | None = None

    def offered_count(self) -> int:
        return sum(o.offered for o in self.fields) + sum(o.offered for o in self.evidence)

    def codes(self) -> list[str]:
        """This year's indicators with anything listed, in the order the plan lists them."""
        seen: dict[str, None] = {}
        for code in [o.to_code for o in self.fields] + [o.to_code for o in self.evidence]:
            seen.setdefault(code, None)
        return list(seen)


def _kind_name(kind: FieldKind) -> str:
    """The kind as the workbook's "Loại" column spells it (what the set's author wrote)."""
    from forms.criteria_xlsx.columns import FIELD_KIND_NAMES

    return next((written for written, k in FIELD_KIND_NAMES if k is kind), kind.value)


def _options(ind: Indicator, fld: Field) -> tuple[tuple[str, str], ...]:
    if fld.kind is not FieldKind.CHOICE:
        return ()
    return tuple((c.key, c.label) for c in ind.rule.choices)


def _meaning_changed(old_ind: Indicator, old: Field, new_ind: Indicator, new: Field) -> str:
    """Why last year's field does not mean this year's ("" when it does)."""
    if old.kind is not new.kind:
        return _(
            "loại trường đã đổi ({old} → {new})",
            old=_kind_name(old.kind),
            new=_kind_name(new.kind),
        )
    if _options(old_ind, old) != _options(new_ind, new):
        return _("danh sách lựa chọn đã đổi")
    return ""


def _sources(
    old_cs: CriteriaSet, new_cs: CriteriaSet
) -> dict[tuple[str, str], tuple[str, str, bool]]:
    """(this year's code, key) -> (last year's code, key, through the mapping)."""
    sources: dict[tuple[str, str], tuple[str, str, bool]] = {}
    for ind in new_cs.leaves():
        old = old_cs.find(ind.code)
        for fld in ind.fields:
            if old is not None and not old.children and old.field(fld.key) is not None:
                sources[(ind.code, fld.key)] = (ind.code, fld.key, False)
    for link in new_cs.carry_forward:  # a mapping row wins over the same code and key
        target = new_cs.find(link.to_code)
        if target is None or target.children or target.field(link.to_field) is None:
            continue  # a set built in code, unchecked: a loaded set has no such row
        sources[(link.to_code, link.to_field)] = (link.from_code, link.from_field, True)
    return sources


def _field_offer(
    old_cs: CriteriaSet,
    new_cs: CriteriaSet,
    target: tuple[str, str],
    source: tuple[str, str, bool],
    value: Any,
    new_answers: Answers,
    year: int,
) -> FieldOffer:
    code, key = target
    from_code, from_key, mapped = source
    offer = FieldOffer(code, key, from_code, from_key, value, mapped)
    new_ind = new_cs.indicator(code)
    new_fld = new_ind.field(key)
    old_ind = old_cs.find(from_code)
    old_fld = old_ind.field(from_key) if old_ind is not None else None
    assert new_fld is not None  # a source exists only for fields of this year's set
    if old_ind is None or old_fld is None:
        return _replace(offer, blocked=_("bảng chuyển tiếp nêu trường không có trong bộ năm trước"))
    changed = _meaning_changed(old_ind, old_fld, new_ind, new_fld)
    if changed:
        return _replace(offer, blocked=changed)
    if new_answers.get(code, {}).get(key) is not None:
        return _replace(offer, blocked=_("năm nay đã có câu trả lời (giữ nguyên)"))
    values = {**new_answers.get(code, {}), key: value}
    problems = [
        p
        for p in validate_indicator(
            new_cs, code, values, year=year, require_complete=False, answers=new_answers
        )
        if p.where == f"{code}/{key}"
    ]
    errors = [p for p in problems if p.level is Level.ERROR]
    if errors:
        return _replace(offer, blocked=_("không hợp lệ năm nay: {why}", why=errors[0].message))
    return _replace(offer, warnings=tuple(p for p in problems if p.level is Level.WARNING))


def _replace(offer: FieldOffer, **changes: Any) -> FieldOffer:
    from dataclasses import replace

    return replace(offer, **changes)


def _evidence_sources(
    old_cs: CriteriaSet,
    new_cs: CriteriaSet,
    sources: Mapping[tuple[str, str], tuple[str, str, bool]],
) -> dict[str, list[str]]:
    """This year's code -> last year's codes whose files it is offered (same code first)."""
    out: dict[str, list[str]] = {}
    for ind in new_cs.leaves():
        old = old_cs.find(ind.code)
        if old is not None and not old.children:
            out.setdefault(ind.code, []).append(ind.code)
    for (code, _key), (from_code, _from_key, mapped) in sources.items():
        if mapped and old_cs.find(from_code) is not None and from_code not in out.get(code, []):
            out.setdefault(code, []).append(from_code)
    return out


def match(
    old_cs: CriteriaSet,
    old_answers: Answers,
    old_evidence: Mapping[str, Sequence[EvidenceRef]],
    new_cs: CriteriaSet,
    new_answers: Answers,
    new_evidence: Mapping[str, set[str]],
    *,
    from_year: int,
    to_year: int,
) -> CarryPlan:
    """What may be carried from last year's assessment into this year's.

    ``old_evidence``: last year's attachments per indicator code; ``new_evidence``: the sha256
    of the files already attached this year, per code. In this year's document order."""
    plan = CarryPlan(from_year, to_year, from_set=old_cs)
    sources = _sources(old_cs, new_cs)
    order = {ind.code: i for i, ind in enumerate(new_cs.leaves())}
    for target in sorted(sources, key=lambda t: (order.get(t[0], len(order)), t[1])):
        from_code, from_key, _mapped = sources[target]
        value = old_answers.get(from_code, {}).get(from_key)
        if value is None or value == "" or value == {}:
            continue  # nothing was answered last year: nothing to offer
        plan.fields.append(
            _field_offer(old_cs, new_cs, target, sources[target], value, new_answers, to_year)
        )
    by_code = _evidence_sources(old_cs, new_cs, sources)
    for code in sorted(by_code, key=lambda c: order.get(c, len(order))):
        attached = new_evidence.get(code, set())
        listed: set[str] = set()
        for from_code in by_code[code]:
            for ref in old_evidence.get(from_code, ()):
                if ref.sha256 in listed:
                    continue  # the same file cited twice last year: listed once
                listed.add(ref.sha256)
                blocked = _("tệp này năm nay đã được đính kèm") if ref.sha256 in attached else ""
                plan.evidence.append(EvidenceOffer(code, from_code, ref, blocked))
    return plan
