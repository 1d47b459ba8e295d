"""One answer value held to its field, by the field's kind, and an answer's one check across
its fields: what validation (``forms.validation``) reports while the officer types, what
scoring (``forms.scoring``) asks before it counts a value (an invalid value scores 0), and
what a verifier (``forms.packages.answer_check``) holds every package to. Below both
validation and scoring, so each can ask it without importing the other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from forms.criteria import Field, FieldKind, Indicator
from forms.i18n import _
from forms.problems import Level, Problem
from forms.rules import rule_kind
from forms.rules.text import format_number as _num
from forms.values import to_bool, to_decimal

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
    """Everything ``FieldChecker.check_docref``'s verdict on ``value`` depends on: each part's
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


class FieldChecker:
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

    def implausible(self, fld: Field, number: Decimal) -> None:
        """A warning above the set's plausible maximum for the field (1,000,000 meetings a
        year is a typo to check, not a claim to refuse: the value still counts)."""
        limit = fld.plausible_max
        if limit is not None and number > limit:
            self.add(
                fld,
                "implausible",
                _(
                    "Chỉ tiêu {code}: “{field}” là {value}, lớn hơn mức thường gặp (tối đa {max}); hãy kiểm tra lại số liệu.",
                    code=self.ind.code,
                    field=fld.label,
                    value=_num(number),
                    max=_num(limit),
                ),
                Level.WARNING,
            )

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
            parts = ", ".join(names[k] for k in missing)
            self.add(
                fld,
                "docref_incomplete",
                _(
                    "Chỉ tiêu {code}: văn bản ở “{field}” còn thiếu {parts}.",
                    code=code,
                    field=fld.label,
                    parts=parts,
                )
                if fld.required
                # an optional reference begun: say why the other parts are asked for now
                else _(
                    "Chỉ tiêu {code}: “{field}” không bắt buộc, nhưng đã ghi văn bản thì số, ngày và cơ quan ban hành phải đi cùng nhau: còn thiếu {parts} (hoặc xóa hết để bỏ trống).",
                    code=code,
                    field=fld.label,
                    parts=parts,
                ),
            )
        if not is_empty(value.get("date")):
            self.check_date(fld, value.get("date"), lambda: _docref_part_names()["date"])


# --- one checker per field kind ------------------------------------------------------------


def _check_bool(checker: FieldChecker, fld: Field, value: Any) -> None:
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


def _check_choice(checker: FieldChecker, fld: Field, value: Any) -> None:
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


def _check_count(checker: FieldChecker, fld: Field, value: Any) -> None:
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
    else:
        checker.implausible(fld, number)


def _check_percent(checker: FieldChecker, fld: Field, value: Any) -> None:
    number = checker.number(fld, value)
    if number is not None and 0 <= number <= 100:
        checker.implausible(fld, number)
    elif number is not None:
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


def _check_number(checker: FieldChecker, fld: Field, value: Any) -> None:
    number = checker.number(fld, value)
    if number is None:
        return
    if number < 0:
        checker.negative(fld)
        return
    ceiling = rule_kind(checker.ind.rule.kind).ceiling(checker.ind, fld)
    if ceiling is None or number <= ceiling:
        checker.implausible(fld, number)
    else:
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


def _check_date(checker: FieldChecker, fld: Field, value: Any) -> None:
    checker.check_date(fld, value)


def _check_text(checker: FieldChecker, fld: Field, value: Any) -> None:
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


def _check_docref(checker: FieldChecker, fld: Field, value: Any) -> None:
    checker.check_docref(fld, value)


_BY_KIND: dict[FieldKind, Callable[[FieldChecker, Field, Any], None]] = {
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
    checker = FieldChecker(ind, year)
    checker.check(fld, value)
    return checker.problems


def across_fields_problem(ind: Indicator, values: Mapping[str, Any]) -> Problem | None:
    """The rule's one check across an answer's fields (a ratio's numerator larger than its
    denominator), or None."""
    return rule_kind(ind.rule.kind).answer_problem(ind, values)
