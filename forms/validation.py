"""Checking answers against a criteria set: per field, per indicator, per assessment.

Errors (``Level.ERROR``) block finalising an assessment; warnings must be acknowledged.
``where`` is ``"<indicator code>/<field key>"`` (``"<code>/evidence"`` for evidence), so the
GUI can put each message next to its input. Messages name the indicator code and the
field's label, in the user's language.

``validate_indicator`` serves live validation while typing (pass ``require_complete=False``
to stay quiet about fields not filled in yet); ``validate`` is the finalise-time check of a
whole assessment, where an unanswered required field is an error.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any, Literal

from forms.criteria import CriteriaSet, Severity
from forms.field_checks import (
    DOCREF_PARTS,
    DOCREF_REQUIRED,
    MAX_TEXT,
    FieldChecker,
    across_fields_problem,
    docref_verdict_key,
    field_problems,
    is_empty,
    parse_date,
)
from forms.i18n import _
from forms.problems import Level, Problem
from forms.scoring import cross_reads, indicator_points, leaf_values

Status = Literal["empty", "incomplete", "error", "complete", "evidence_missing"]

# the checks of one value live in ``forms.field_checks``; re-exported for callers that import them here
__all__ = [
    "DOCREF_PARTS",
    "DOCREF_REQUIRED",
    "MAX_TEXT",
    "Status",
    "across_fields_problem",
    "aggregate_status",
    "docref_verdict_key",
    "field_problems",
    "indicator_status",
    "is_empty",
    "parse_date",
    "validate",
    "validate_indicator",
]


def validate_indicator(
    cs: CriteriaSet,
    code: str,
    values: Mapping[str, Any] | None,
    *,
    year: int | None = None,
    evidence_count: int | None = None,
    require_complete: bool = True,
    answers: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[Problem]:
    """Problems with one indicator's answers. ``evidence_count=None`` skips the evidence check;
    ``answers`` (the whole assessment's) gives the fields of other indicators a rule reads
    (a ratio over ``4.1/so_can_bo``), so the page says why it scores 0."""
    ind = cs.find(code)
    if ind is None:
        return [
            Problem(
                "unknown_indicator",
                _("Bộ tiêu chí không có chỉ tiêu {code}.", code=code),
                code,
                Level.WARNING,
            )
        ]
    if values is None:
        values = {}
    if not isinstance(values, Mapping):
        return [
            Problem(
                "bad_answer", _("Chỉ tiêu {code}: câu trả lời không đúng dạng.", code=code), code
            )
        ]
    checker = FieldChecker(ind, cs.year if year is None else year)
    for fld in ind.fields:
        value = values.get(fld.key)
        if is_empty(value):
            if fld.province_supplied and require_complete:
                # the commune cannot type it: the province's file is what is missing
                message = _("Chỉ tiêu {code}: chờ dữ liệu tỉnh cho “{field}” ({source}); nhập tệp dữ liệu tỉnh cung cấp (.dtidata).", code=code, field=fld.label, source=fld.supplied_source)  # fmt: skip
                checker.add(fld, "province_pending", message)
            elif fld.required and require_complete:
                checker.add(
                    fld,
                    "required",
                    _("Chỉ tiêu {code}: chưa nhập “{field}”.", code=code, field=fld.label),
                )
            continue
        checker.check(fld, value)
    problems = checker.problems
    known = {f.key for f in ind.fields}
    for key in values:
        if key not in known and not is_empty(values[key]):
            problems.append(
                Problem(
                    "unknown_field",
                    _(
                        "Chỉ tiêu {code}: không có trường “{key}” (giá trị bị bỏ qua).",
                        code=code,
                        key=key,
                    ),
                    f"{code}/{key}",
                    Level.WARNING,
                )
            )
    # the whole assessment only for a rule reading another indicator's field (copying it for
    # every indicator would make the finalise check quadratic)
    everything = {**answers, code: values} if answers and cross_reads(ind) else {code: values}
    across = across_fields_problem(ind, leaf_values(ind, everything))
    if across is not None:
        problems.append(across)
    needs_evidence = evidence_count is not None and ind.evidence.required and evidence_count <= 0
    # evidence is asked for the points claimed: an indicator scoring 0 needs none
    if needs_evidence and not ind.children and indicator_points(ind, everything, cs) > 0:
        level = Level.ERROR if ind.evidence.severity is Severity.ERROR else Level.WARNING
        problems.append(
            Problem(
                "evidence_missing",
                _(
                    "Chỉ tiêu {code} có điểm nhưng chưa đính kèm tài liệu kiểm chứng: {evidence}.",
                    code=code,
                    evidence=ind.evidence.description or _("theo yêu cầu của bộ tiêu chí"),
                ),
                f"{code}/evidence",
                level,
            )
        )
    return problems


def validate(
    cs: CriteriaSet,
    answers: Mapping[str, Mapping[str, Any]],
    *,
    year: int | None = None,
    evidence_counts: Mapping[str, int] | None = None,
    not_applicable: Collection[str] = (),
) -> list[Problem]:
    """Every problem of a whole assessment, as checked before finalising (leaves in set order);
    the indicators in ``not_applicable`` (``Score.not_applicable``) are not asked for."""
    problems: list[Problem] = []
    if not isinstance(answers, Mapping):
        return [Problem("bad_answer", _("Câu trả lời của bản đánh giá không đúng dạng."), "")]
    for ind in cs.leaves():
        if ind.code in not_applicable:
            continue
        count = None if evidence_counts is None else int(evidence_counts.get(ind.code, 0) or 0)
        problems += validate_indicator(
            cs, ind.code, answers.get(ind.code), year=year, evidence_count=count, answers=answers
        )
    for code in answers:
        found = cs.find(code)
        if found is None:
            problems.append(
                Problem(
                    "unknown_indicator",
                    _(
                        "Có câu trả lời cho chỉ tiêu {code}, nhưng bộ tiêu chí không có chỉ tiêu này (bỏ qua).",
                        code=code,
                    ),
                    str(code),
                    Level.WARNING,
                )
            )
        elif found.children and any(not is_empty(v) for v in (answers[code] or {}).values()):
            problems.append(
                Problem(
                    "parent_answered",
                    _(
                        "Chỉ tiêu {code} được tính từ các chỉ tiêu con; giá trị nhập trực tiếp bị bỏ qua.",
                        code=code,
                    ),
                    str(code),
                    Level.WARNING,
                )
            )
    return problems


def aggregate_status(statuses: Iterable[Status]) -> Status:
    """The status of a parent indicator or pillar from its children's statuses."""
    seen = set(statuses)
    if not seen or seen == {"empty"}:
        return "empty"
    if "error" in seen:
        return "error"
    if seen <= {"complete"}:
        return "complete"
    if seen <= {"complete", "evidence_missing"}:
        return "evidence_missing"
    return "incomplete"


def indicator_status(
    cs: CriteriaSet,
    code: str,
    values: Mapping[str, Any] | None,
    evidence_count: int | None = None,
    *,
    year: int | None = None,
    answers: Mapping[str, Mapping[str, Any]] | None = None,
    evidence_counts: Mapping[str, int] | None = None,
) -> Status:
    """The icon state of one indicator in the GUI tree.

    For a parent indicator pass ``answers`` (and ``evidence_counts``): its state is made from
    its children's.
    """
    ind = cs.find(code)
    if ind is None:
        return "error"
    if ind.children:
        answers = answers or {}
        return aggregate_status(
            indicator_status(
                cs,
                child.code,
                answers.get(child.code),
                None if evidence_counts is None else evidence_counts.get(child.code, 0),
                year=year,
                answers=answers,
                evidence_counts=evidence_counts,
            )
            for child in ind.children
        )
    if not isinstance(values, Mapping):
        return "empty" if values is None else "error"
    if all(is_empty(values.get(f.key)) for f in ind.fields):
        return "empty"
    problems = validate_indicator(
        cs, code, values, year=year, evidence_count=evidence_count, answers=answers
    )
    codes = {p.code for p in problems if p.level is Level.ERROR}
    if codes - {"required", "province_pending", "evidence_missing"}:
        return "error"
    if codes & {"required", "province_pending"}:
        return "incomplete"
    if any(p.code == "evidence_missing" for p in problems):
        return "evidence_missing"
    return "complete"
