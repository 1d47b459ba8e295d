"""Whether the values of a ``.dtidata`` file fit the criteria set: the one check the
province's builder runs before signing and every reader runs after verifying the signature.

Each value is a field of its indicator marked province-supplied, and passes the checker the
package verifier holds a commune's answers to (``forms.packages.answer_check``: kind, range,
ASCII digits, bounds), so a supplied value is never one a package could not carry.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.packages.answer_check import check_answers
from forms.problems import Problem
from forms.province_data.model import split_key


def _where(unit: str, text: str) -> str:
    return f"units.{unit}.{text}"


def _key_problem(cs: CriteriaSet, unit: str, text: str) -> Problem | None:
    code, key = split_key(text)
    ind = cs.find(code)
    if ind is None or ind.children:
        message = _("Đơn vị {unit}: chỉ tiêu {code} không có trong bộ tiêu chí {set}", unit=unit, code=code, set=cs.short_id)  # fmt: skip
        return Problem("unknown_indicator", message, _where(unit, text))
    fld = ind.field(key)
    if fld is None:
        message = _("Đơn vị {unit}: chỉ tiêu {code} không có trường “{field}”", unit=unit, code=code, field=key)  # fmt: skip
        return Problem("unknown_field", message, _where(unit, text))
    if not fld.province_supplied:
        message = _("Đơn vị {unit}: trường “{field}” của chỉ tiêu {code} do xã nhập, không phải giá trị tỉnh cung cấp", unit=unit, code=code, field=key)  # fmt: skip
        return Problem("not_supplied_field", message, _where(unit, text))
    return None


def _value_problems(cs: CriteriaSet, unit: str, values: Mapping[str, Any]) -> list[Problem]:
    """Each value checked as a package's answer would be; ``value_invalid`` naming unit,
    indicator and field."""
    answers: dict[str, Any] = {}
    for text, value in values.items():
        code, key = split_key(text)
        answers.setdefault(code, {"values": {}, "note": ""})["values"][key] = value
    _scored, found = check_answers(cs, answers)
    problems = []
    for problem in found:
        code, _sep, key = problem.where.removeprefix("answers.").partition(".values.")
        message = _("Đơn vị {unit}: {reason}", unit=unit, reason=problem.message)
        problems.append(Problem("value_invalid", message, _where(unit, f"{code}/{key}")))
    return problems


def value_problems(cs: CriteriaSet, units: Mapping[str, Mapping[str, Any]]) -> list[Problem]:
    """What is wrong with ``units`` (``{unit: {"code/field": raw value}}``) for ``cs``."""
    problems: list[Problem] = []
    for unit, values in units.items():
        good = {}
        for text, value in values.items():
            problem = _key_problem(cs, unit, text)
            if problem is None:
                good[text] = value
            else:
                problems.append(problem)
        problems += _value_problems(cs, unit, good)
    return problems
