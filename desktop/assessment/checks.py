"""The editor's view of validation: problems per indicator and the five status icons.

All rules live in ``forms.validation`` (the core); this module only asks it and maps the
answer onto what the tree shows. It keeps the editor importable while the core grows: if
``forms.validation`` is not there yet, problems are empty and status is derived from which
fields are filled (no checking of values).
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from forms.criteria import CriteriaSet, Indicator
from forms.problems import Level, Problem
from forms.scoring import indicator_points

try:  # the criteria engine (issue 2)
    from forms import validation as _validation
except ImportError:  # pragma: no cover - only before forms.validation exists
    _validation = None


class Status(StrEnum):
    EMPTY = "empty"
    INCOMPLETE = "incomplete"
    ERRORS = "errors"
    EVIDENCE_MISSING = "evidence_missing"
    COMPLETE = "complete"


Answers = Mapping[str, Mapping[str, Any]]


def _call(fn, **kwargs):
    """Call a core function with the keyword arguments it accepts (its signature may grow)."""
    params = inspect.signature(fn).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return fn(**kwargs)
    return fn(**{k: v for k, v in kwargs.items() if k in params})


def check_indicator(
    cs: CriteriaSet, indicator: Indicator, answers: Answers, evidence: Mapping[str, int], year: int
) -> list[Problem]:
    if _validation is None:
        return []
    return list(
        _call(
            _validation.validate_indicator,
            cs=cs,
            indicator=indicator,
            code=indicator.code,
            answers=answers,
            evidence=evidence,
            evidence_counts=evidence,
            year=year,
        )
    )


def problems_all(cs: CriteriaSet, answers: Answers, evidence: Mapping[str, int], year: int) -> list[Problem]:
    if _validation is None:
        return []
    return list(
        _call(_validation.validate, cs=cs, answers=answers, evidence=evidence, evidence_counts=evidence, year=year)
    )


def _filled(value: Any) -> bool:
    if isinstance(value, dict):
        return any(str(v).strip() for v in value.values() if v is not None)
    return value is not None and value != ""


def indicator_status(
    cs: CriteriaSet, indicator: Indicator, answers: Answers, evidence: Mapping[str, int], year: int
) -> Status:
    """A parent's status is its worst child's; a leaf's comes from its fields and problems."""
    if indicator.children:
        statuses = [indicator_status(cs, c, answers, evidence, year) for c in indicator.children]
        return _combine(statuses)
    values = answers.get(indicator.code, {}) or {}
    if not any(_filled(values.get(f.key)) for f in indicator.fields):
        return Status.EMPTY
    problems = check_indicator(cs, indicator, answers, evidence, year)
    if any(_is_evidence(p) for p in problems if p.level is Level.ERROR) and not any(
        p.level is Level.ERROR and not _is_evidence(p) for p in problems
    ):
        return Status.EVIDENCE_MISSING
    if any(p.level is Level.ERROR and not _is_required(p) for p in problems):
        return Status.ERRORS
    if any(f.required and not _filled(values.get(f.key)) for f in indicator.fields):
        return Status.INCOMPLETE
    if any(_is_required(p) for p in problems):
        return Status.INCOMPLETE
    if any(_is_evidence(p) for p in problems):
        return Status.EVIDENCE_MISSING
    if (
        _validation is None
        and indicator.evidence.required
        and not evidence.get(indicator.code)
        and indicator_points(indicator, answers) > 0
    ):
        return Status.EVIDENCE_MISSING
    return Status.COMPLETE


def _is_evidence(problem: Problem) -> bool:
    return "evidence" in problem.code


def _is_required(problem: Problem) -> bool:
    return "required" in problem.code or "missing" in problem.code and "evidence" not in problem.code


_ORDER = [Status.ERRORS, Status.EVIDENCE_MISSING, Status.INCOMPLETE, Status.COMPLETE, Status.EMPTY]


def _combine(statuses: list[Status]) -> Status:
    if not statuses:
        return Status.EMPTY
    if all(s is Status.EMPTY for s in statuses):
        return Status.EMPTY
    if all(s is Status.COMPLETE for s in statuses):
        return Status.COMPLETE
    for s in _ORDER[:2]:
        if s in statuses:
            return s
    return Status.INCOMPLETE


def combine(statuses: list[Status]) -> Status:
    return _combine(statuses)


def field_of(problem: Problem, indicator: Indicator) -> str | None:
    """Which field of ``indicator`` a problem is about (from its ``where``), if any."""
    where = problem.where or ""
    for f in indicator.fields:
        for sep in ("/", ".", " ", ":", "[", "#"):
            if where.endswith(f"{sep}{f.key}") or f"{sep}{f.key}{sep}" in where or where == f.key:
                return f.key
    return None
