"""Whether the answers a package carries are answers the app could have exported.

Scoring is lenient by design (a value it cannot read scores 0), so a signer could put a list
where a count belongs and claim the score that gives. The verifier therefore holds every value
to its field as ``forms.validation`` checks it while the officer types (the same checker: no
second parser of answers), and adds what only a forged file can break: every key is a field of
its indicator, containers appear only where a document reference belongs, and numbers are
ASCII and within ``forms.packages.format``'s bounds (a ratio of ``1e999999`` over
``1e-999999`` overflowed Decimal and crashed the verifier).

Values repeat across thousands of packages (yes/no, small counts, the same percentages and
dates), so a field's value found valid once is remembered, typed (``True == 1`` in Python), per
criteria set; only the rule's one check across fields (a ratio's numerator against its
denominator, as its kind in ``forms.rules`` says) runs per package. Remembering whole
indicators instead missed nearly always: two percentages side by side rarely repeat as a
pair, and a document reference never does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Context, Decimal
from typing import Any

from forms.criteria import CriteriaSet, Field, FieldKind, Indicator
from forms.i18n import _
from forms.packages import format as fmt
from forms.problems import Level, Problem
from forms.rules import rule_kind
from forms.validation import (
    DOCREF_PARTS,
    across_fields_problem,
    docref_verdict_key,
    field_problems,
    is_empty,
)
from forms.values import to_decimal

_DOCREF_KEYS = frozenset(DOCREF_PARTS)
_SCALARS = frozenset((str, int, bool, float, type(None)))
_NUMERIC = frozenset((FieldKind.COUNT, FieldKind.PERCENT, FieldKind.NUMBER))
_MEMO_MAX = 1 << 16
_KEPT = 64
# wide enough to normalise any number within the bounds without rounding it
_EXACT = Context(prec=60)


@dataclass(frozen=True)
class _Checks:
    cs: CriteriaSet  # held, so the id() key cannot be reused while this lives
    fields: dict[str, dict[str, Field]]  # indicator code -> field key -> field
    indicators: dict[str, Indicator]
    # indicators whose rule checks across fields (a ratio): code -> the keys it reads
    across: dict[str, tuple[str, ...]]
    # memo: (code, field key, value's type, value) known to be valid; the type pins the
    # verdict (True == 1, and 0.0 and -0.0 are judged alike)
    valid: set[tuple[Any, ...]]


_checks: dict[int, _Checks] = {}


def _checks_for(cs: CriteriaSet) -> _Checks:
    checks = _checks.get(id(cs))
    if checks is None or checks.cs is not cs:
        inds = {ind.code: ind for ind in cs.indicators()}
        fields = {code: {f.key: f for f in ind.fields} for code, ind in inds.items()}
        across = {}
        for c, ind in inds.items():
            spec = rule_kind(ind.rule.kind)
            if spec.across_fields:
                across[c] = tuple(key or "" for key in spec.read_keys(ind.rule))
        checks = _Checks(cs, fields, inds, across, set())
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


def _memo_key(code: str, key: str, value: Any) -> tuple[Any, ...] | None:
    """What a value's verdict is remembered by: the value itself, typed; for a document
    reference (a dict, and never the same twice) what its verdict depends on."""
    kind = type(value)
    if kind in _SCALARS:
        return (code, key, kind, value)
    if (
        kind is dict
        and value.keys() <= _DOCREF_KEYS
        and all(type(v) is str for v in value.values())
    ):
        return (code, key, dict, docref_verdict_key(value))
    return None  # a list, an odd object: checked in full every time, never remembered


def _indicator_problems(
    checks: _Checks, fields: Mapping[str, Field], code: str, values: Mapping[str, Any]
) -> list[Problem]:
    problems = []
    valid, ind, year = checks.valid, checks.indicators[code], checks.cs.year
    for key, value in values.items():
        remembered = _memo_key(code, key, value)
        if remembered is not None and remembered in valid:
            continue
        fld = fields.get(key)
        if fld is None:
            problems.append(_problem(code, key, _("chỉ tiêu không có trường này")))
            continue
        reason = _form_problem(fld, value)
        if reason is not None:
            problems.append(_problem(code, key, reason))
            continue
        errors = [
            found
            for found in (() if is_empty(value) else field_problems(ind, fld, value, year))
            if found.level is Level.ERROR
        ]
        for found in errors:
            problems.append(_problem(code, key, found.message))
        if not errors and remembered is not None and len(valid) < _MEMO_MAX:
            valid.add(remembered)
    keys = checks.across.get(code)
    if keys is not None and not problems:
        across = across_fields_problem(ind, values)
        if across is not None:
            problems.append(_problem(code, across.where.partition("/")[2], across.message))
        else:
            remembered = _across_key(code, keys, values)
            if remembered is not None and len(valid) < _MEMO_MAX:
                valid.add(remembered)
    return problems


def _across_key(
    code: str, keys: tuple[str, ...], values: Mapping[str, Any]
) -> tuple[Any, ...] | None:
    """What a check across fields (a ratio's numerator against its denominator) is
    remembered by: the values it reads, typed."""
    remembered: list[Any] = [code, "/"]
    for key in keys:
        value = values.get(key)
        kind = type(value)
        if kind not in _SCALARS:
            return None
        remembered += (kind, value)
    return tuple(remembered)


def check_answers(
    cs: CriteriaSet, entries: Mapping[str, Any]
) -> tuple[dict[str, Mapping[str, Any]], list[Problem]]:
    """A manifest's ``answers`` (``{code: {"values": {...}, "note": text}}``) checked against
    ``cs``: the ``{code: values}`` to score, and the problems in manifest order
    (``manifest_invalid`` for an entry of the wrong shape, ``answer_invalid`` for a value).
    Codes the set does not know are the caller's to report.

    One loop for shape and values: it runs for every indicator of every package."""
    checks = _checks_for(cs)
    known, valid, across = checks.fields, checks.valid, checks.across
    answers: dict[str, Mapping[str, Any]] = {}
    problems: list[Problem] = []
    for code, entry in entries.items():
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
        # every value (and a ratio's pair) remembered: nothing to check; inline, hot loop
        for key, value in values.items():
            kind = type(value)
            remembered = (
                (code, key, kind, value) if kind in _SCALARS else _memo_key(code, key, value)
            )
            if remembered not in valid:
                break
        else:
            keys = across.get(code)
            if keys is None or _across_key(code, keys, values) in valid:
                continue
        fields = known.get(code)
        if fields is not None:
            found = _indicator_problems(checks, fields, code, values)
            if found:
                problems += found
    return answers, problems
