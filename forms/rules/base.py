"""What a rule kind declares, in one place: the fields it reads, its set checks, its
scoring, its description and its answer checks.

A kind is a ``RuleKindSpec`` instance registered in ``forms.rules``; ``forms.scoring``,
``forms.rule_text``, ``forms.validation``, ``forms.criteria_checks`` and
``forms.packages.answer_check`` look the kind up there instead of branching on ``RuleKind``.
The defaults below are what most kinds do; a kind overrides what it does differently.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from forms.criteria import Field, FieldKind, Indicator, Rule, RuleKind
from forms.i18n import N_, _
from forms.problems import Problem

ZERO = Decimal(0)


class SetChecks(Protocol):
    """What a kind's set checks report through (``forms.criteria_checks`` implements it)."""

    def add(self, code: str, message: str, obj: object, attr: str = "") -> None:
        """One problem, located at ``obj`` (and its attribute ``attr``)."""
        ...

    def ok(self, *objs: object) -> bool:
        """True if none of ``objs`` carries a placeholder value (a reader reported it)."""
        ...

    def rule_field(self, ind: Indicator, key: str, attr: str) -> Field | None:
        """The field ``key`` the rule reads, checked to exist and be of the kind's field kinds."""
        ...


class RuleKindSpec(ABC):
    """One rule kind. Subclasses set the class attributes and override what differs."""

    kind: ClassVar[RuleKind]
    name: ClassVar[str]  # the Vietnamese name (marked with N_, translated when shown)
    # the ``Rule`` attributes naming the fields the rule reads, in order
    reads: ClassVar[tuple[str, ...]] = ("field",)
    field_kinds: ClassVar[tuple[FieldKind, ...]] = ()  # the kinds those fields may have
    sums_children: ClassVar[bool] = False  # points are the children's, added and capped
    # ``answer_problem`` looks across fields (a verifier must not remember fields one by one)
    across_fields: ClassVar[bool] = False
    # the version of the kind's meaning this code writes sets for; a kind whose scoring
    # changes gets a new version and keeps the old meaning in ``meanings`` (packages signed
    # under a released set must re-score to what they were signed with, forever)
    version: ClassVar[int] = 1
    zero_points: ClassVar[bool] = False  # a maximum of 0 is allowed (targets, information)
    thresholds: ClassVar[bool] = False  # the rule reads ``at_least`` / ``at_most``

    def meanings(self) -> Mapping[int, Callable[[Indicator, Mapping[str, Any]], Decimal]]:
        """Every released meaning of the kind's scoring, by version; the current version's
        is ``points`` (``points_for`` relies on it)."""
        return {self.version: self.points}

    def points_for(self, version: int) -> Callable[[Indicator, Mapping[str, Any]], Decimal]:
        """The scoring of ``version``; a KeyError for a version this code does not know
        (a set naming one is refused when read, never mis-scored)."""
        if version == self.version:
            return self.points
        return self.meanings()[version]

    def read_keys(self, rule: Rule) -> tuple[str, ...]:
        """The keys of the fields ``rule`` reads."""
        return tuple(getattr(rule, attr) for attr in self.reads)

    # --- scoring -------------------------------------------------------------------------

    @abstractmethod
    def points(self, ind: Indicator, values: Mapping[str, Any]) -> Decimal:
        """Points of an indicator without children, before clamping to [0, max]; the caller
        holds ``forms.scoring.CONTEXT``. A missing or malformed value scores 0."""
        ...

    # --- plain words ---------------------------------------------------------------------

    @abstractmethod
    def describe(self, ind: Indicator) -> str:
        """The rule in one line of plain language (``forms.rule_text.describe_rule``)."""
        ...

    # --- set checks ----------------------------------------------------------------------

    def check_set(self, ind: Indicator, checks: SetChecks) -> None:
        """The rule of a leaf indicator against the set: its fields, then the kind's own."""
        for attr in self.reads:
            checks.rule_field(ind, getattr(ind.rule, attr), f"rule.{attr}")
        if not self.thresholds:
            unused_thresholds(ind, checks)
        self.check_rule(ind, checks)

    def check_rule(self, ind: Indicator, checks: SetChecks) -> None:
        """What the kind itself asks of its rule; by default, no tiers and no choices."""
        unused_tiers(ind, checks)
        unused_choices(ind, checks)

    # --- answers -------------------------------------------------------------------------

    def choice_keys(self, ind: Indicator, fld: Field) -> list[str] | None:
        """The option keys a choice field may hold, or None for any text: a rule's choices
        limit the field it reads."""
        rule = ind.rule
        return [c.key for c in rule.choices] if rule.field == fld.key else None

    def ceiling(self, ind: Indicator, fld: Field) -> Decimal | None:
        """The largest number ``fld`` may hold under this rule, or None for no limit."""
        return None

    def answer_problem(self, ind: Indicator, values: Mapping[str, Any]) -> Problem | None:
        """The one problem across the fields of an answer (``across_fields``), or None."""
        return None


def unused_tiers(ind: Indicator, checks: SetChecks) -> None:
    """A kind that does not score by tiers must not have any."""
    if ind.rule.tiers:
        _unused(
            ind,
            checks,
            N_(
                "Chỉ tiêu {code}: cách chấm “{kind}” không dùng bậc điểm, nhưng có bậc điểm được khai."
            ),
            ind.rule.tiers[0],
            "minimum",
        )


def unused_choices(ind: Indicator, checks: SetChecks) -> None:
    """A kind that does not score by choices must not have any."""
    if ind.rule.choices:
        _unused(
            ind,
            checks,
            N_(
                "Chỉ tiêu {code}: cách chấm “{kind}” không dùng lựa chọn, nhưng có lựa chọn được khai."
            ),
            ind.rule.choices[0],
            "key",
        )


def unused_thresholds(ind: Indicator, checks: SetChecks) -> None:
    """A kind that is not a target must not have thresholds."""
    rule = ind.rule
    if rule.at_least is not None or rule.at_most is not None:
        _unused(
            ind,
            checks,
            N_(
                "Chỉ tiêu {code}: cách chấm “{kind}” không dùng ngưỡng đạt, nhưng có ngưỡng được khai."
            ),
            ind,
            "rule.at_least" if rule.at_least is not None else "rule.at_most",
        )


def _unused(ind: Indicator, checks: SetChecks, message: str, first: object, attr: str) -> None:
    checks.add("rule_extra", _(message, code=ind.code, kind=ind.rule.kind.value), first, attr)
