"""Totals from verified points: the same structure as ``forms.scoring`` but leaf points given.

A reviewer sets points on the indicators an officer answers (the leaves); a parent of a
``sum`` rule is the sum of its children capped at its maximum, a pillar the sum of its
top-level indicators capped at the pillar maximum, exactly as ``forms.scoring.score`` does
from answers. With every leaf accepted, ``verified_score`` therefore equals ``score``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, localcontext

from forms.applicability import NOTHING, NotApplicable, UnitFacts, not_applicable
from forms.criteria import CriteriaSet, Indicator, RuleKind
from forms.review.model import Review
from forms.rules import rule_kind
from forms.scoring import CONTEXT, Score, clamp, roll_up

_ZERO = Decimal(0)


def _sums_children(ind: Indicator) -> bool:
    return bool(ind.children) and rule_kind(ind.rule.kind).sums_children


def counted_only(ind: Indicator) -> bool:
    """A pass/fail target worth 0 points: it only counts, so its points cannot say it is met."""
    return ind.rule.kind is RuleKind.TARGET and not ind.children and ind.max_points == 0


def score_from_points(
    cs: CriteriaSet,
    leaf_points: Mapping[str, Decimal],
    met: Mapping[str, bool | None] | None = None,
    na: NotApplicable = NOTHING,
) -> Score:
    """A ``Score`` built from points per leaf indicator (missing leaves score 0). A target
    with points is met when they reach its maximum; a 0-point target when ``met`` says so."""
    with localcontext(CONTEXT):
        per: dict[str, Decimal] = {}

        def walk(ind: Indicator) -> Decimal:
            if _sums_children(ind):
                value = sum((walk(child) for child in ind.children), _ZERO)
            else:
                for child in ind.children:  # a non-sum parent: children are shown, not summed
                    walk(child)
                value = Decimal(leaf_points.get(ind.code, _ZERO))
            per[ind.code] = clamp(value, ind.max_points)
            return per[ind.code]

        for pillar in cs.pillars:
            for top in pillar.indicators:
                walk(top)
        reached = {
            t.code
            for t in cs.targets()
            if t.code not in na.indicators
            and (
                (met or {}).get(t.code) is True if counted_only(t) else per[t.code] >= t.max_points
            )
        }
        return roll_up(cs, per, reached, na)


def reviewable(cs: CriteriaSet) -> list[Indicator]:
    """The indicators a reviewer sets points on: those an officer answers."""
    return [ind for ind in cs.indicators() if not _sums_children(ind)]


def _na(cs: CriteriaSet, review: Review, *, verified: bool) -> NotApplicable:
    """What does not apply to the reviewed unit: by its kind and the commune's marks, and for
    the verified score without the marks the reviewer overturned."""
    app = review.applicability
    if app is None:
        return NOTHING
    gone = set(app.overturned) if verified else set()
    marks = {c: r for c, r in app.marks.items() if c not in gone}
    return not_applicable(cs, UnitFacts(app.unit_kind, review.submission.unit_code), marks)


def self_score(cs: CriteriaSet, review: Review) -> Score:
    """The package's own score (the same unit facts and marks)."""
    points = {code: item.self_points for code, item in review.items.items()}
    met = {c: i.self_met for c, i in review.items.items()}
    return score_from_points(cs, points, met, _na(cs, review, verified=False))


def verified_score(cs: CriteriaSet, review: Review) -> Score:
    """By the reviewer's points, under the same policy, with overturned marks applying."""
    points = {code: item.verified_points for code, item in review.items.items()}
    met = {c: i.met for c, i in review.items.items()}
    return score_from_points(cs, points, met, _na(cs, review, verified=True))


@dataclass(frozen=True)
class PillarLine:
    """One row of the self vs verified summary (``code`` "" is the total row)."""

    code: str
    name: str
    max_points: Decimal
    self_points: Decimal  # rounded for display by the set's rule
    verified_points: Decimal

    @property
    def difference(self) -> Decimal:
        return self.verified_points - self.self_points


@dataclass(frozen=True)
class Comparison:
    pillars: tuple[PillarLine, ...]
    total: PillarLine
    self_classification: str
    verified_classification: str


def pillar_comparison(cs: CriteriaSet, self_: Score, verified: Score) -> Comparison:
    lines = tuple(
        PillarLine(
            p.code,
            p.name,
            p.max_points,
            self_.published_pillars[p.code],
            verified.published_pillars[p.code],
        )
        for p in cs.pillars
    )
    total = PillarLine("", "", cs.total_points, self_.published_total, verified.published_total)
    return Comparison(lines, total, self_.classification, verified.classification)


def summary_dict(self_: Score, verified: Score) -> dict[str, object]:
    """What the signed body records about totals (checked again on import)."""
    from forms.packages.manifest import decimal_text

    def part(s: Score) -> dict[str, object]:
        return {
            "pillars": {k: decimal_text(v) for k, v in s.pillars.items()},
            "total": decimal_text(s.total),
            "published_total": str(s.published_total),
            "classification": s.classification,
        }

    return {"self": part(self_), "verified": part(verified)}
