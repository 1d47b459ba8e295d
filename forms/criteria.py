"""The criteria set ("schema"): versioned data describing what is asked and how it scores.

A criteria set is immutable once loaded. Its identity is ``content_hash``: the sha256 of its
canonical JSON serialisation (sorted keys, no whitespace, NFC text, decimals as strings),
so the same set compiled on any machine has the same hash.

Points are ``Decimal`` throughout: binary floats would let two machines disagree on a
published score by one ulp, and published scores are rounded half-up.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

FORMAT_VERSION = 1
# format 2: a set using applicability (``applies_to``, ``may_be_not_applicable``,
# ``not_applicable``); written only by such a set, so a verifier that knows format 1 alone
# refuses it instead of scoring every indicator for every unit (issue 16)
APPLICABILITY_FORMAT = 2
# the format versions this code reads (it keeps every released one; a later one is refused)
FORMATS_READ = frozenset({1, APPLICABILITY_FORMAT})
# a kind's first meaning: a set records a kind's version only when it is another one
FIRST_RULE_VERSION = 1
# a field whose value the province supplies (``Field.supplied_by``)
SUPPLIED_BY_PROVINCE = "province"


class FieldKind(StrEnum):
    BOOL = "bool"  # yes / no
    CHOICE = "choice"  # one option key out of the rule's choices
    COUNT = "count"  # integer >= 0
    PERCENT = "percent"  # number in [0, 100]
    NUMBER = "number"  # decimal >= 0 (direct entry of points, amounts)
    DATE = "date"  # ISO date yyyy-mm-dd
    TEXT = "text"
    DOCREF = "docref"  # document reference: number, date, issuer, summary


class RuleKind(StrEnum):
    YES_NO = "yes_no"  # field (bool): yes -> max, no -> 0
    CHOICE = "choice"  # field (choice): the chosen option's points
    COUNT_TIERS = "count_tiers"  # field (count): first tier whose minimum is reached
    PERCENT_TIERS = "percent_tiers"  # field (percent): same, on a percentage
    RATIO = "ratio"  # numerator / denominator x max, capped at 1
    DIRECT = "direct"  # field (number): points typed in, within [0, max]
    SUM = "sum"  # sum of the children's points, capped at max
    TARGET = "target"  # field (count/percent/number): met at a threshold -> max, else 0
    INFO = "info"  # no points: fields collected and validated, read by other indicators


class ZeroDenominator(StrEnum):
    ZERO = "zero"  # b = 0 scores 0 points
    FULL = "full"  # b = 0 scores the maximum (nothing to do, nothing missed)


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class Field:
    key: str
    kind: FieldKind
    label: str
    required: bool = True
    in_year: bool = False  # dates must fall inside the assessment year
    unit: str = ""  # shown after the input, e.g. "cuộc họp", "%"
    # above it a count or number is implausible (1,000,000 meetings a year): a warning to
    # check the value, not an error; None: no such bound
    plausible_max: Decimal | None = None
    # "province" (SUPPLIED_BY_PROVINCE): the commune does not type it, the value comes from the
    # province's signed ``.dtidata`` file (forms.province_data); "" : the commune types it.
    # ``supplied_source`` says where the province takes it from (shown beside the value).
    supplied_by: str = ""
    supplied_source: str = ""

    @property
    def province_supplied(self) -> bool:
        return self.supplied_by == SUPPLIED_BY_PROVINCE


@dataclass(frozen=True)
class Tier:
    """``value >= minimum`` earns ``points``; tiers are listed from the highest minimum down."""

    minimum: Decimal
    points: Decimal


@dataclass(frozen=True)
class Choice:
    key: str
    label: str
    points: Decimal


@dataclass(frozen=True)
class Rule:
    kind: RuleKind
    field: str = ""  # the input the rule reads (all kinds but ratio and sum)
    numerator: str = ""  # ratio
    denominator: str = ""  # ratio
    zero_denominator: ZeroDenominator = ZeroDenominator.ZERO
    tiers: tuple[Tier, ...] = ()
    choices: tuple[Choice, ...] = ()
    at_least: Decimal | None = None  # target: met when the value is at least this
    at_most: Decimal | None = None  # target: and (optionally) at most this


@dataclass(frozen=True)
class Evidence:
    required: bool = False
    severity: Severity = Severity.WARNING  # missing evidence when points > 0
    description: str = ""


@dataclass(frozen=True)
class AppliesTo:
    """Which units an indicator or pillar applies to: those of one of ``kinds`` (xã, phường,
    đặc khu) and those listed by code in ``units``; nothing given means every unit."""

    kinds: tuple[str, ...] = ()
    units: tuple[str, ...] = ()


class NotApplicablePolicy(StrEnum):
    # a unit's maximum is what applies to it; bands and ranking compare percentages
    OUT_OF_APPLICABLE = "out_of_applicable"
    # the total is brought back to the full scale: total x full / applicable, then rounded
    RESCALE = "rescale"


@dataclass(frozen=True)
class Indicator:
    code: str  # "5.3" or "5.3.2"
    name: str
    max_points: Decimal
    rule: Rule
    fields: tuple[Field, ...] = ()
    evidence: Evidence = Evidence()
    data_source: str = ""
    verifier: str = ""
    help: str = ""
    children: tuple[Indicator, ...] = ()
    applies_to: AppliesTo | None = None  # None: every unit
    may_be_not_applicable: bool = False  # the commune may mark it "không áp dụng" (a reason)

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)

    def walk(self) -> Iterator[Indicator]:
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def unscored(self) -> bool:
        """Only information (``info`` rules) under it: shown apart, without points."""
        return all(i.rule.kind is RuleKind.INFO for i in self.walk() if not i.children)


@dataclass(frozen=True)
class Pillar:
    code: str  # "1" .. "7"
    name: str
    max_points: Decimal
    indicators: tuple[Indicator, ...] = ()
    applies_to: AppliesTo | None = None  # None: every unit
    may_be_not_applicable: bool = False

    def walk(self) -> Iterator[Indicator]:
        for indicator in self.indicators:
            yield from indicator.walk()

    @property
    def unscored(self) -> bool:
        """An information block ("Thông tin chung"): only unscored indicators."""
        return bool(self.indicators) and all(i.unscored for i in self.indicators)


@dataclass(frozen=True)
class Band:
    """A classification band: a total of at least ``minimum`` earns ``label``."""

    minimum: Decimal
    label: str


@dataclass(frozen=True)
class Rounding:
    decimals: int = 2
    mode: str = "half_up"  # "half_up" or "half_even"


@dataclass(frozen=True)
class CarryLink:
    """A row of the set's carry-forward mapping ("Chuyển tiếp"): last year's answer to field
    ``from_field`` of indicator ``from_code`` is offered for ``to_code``/``to_field`` of this
    set (an indicator renumbered, a field renamed). Without a row, the same code and key match."""

    from_code: str
    from_field: str
    to_code: str
    to_field: str


class ClassifyOn(StrEnum):
    POINTS = "points"  # the bands are totals of points
    TARGETS = "targets"  # the bands are numbers of targets met


@dataclass(frozen=True)
class CriteriaSet:
    set_id: str  # stable name, e.g. "dti-xa-2025"
    level: str  # "commune" (xã/phường) ...
    year: int
    version: str
    title: str
    total_points: Decimal
    pillars: tuple[Pillar, ...]
    bands: tuple[Band, ...]  # highest minimum first; the last one may have minimum 0
    rounding: Rounding = Rounding()
    not_ranked_label: str = "-"
    reference: bool = False  # a reference set shipped with the app, not an official one
    classify_on: ClassifyOn = ClassifyOn.POINTS
    # (rule kind, version) for every kind the set was written for at another version than
    # the first, sorted; () means every kind at its first meaning (every set before versions)
    rule_versions: tuple[tuple[str, int], ...] = ()
    # how last year's answers map onto this set where codes or keys changed (optional)
    carry_forward: tuple[CarryLink, ...] = ()
    # Decree 30/2020/NĐ-CP: the package must carry the organisation's signature beside the
    # chairman's (``organisation_signature_required`` in the JSON, written only when true)
    organisation_signature: bool = False
    # what "không áp dụng" does to the maximum; None: the set has no applicability
    not_applicable: NotApplicablePolicy | None = None
    _index: dict[str, Indicator] = field(
        default_factory=dict, compare=False, repr=False, hash=False
    )

    def __post_init__(self) -> None:
        index = {ind.code: ind for pillar in self.pillars for ind in pillar.walk()}
        object.__setattr__(self, "_index", index)

    def indicators(self) -> list[Indicator]:
        """Every indicator, parents before children, in document order."""
        return [ind for pillar in self.pillars for ind in pillar.walk()]

    def leaves(self) -> list[Indicator]:
        """The indicators an officer answers (those without children)."""
        return [ind for ind in self.indicators() if not ind.children]

    def indicator(self, code: str) -> Indicator:
        return self._index[code]

    def rule_version(self, kind: RuleKind) -> int:
        """The version of ``kind``'s meaning this set was written for."""
        if not self.rule_versions:  # every set written before versions
            return FIRST_RULE_VERSION
        return dict(self.rule_versions).get(kind.value, FIRST_RULE_VERSION)

    def targets(self) -> tuple[Indicator, ...]:
        """The indicators scored as pass/fail targets, in document order (cached: every
        score asks)."""
        cached = self.__dict__.get("_targets")
        if cached is None:
            cached = tuple(
                i for i in self._index.values() if i.rule.kind is RuleKind.TARGET and not i.children
            )
            object.__setattr__(self, "_targets", cached)
        return cached

    def find(self, code: str) -> Indicator | None:
        return self._index.get(code)

    def pillar_of(self, code: str) -> Pillar:
        for pillar in self.pillars:
            if any(ind.code == code for ind in pillar.walk()):
                return pillar
        raise KeyError(code)

    @property
    def content_hash(self) -> str:
        # Cached on the instance: the set is immutable, and packages and the GUI ask often.
        # (dataclasses.replace builds a new instance, so a changed copy is hashed afresh.)
        cached = self.__dict__.get("_content_hash")
        if cached is None:
            cached = hashlib.sha256(canonical_bytes(self)).hexdigest()
            object.__setattr__(self, "_content_hash", cached)
        return cached

    @property
    def short_id(self) -> str:
        return f"{self.set_id} {self.year} v{self.version} ({self.content_hash[:12]})"


# --- canonical serialisation ----------------------------------------------------------


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _dec(value: Decimal) -> str:
    # normalise so that 20, 20.0 and 20.00 hash the same
    text = format(value.normalize(), "f")
    return text


def _rule_dict(rule: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": rule.kind.value,
        "field": rule.field,
        "numerator": rule.numerator,
        "denominator": rule.denominator,
        "zero_denominator": rule.zero_denominator.value,
        "tiers": [{"minimum": _dec(t.minimum), "points": _dec(t.points)} for t in rule.tiers],
        "choices": [
            {"key": c.key, "label": _nfc(c.label), "points": _dec(c.points)} for c in rule.choices
        ],
    }
    # only when set, as every key added after the first format: the hashes of sets without
    # them stay what they were
    if rule.at_least is not None:
        out["at_least"] = _dec(rule.at_least)
    if rule.at_most is not None:
        out["at_most"] = _dec(rule.at_most)
    return out


def _field_dict(f: Field) -> dict[str, Any]:
    out: dict[str, Any] = {
        "key": f.key,
        "kind": f.kind.value,
        "label": _nfc(f.label),
        "required": f.required,
        "in_year": f.in_year,
        "unit": _nfc(f.unit),
    }
    # only when set: the content hash of a set without it is what it was before it existed
    if f.plausible_max is not None:
        out["plausible_max"] = _dec(f.plausible_max)
    if f.supplied_by:
        out["supplied_by"] = f.supplied_by
        out["supplied_source"] = _nfc(f.supplied_source)
    elif f.supplied_source:  # kept so that the set checks can name it
        out["supplied_source"] = _nfc(f.supplied_source)
    return out


def _applicability_dict(part: Indicator | Pillar, out: dict[str, Any]) -> dict[str, Any]:
    """``out`` with the part's applicability keys, only where given (format 2)."""
    if part.applies_to is not None:
        out["applies_to"] = {
            "kinds": [_nfc(k) for k in part.applies_to.kinds],
            "units": list(part.applies_to.units),
        }
    if part.may_be_not_applicable:
        out["may_be_not_applicable"] = True
    return out


def uses_applicability(cs: CriteriaSet) -> bool:
    """Whether the set says anything about applicability (then it is written as format 2)."""
    parts: list[Indicator | Pillar] = [*cs.pillars, *cs.indicators()]
    return cs.not_applicable is not None or any(
        p.applies_to is not None or p.may_be_not_applicable for p in parts
    )


def _indicator_dict(ind: Indicator) -> dict[str, Any]:
    return _applicability_dict(
        ind,
        {
            "code": ind.code,
            "name": _nfc(ind.name),
            "max_points": _dec(ind.max_points),
            "rule": _rule_dict(ind.rule),
            "fields": [_field_dict(f) for f in ind.fields],
            "evidence": {
                "required": ind.evidence.required,
                "severity": ind.evidence.severity.value,
                "description": _nfc(ind.evidence.description),
            },
            "data_source": _nfc(ind.data_source),
            "verifier": _nfc(ind.verifier),
            "help": _nfc(ind.help),
            "children": [_indicator_dict(c) for c in ind.children],
        },
    )


def to_dict(cs: CriteriaSet) -> dict[str, Any]:
    """The compiled-JSON form of a criteria set (also what the content hash covers)."""
    out: dict[str, Any] = {
        "format": FORMAT_VERSION,
        "set_id": cs.set_id,
        "level": cs.level,
        "year": cs.year,
        "version": cs.version,
        "title": _nfc(cs.title),
        "total_points": _dec(cs.total_points),
        "reference": cs.reference,
        "not_ranked_label": _nfc(cs.not_ranked_label),
        "rounding": {"decimals": cs.rounding.decimals, "mode": cs.rounding.mode},
        "bands": [{"minimum": _dec(b.minimum), "label": _nfc(b.label)} for b in cs.bands],
        "pillars": [
            _applicability_dict(
                p,
                {
                    "code": p.code,
                    "name": _nfc(p.name),
                    "max_points": _dec(p.max_points),
                    "indicators": [_indicator_dict(i) for i in p.indicators],
                },
            )
            for p in cs.pillars
        ],
    }
    if uses_applicability(cs):
        out["format"] = APPLICABILITY_FORMAT
    if cs.not_applicable is not None:
        out["not_applicable"] = cs.not_applicable.value
    if cs.classify_on is not ClassifyOn.POINTS:
        out["classify_on"] = cs.classify_on.value
    if cs.rule_versions:
        out["rule_versions"] = dict(cs.rule_versions)
    if cs.carry_forward:  # only when given: a set without a mapping keeps its hash
        out["carry_forward"] = [
            {
                "from_code": link.from_code,
                "from_field": link.from_field,
                "to_code": link.to_code,
                "to_field": link.to_field,
            }
            for link in cs.carry_forward
        ]
    if cs.organisation_signature:  # only when set: every other set keeps its hash
        out["organisation_signature_required"] = True
    return out


def canonical_bytes(cs: CriteriaSet) -> bytes:
    """The bytes the set's content hash is taken over (forms.canonical's one encoding)."""
    from forms.canonical import canonical_bytes as encode

    return encode(to_dict(cs))
