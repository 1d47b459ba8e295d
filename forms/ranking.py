"""Ranking and classification of units: pure, from per-unit results and a criteria set.

Rules (the province's, as published in its yearly decision):

- Units are ranked on the *published* total (rounded by the set's rule), highest first. Ranking
  on the unrounded total would give two units printed as "812,35" different ranks and put them
  in an order the reader cannot check.
- Ties share a rank, the next rank skips ("competition ranking": 1, 1, 3).
- Within a tie, names are ordered the Vietnamese way by the name proper ("Xã Yên Lạc" under Y;
  ``forms.vi_collate``), then by unit code so
  the order is total and the same on every machine.
- Units flagged "not ranked" are listed after every ranked unit, with no rank and the set's
  ``not_ranked_label`` instead of a classification.
- Ranks are computed over the whole list and again within each group (former district, area).
- Classification by the set's bands on the published total (as ``forms.scoring`` does).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from forms.criteria import ClassifyOn, CriteriaSet, NotApplicablePolicy
from forms.i18n import _
from forms.problems import Problem, ProblemsError
from forms.scoring import classify, classify_share, round_points
from forms.vi_collate import sort_key, unit_sort_key


@dataclass(frozen=True)
class UnitResult:
    """One unit's scores for a year, as merged (unrounded) or as read from a published table."""

    unit_code: str
    name: str
    group: str
    pillars: Mapping[str, Decimal]  # pillar code -> points
    total: Decimal | None = None  # None: the sum of the pillars
    not_ranked: bool = False
    # the pass/fail targets met (``Score.targets_met``): what a set classifying on targets
    # classes by; None where the source does not carry it
    targets_met: int | None = None
    # applicability (issue 16): the maximum that applies to the unit; None: the set's total
    applicable_max: Decimal | None = None
    # the version of the unit's "not ranked" mark read with it (0: never marked), for a change
    # of the mark to send as ``based_on`` (issue 18)
    mark_version: int = 0


@dataclass(frozen=True)
class PreviousResult:
    """A unit's standing in an earlier year (merged, or imported from a published table)."""

    rank: int | None
    total: Decimal


@dataclass(frozen=True)
class RankedRow:
    unit_code: str
    name: str
    group: str
    pillars: dict[str, Decimal]  # rounded by the set's rule, in the set's pillar order
    total: Decimal  # rounded
    classification: str  # a band label, or the set's not_ranked_label
    rank: int | None  # overall; None when not ranked
    group_rank: int | None
    not_ranked: bool = False
    previous: PreviousResult | None = None
    targets_met: int | None = None  # the pass/fail targets met, where the result says
    # a set with applicability (issue 16): the unit's applicable maximum, and under the
    # policy "out_of_applicable" the total's percentage of it (rounded as the set rounds)
    applicable_max: Decimal | None = None
    percent: Decimal | None = None
    mark_version: int = 0  # the "not ranked" mark's version (``UnitResult.mark_version``)

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous year (positive = moved up)."""
        if self.previous is None or self.previous.rank is None or self.rank is None:
            return None
        return self.previous.rank - self.rank

    @property
    def points_change(self) -> Decimal | None:
        return None if self.previous is None else self.total - self.previous.total


@dataclass(frozen=True)
class Ranking:
    criteria: CriteriaSet
    year: int
    rows: tuple[RankedRow, ...]  # overall order: ranked by rank, then not-ranked units
    groups: tuple[str, ...] = field(default=())  # group names in table order

    def by_group(self) -> list[tuple[str, list[RankedRow]]]:
        """The appendix order: groups in Vietnamese order, each by group rank, not-ranked last."""
        out: list[tuple[str, list[RankedRow]]] = []
        for group in self.groups:
            members = [r for r in self.rows if r.group == group]
            members.sort(key=_group_order)
            out.append((group, members))
        return out

    def classification_counts(self) -> dict[str, int]:
        counts = {_nfc(band.label): 0 for band in self.criteria.bands}
        for row in self.rows:
            if not row.not_ranked:
                counts[row.classification] = counts.get(row.classification, 0) + 1
        return counts


def _group_order(row: RankedRow) -> tuple:
    return (row.not_ranked, row.group_rank or 0, -row.total, unit_sort_key(row.name), row.unit_code)


def _competition_ranks(totals: Sequence[Decimal | Fraction]) -> list[int]:
    """Ranks for totals already sorted highest first: equal totals share, the next skips."""
    ranks: list[int] = []
    for i, total in enumerate(totals):
        ranks.append(ranks[-1] if i and total == totals[i - 1] else i + 1)
    return ranks


def _check(cs: CriteriaSet, results: list[UnitResult]) -> None:
    problems: list[Problem] = []
    codes = [p.code for p in cs.pillars]
    seen: set[str] = set()
    for r in results:
        where = f"{r.unit_code} {r.name}".strip()
        if r.unit_code in seen:
            problems.append(
                Problem(
                    "duplicate_unit",
                    _(
                        "Đơn vị {code} có hai kết quả trong cùng một bảng xếp hạng",
                        code=r.unit_code,
                    ),
                    where,
                )
            )
        seen.add(r.unit_code)
        missing = [c for c in codes if c not in r.pillars]
        if missing:
            problems.append(
                Problem(
                    "missing_pillar",
                    _("Thiếu điểm trụ cột {pillars}", pillars=", ".join(missing)),
                    where,
                )
            )
        if cs.classify_on is ClassifyOn.TARGETS and r.targets_met is None and not r.not_ranked:
            # classing it by points instead would be a wrong label, silently
            problems.append(
                Problem(
                    "missing_targets",
                    _("Thiếu số chỉ tiêu đạt (bộ tiêu chí xếp loại theo số chỉ tiêu đạt)"),
                    where,
                )
            )
        values = list(r.pillars.values()) + ([r.total] if r.total is not None else [])
        if any(not isinstance(v, Decimal) or not v.is_finite() or v < 0 for v in values):
            problems.append(
                Problem("bad_value", _("Điểm không hợp lệ (âm hoặc không phải số)"), where)
            )
    if problems:
        raise ProblemsError(problems)


def rank(
    cs: CriteriaSet,
    results: Iterable[UnitResult],
    *,
    year: int | None = None,
    previous: Mapping[str, PreviousResult] | None = None,
) -> Ranking:
    """Rank ``results`` under ``cs``. Raises ``ProblemsError`` on duplicate units or bad scores."""
    items = list(results)
    _check(cs, items)
    previous = previous or {}
    prepared = []
    for r in items:
        pillars = {p.code: round_points(r.pillars[p.code], cs.rounding) for p in cs.pillars}
        raw_total = (
            r.total
            if r.total is not None
            else sum((r.pillars[p.code] for p in cs.pillars), Decimal(0))
        )
        total = round_points(raw_total, cs.rounding)
        prepared.append((r, pillars, total))

    def tie_order(item: tuple[UnitResult, dict[str, Decimal], Decimal]) -> tuple:
        r, _pillars, total = item
        return (-_ranked_on(cs, r, total), unit_sort_key(r.name), r.unit_code)

    ranked = sorted((x for x in prepared if not x[0].not_ranked), key=tie_order)
    unranked = sorted((x for x in prepared if x[0].not_ranked), key=tie_order)
    overall = _competition_ranks([_ranked_on(cs, r, t) for r, _p, t in ranked])

    group_ranks: dict[str, int] = {}
    by_group: dict[str, list[int]] = {}
    for i, (r, _p, _t) in enumerate(ranked):
        by_group.setdefault(r.group, []).append(i)
    for indices in by_group.values():
        ranks = _competition_ranks([_ranked_on(cs, ranked[i][0], ranked[i][2]) for i in indices])
        for i, gr in zip(indices, ranks, strict=True):
            group_ranks[ranked[i][0].unit_code] = gr

    rows: list[RankedRow] = []
    for (r, pillars, total), overall_rank in zip(ranked, overall, strict=True):
        rows.append(
            RankedRow(
                r.unit_code, _nfc(r.name), _nfc(r.group), pillars, total,
                _nfc(_classification(cs, r, total)),
                overall_rank, group_ranks[r.unit_code], False, previous.get(r.unit_code),
                r.targets_met,
                *_applicable(cs, r, total), mark_version=r.mark_version,
            )
        )  # fmt: skip
    for r, pillars, total in unranked:
        rows.append(
            RankedRow(
                r.unit_code, _nfc(r.name), _nfc(r.group), pillars, total,
                _nfc(cs.not_ranked_label),
                None, None, True, previous.get(r.unit_code), r.targets_met,
                *_applicable(cs, r, total), mark_version=r.mark_version,
            )
        )  # fmt: skip
    groups = tuple(sorted({row.group for row in rows}, key=sort_key))
    return Ranking(cs, cs.year if year is None else year, tuple(rows), groups)


def _out_of_applicable(cs: CriteriaSet) -> bool:
    return cs.not_applicable is NotApplicablePolicy.OUT_OF_APPLICABLE


def _maximum(cs: CriteriaSet, r: UnitResult) -> Decimal:
    return cs.total_points if r.applicable_max is None else r.applicable_max


def _ranked_on(cs: CriteriaSet, r: UnitResult, total: Decimal) -> Fraction:
    """What units are ranked on: the published total, or under ``out_of_applicable`` its
    share of the unit's applicable maximum (exact: 40 of 45 and 48 of 54 tie)."""
    if not _out_of_applicable(cs):
        return Fraction(total)
    maximum = _maximum(cs, r)
    return Fraction(total) / Fraction(maximum) if maximum > 0 else Fraction(0)


def _classification(cs: CriteriaSet, r: UnitResult, total: Decimal) -> str:
    if _out_of_applicable(cs) and cs.classify_on is ClassifyOn.POINTS:
        return classify_share(total, cs.total_points, _maximum(cs, r), cs.bands)
    return classify(_classed_on(cs, r, total), cs.bands)


def _applicable(
    cs: CriteriaSet, r: UnitResult, total: Decimal
) -> tuple[Decimal | None, Decimal | None]:
    """(applicable maximum, percentage) of a row: both only for a set with applicability,
    the percentage only when the ranking compares it."""
    if cs.not_applicable is None:
        return (None, None)
    maximum = _maximum(cs, r)
    if not _out_of_applicable(cs):
        return (maximum, None)
    percent = total * 100 / maximum if maximum > 0 else Decimal(0)
    return (maximum, round_points(percent, cs.rounding))


def _classed_on(cs: CriteriaSet, r: UnitResult, total: Decimal) -> Decimal:
    """The published total, or the number of targets met when the set classes on it."""
    if cs.classify_on is ClassifyOn.TARGETS and r.targets_met is not None:
        return Decimal(r.targets_met)
    return total


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)
