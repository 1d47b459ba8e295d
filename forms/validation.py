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

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from forms.criteria import CriteriaSet, Field, FieldKind, Indicator, Severity
from forms.i18n import _
from forms.problems import Level, Problem
from forms.rules import rule_kind
from forms.rules.text import format_number as _num
from forms.scoring import indicator_points
from forms.values import to_bool, to_decimal

Status = Literal["empty", "incomplete", "error", "complete", "evidence_missing"]

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_TEXT = 5000  # a free-text answer longer than this is a paste accident
DOCREF_PARTS = ("number", "date", "issuer", "summary")
DOCREF_REQUIRED = ("number", "date", "issuer")


def is_empty(value: Any) -> bool:
    """True for an unanswered value: None, blank text, or a document reference with nothing in it."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, Mapping):
        return all(is_empty(v) for v in value.values())
    return False


def parse_date(value: Any) -> date | None:
    """An ISO ``yyyy-mm-dd`` date, or None if ``value`` is not one."""
    if not isinstance(value, str) or not _ISO_DATE.match(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def _docref_part_names() -> dict[str, str]:
    """A document reference's parts as messages name them (translated when asked: building
    them for every valid answer cost a collector more than the check itself)."""
    return {
        "number": _("số"),
        "date": _("ngày"),
        "issuer": _("cơ quan ban hành"),
        "summary": _("trích yếu"),
    }


def docref_verdict_key(value: Mapping[str, Any]) -> tuple[Any, ...]:
    """Everything ``_FieldChecker.check_docref``'s verdict on ``value`` depends on: each part's
    type and emptiness, and the date itself (its number, issuer and summary are free text).
    A verifier remembers verdicts by this key, since no two packages cite the same document
    alike; change it together with ``check_docref``."""
    get = value.get  # written out: this runs for every document of every package
    number, date_, issuer, summary = get("number"), get("date"), get("issuer"), get("summary")
    return (
        type(number),
        is_empty(number),
        type(date_),
        date_,
        type(issuer),
        is_empty(issuer),
        type(summary),
        is_empty(summary),
    )


class _FieldChecker:
    def __init__(self, ind: Indicator, year: int) -> None:
        self.ind = ind
        self.year = year
        self.problems: list[Problem] = []

    def add(self, fld: Field, code: str, message: str, level: Level = Level.ERROR) -> None:
        self.problems.append(Problem(code, message, f"{self.ind.code}/{fld.key}", level))

    def number(self, fld: Field, value: Any) -> Decimal | None:
        number = to_decimal(value)
        if number is None:
            self.add(
                fld,
                "not_number",
                _(
                    "Chỉ tiêu {code}: “{field}” phải là một số (đang là “{value}”).",
                    code=self.ind.code,
                    field=fld.label,
                    value=value,
                ),
            )
        return number

    def check_date(self, fld: Field, value: Any, part: Callable[[], str] | None = None) -> None:
        parsed = parse_date(value)
        if parsed is not None and not (fld.in_year and parsed.year != self.year):
            return  # the usual case, without building a message (a collector checks thousands)
        label = f"{fld.label} ({part()})" if part else fld.label
        if parsed is None:
            self.add(
                fld,
                "date_format",
                _(
                    "Chỉ tiêu {code}: “{field}” phải là một ngày có thật, viết dạng dd/mm/yyyy (ví dụ 31/03/2025).",
                    code=self.ind.code,
                    field=label,
                ),
            )
        elif fld.in_year and parsed.year != self.year:
            self.add(
                fld,
                "date_outside_year",
                _(
                    "Chỉ tiêu {code}: ngày ở “{field}” ({date}) không thuộc năm đánh giá {year}.",
                    code=self.ind.code,
                    field=label,
                    date=parsed.strftime("%d/%m/%Y"),
                    year=self.year,
                ),
            )

    def check(self, fld: Field, value: Any) -> None:
        """Problems of one non-empty value, by the field's kind (``_BY_KIND``)."""
        _BY_KIND[fld.kind](self, fld, value)

    def negative(self, fld: Field) -> None:
        self.add(
            fld,
            "negative",
            _("Chỉ tiêu {code}: “{field}” không được âm.", code=self.ind.code, field=fld.label),
        )

    def check_docref(self, fld: Field, value: Any) -> None:
        code = self.ind.code
        if not isinstance(value, Mapping) or any(
            not isinstance(value.get(k, ""), (str, type(None))) for k in DOCREF_PARTS
        ):
            self.add(
                fld,
                "docref_format",
                _(
                    "Chỉ tiêu {code}: “{field}” phải gồm số, ngày, cơ quan ban hành và trích yếu của văn bản.",
                    code=code,
                    field=fld.label,
                ),
            )
            return
        missing = [k for k in DOCREF_REQUIRED if is_empty(value.get(k))]
        if missing:
            names = _docref_part_names()
            self.add(
                fld,
                "docref_incomplete",
                _(
                    "Chỉ tiêu {code}: văn bản ở “{field}” còn thiếu {parts}.",
                    code=code,
                    field=fld.label,
                    parts=", ".join(names[k] for k in missing),
                ),
            )
        if not is_empty(value.get("date")):
            self.check_date(fld, value.get("date"), lambda: _docref_part_names()["date"])


# --- one checker per field kind ------------------------------------------------------------


def _check_bool(checker: _FieldChecker, fld: Field, value: Any) -> None:
    if to_bool(value) is None:
        checker.add(
            fld,
            "not_bool",
            _(
                "Chỉ tiêu {code}: “{field}” phải là Có hoặc Không.",
                code=checker.ind.code,
                field=fld.label,
            ),
        )


def _check_choice(checker: _FieldChecker, fld: Field, value: Any) -> None:
    keys = rule_kind(checker.ind.rule.kind).choice_keys(checker.ind, fld)
    if not isinstance(value, str) or (keys is not None and value not in keys):
        checker.add(
            fld,
            "unknown_choice",
            _(
                "Chỉ tiêu {code}: “{value}” không phải một lựa chọn của “{field}”.",
                code=checker.ind.code,
                value=value,
                field=fld.label,
            ),
        )


def _check_count(checker: _FieldChecker, fld: Field, value: Any) -> None:
    number = checker.number(fld, value)
    if number is None:
        return
    if number < 0:
        checker.negative(fld)
    elif number != number.to_integral_value():
        checker.add(
            fld,
            "not_integer",
            _(
                "Chỉ tiêu {code}: “{field}” phải là số nguyên (đang là {value}).",
                code=checker.ind.code,
                field=fld.label,
                value=_num(number),
            ),
        )


def _check_percent(checker: _FieldChecker, fld: Field, value: Any) -> None:
    number = checker.number(fld, value)
    if number is not None and not 0 <= number <= 100:
        checker.add(
            fld,
            "percent_range",
            _(
                "Chỉ tiêu {code}: “{field}” là tỷ lệ phần trăm, phải từ 0 đến 100 (đang là {value}).",
                code=checker.ind.code,
                field=fld.label,
                value=_num(number),
            ),
        )


def _check_number(checker: _FieldChecker, fld: Field, value: Any) -> None:
    number = checker.number(fld, value)
    if number is None:
        return
    if number < 0:
        checker.negative(fld)
        return
    ceiling = rule_kind(checker.ind.rule.kind).ceiling(checker.ind, fld)
    if ceiling is not None and number > ceiling:
        checker.add(
            fld,
            "above_max",
            _(
                "Chỉ tiêu {code}: “{field}” ({value}) vượt điểm tối đa {max}.",
                code=checker.ind.code,
                field=fld.label,
                value=_num(number),
                max=_num(ceiling),
            ),
        )


def _check_date(checker: _FieldChecker, fld: Field, value: Any) -> None:
    checker.check_date(fld, value)


def _check_text(checker: _FieldChecker, fld: Field, value: Any) -> None:
    if not isinstance(value, str):
        checker.add(
            fld,
            "not_text",
            _(
                "Chỉ tiêu {code}: “{field}” phải là văn bản.",
                code=checker.ind.code,
                field=fld.label,
            ),
        )
    elif len(value) > MAX_TEXT:
        checker.add(
            fld,
            "too_long",
            _(
                "Chỉ tiêu {code}: “{field}” dài quá {n} ký tự.",
                code=checker.ind.code,
                field=fld.label,
                n=MAX_TEXT,
            ),
            Level.WARNING,
        )


def _check_docref(checker: _FieldChecker, fld: Field, value: Any) -> None:
    checker.check_docref(fld, value)


_BY_KIND: dict[FieldKind, Callable[[_FieldChecker, Field, Any], None]] = {
    FieldKind.BOOL: _check_bool,
    FieldKind.CHOICE: _check_choice,
    FieldKind.COUNT: _check_count,
    FieldKind.PERCENT: _check_percent,
    FieldKind.NUMBER: _check_number,
    FieldKind.DATE: _check_date,
    FieldKind.TEXT: _check_text,
    FieldKind.DOCREF: _check_docref,
}


def field_problems(ind: Indicator, fld: Field, value: Any, year: int) -> list[Problem]:
    """Problems of one non-empty value of ``fld`` on its own (what ``validate_indicator``
    checks field by field; a verifier remembers the verdict per value)."""
    checker = _FieldChecker(ind, year)
    checker.check(fld, value)
    return checker.problems


def across_fields_problem(ind: Indicator, values: Mapping[str, Any]) -> Problem | None:
    """The rule's one check across an answer's fields (a ratio's numerator larger than its
    denominator), or None."""
    return rule_kind(ind.rule.kind).answer_problem(ind, values)


def validate_indicator(
    cs: CriteriaSet,
    code: str,
    values: Mapping[str, Any] | None,
    *,
    year: int | None = None,
    evidence_count: int | None = None,
    require_complete: bool = True,
) -> list[Problem]:
    """Problems with one indicator's answers. ``evidence_count=None`` skips the evidence check."""
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
    checker = _FieldChecker(ind, cs.year if year is None else year)
    for fld in ind.fields:
        value = values.get(fld.key)
        if is_empty(value):
            if fld.required and require_complete:
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
    across = across_fields_problem(ind, values)
    if across is not None:
        problems.append(across)
    needs_evidence = evidence_count is not None and ind.evidence.required and evidence_count <= 0
    # evidence is asked for the points claimed: an indicator scoring 0 needs none
    if needs_evidence and not ind.children and indicator_points(ind, {code: values}) > 0:
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
) -> list[Problem]:
    """Every problem of a whole assessment, as checked before finalising (leaves in set order)."""
    problems: list[Problem] = []
    if not isinstance(answers, Mapping):
        return [Problem("bad_answer", _("Câu trả lời của bản đánh giá không đúng dạng."), "")]
    for ind in cs.leaves():
        count = None if evidence_counts is None else int(evidence_counts.get(ind.code, 0) or 0)
        problems += validate_indicator(
            cs, ind.code, answers.get(ind.code), year=year, evidence_count=count
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
    problems = validate_indicator(cs, code, values, year=year, evidence_count=evidence_count)
    codes = {p.code for p in problems if p.level is Level.ERROR}
    if codes - {"required", "evidence_missing"}:
        return "error"
    if "required" in codes:
        return "incomplete"
    if any(p.code == "evidence_missing" for p in problems):
        return "evidence_missing"
    return "complete"
