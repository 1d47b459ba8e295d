"""The editor's view of validation: problems per indicator and the five status icons.

All rules live in ``forms.validation`` (the core); this module only asks it and maps the
answer onto what the tree shows.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from enum import StrEnum

from forms import validation
from forms.criteria import CriteriaSet, Indicator
from forms.problems import Problem
from forms.scoring import Answers


class Status(StrEnum):
    EMPTY = "empty"
    INCOMPLETE = "incomplete"
    ERRORS = "error"
    EVIDENCE_MISSING = "evidence_missing"
    COMPLETE = "complete"


def check_indicator(
    cs: CriteriaSet, indicator: Indicator, answers: Answers, evidence: Mapping[str, int], year: int
) -> list[Problem]:
    """Live problems while typing: quiet about fields not filled in yet (``require_complete=False``)."""
    if indicator.children:
        return []
    return validation.validate_indicator(
        cs,
        indicator.code,
        answers.get(indicator.code),
        year=year,
        evidence_count=int(evidence.get(indicator.code, 0) or 0),
        require_complete=False,
        answers=answers,
    )


def problems_all(
    cs: CriteriaSet,
    answers: Answers,
    evidence: Mapping[str, int],
    year: int,
    not_applicable: Collection[str] = (),
) -> list[Problem]:
    """Every problem of the assessment, as checked before finalising (none of what does not
    apply to the unit)."""
    return validation.validate(
        cs, answers, year=year, evidence_counts=evidence, not_applicable=not_applicable
    )


def indicator_status(
    cs: CriteriaSet, indicator: Indicator, answers: Answers, evidence: Mapping[str, int], year: int
) -> Status:
    return Status(
        validation.indicator_status(
            cs,
            indicator.code,
            answers.get(indicator.code),
            int(evidence.get(indicator.code, 0) or 0),
            year=year,
            answers=answers,
            evidence_counts=evidence,
        )
    )


def combine(statuses: list[Status]) -> Status:
    return Status(validation.aggregate_status(s.value for s in statuses))


def field_of(problem: Problem, indicator: Indicator) -> str | None:
    """Which field of ``indicator`` a problem is about (``where`` is ``"<code>/<field>"``)."""
    code, _sep, key = (problem.where or "").partition("/")
    if code == indicator.code and indicator.field(key) is not None:
        return key
    return None
