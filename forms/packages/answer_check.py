"""Whether the answers a package carries are answers the app could have exported.

Scoring is lenient by design (a value it cannot read scores 0), so a signer could put a list
where a count belongs and claim the score that gives. The verifier therefore holds every value
to its field as ``forms.validation`` checks it while the officer types (the same checker: no
second parser of answers), and adds what only a forged file can break: every key is a field of
its indicator, containers appear only where a document reference belongs, and numbers are
ASCII and within ``forms.packages.format``'s bounds (a ratio of ``1e999999`` over
``1e-999999`` overflowed Decimal and crashed the verifier).

Answers repeat across thousands of packages (yes/no, small counts, the same percentages), so an
indicator's values found valid once are remembered, typed (``True == 1`` in Python), per
criteria set; anything else is checked in full.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from forms.criteria import CriteriaSet, Field, FieldKind
from forms.i18n import _
from forms.packages import format as fmt
from forms.problems import Level, Problem
from forms.validation import DOCREF_PARTS, is_empty, validate_indicator
from forms.values import to_decimal

_NUMERIC = frozenset((FieldKind.COUNT, FieldKind.PERCENT, FieldKind.NUMBER))
_MEMO_MAX = 1 << 16
_KEPT = 64
# wide enough to normalise any number within the bounds without rounding it
_EXACT = Context(prec=60)


@dataclass(frozen=True)
class _Checks:
    cs: CriteriaSet  # held, so the id() key cannot be reused while this lives
    fields: dict[str, dict[str, Field]]  # indicator code -> field key -> field
    # memo: (code, values' items, their types) known to be valid; (type, value) pins the
    # verdict (floats too: 0.0 and -0.0 are judged alike)
    valid: set[tuple[Any, ...]]


_checks: dict[int, _Checks] = {}


def _checks_for(cs: CriteriaSet) -> _Checks:
    checks = _checks.get(id(cs))
    if checks is None or checks.cs is not cs:
        fields = {ind.code: {f.key: f for f in ind.fields} for ind in cs.indicators()}
        checks = _Checks(cs, fields, set())
        if len(_checks) >= _KEPT:
            _checks.clear()
        _checks[id(cs)] = checks
    return checks


def _problem(code: str, key: str, reason: str) -> Problem:
    return Problem(
        "answer_invalid",
        _(
            "Câu trả lời không hợp lệ ở chỉ tiêu {code}, trường “{field}”: {reason}",
            code=code,
            field=key,
            reason=reason,
        ),
        f"answers.{code}.values.{key}",
    )


def _decimals(number: Decimal) -> int:
    """Decimal places of ``number`` ignoring trailing zeros ("1.50" has 1)."""
    exponent = number.as_tuple().exponent
    if not isinstance(exponent, int) or exponent >= 0:  # finite numbers have int exponents
        return 0
    exponent = number.normalize(_EXACT).as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _form_problem(fld: Field, value: Any) -> str | None:
    """What only a forged file gets wrong about one value's form, or None."""
    if isinstance(value, list) or (isinstance(value, dict) and fld.kind is not FieldKind.DOCREF):
        return _("giá trị không đúng kiểu của trường")
    if (
        fld.kind is FieldKind.DOCREF
        and isinstance(value, dict)
        and not value.keys() <= set(DOCREF_PARTS)
    ):
        return _("văn bản chỉ gồm số, ngày, cơ quan ban hành và trích yếu")
    if fld.kind in _NUMERIC and not is_empty(value):
        if isinstance(value, str) and not value.isascii():
            return _("số phải viết bằng chữ số 0-9")
        number = to_decimal(value)
        if number is not None and (
            abs(number) > fmt.MAX_ANSWER_NUMBER or _decimals(number) > -fmt.MIN_ANSWER_EXPONENT
        ):
            return _(
                "số nằm ngoài khoảng cho phép (tối đa {limit}, không quá {places} chữ số thập phân)",
                limit=fmt.MAX_ANSWER_NUMBER,
                places=-fmt.MIN_ANSWER_EXPONENT,
            )
    return None


def _indicator_problems(
    cs: CriteriaSet, fields: Mapping[str, Field], code: str, values: Mapping[str, Any]
) -> list[Problem]:
    problems = []
    for key, value in values.items():
        fld = fields.get(key)
        if fld is None:
            problems.append(_problem(code, key, _("chỉ tiêu không có trường này")))
            continue
        reason = _form_problem(fld, value)
        if reason is not None:
            problems.append(_problem(code, key, reason))
    if problems:  # the checker below assumes the form is right
        return problems
    for found in validate_indicator(cs, code, values, year=cs.year, require_complete=False):
        if found.level is Level.ERROR:
            _code, _slash, key = found.where.partition("/")
            problems.append(_problem(code, key, found.message))
    return problems


def check_answers(
    cs: CriteriaSet, entries: Mapping[str, Any]
) -> tuple[dict[str, Mapping[str, Any]], list[Problem]]:
    """A manifest's ``answers`` (``{code: {"values": {...}, "note": text}}``) checked against
    ``cs``: the ``{code: values}`` to score, and the problems in manifest order
    (``manifest_invalid`` for an entry of the wrong shape, ``answer_invalid`` for a value).
    Codes the set does not know are the caller's to report.

    One loop for shape and values: it runs for every indicator of every package."""
    checks = _checks_for(cs)
    valid, known = checks.valid, checks.fields
    answers: dict[str, Mapping[str, Any]] = {}
    problems: list[Problem] = []
    for code, entry in entries.items():
        try:
            values = entry["values"]
            # typed, since True == 1 == 1.0 in Python; unhashable (a document) -> TypeError
            key: tuple[Any, ...] | None = (
                code,
                tuple(values.items()),
                tuple(map(type, values.values())),
            )
            if key in valid and type(entry.get("note")) is str and len(entry) == 2:
                answers[code] = values
                continue
        except (TypeError, KeyError, AttributeError):
            key = None
        if not (
            type(entry) is dict
            and type(entry.get("values")) is dict
            and type(entry.get("note")) is str
            and len(entry) == 2
        ):
            where = f"answers.{code}"
            problems.append(
                Problem(
                    "manifest_invalid",
                    _("manifest.json thiếu hoặc sai trường {field}", field=where),
                    where,
                )
            )
            continue
        values = entry["values"]
        answers[code] = values
        fields = known.get(code)
        if fields is None:
            continue
        found = _indicator_problems(cs, fields, code, values)
        if found:
            problems += found
        elif key is not None and len(valid) < _MEMO_MAX:
            valid.add(key)
    return answers, problems
