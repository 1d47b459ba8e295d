"""The set checks of applicability (issue 16), run with the other consistency checks
(``forms.criteria_checks.check_set``): kinds and unit codes that exist, no empty rule, a
policy whenever a part may not apply, and no pillar or parent where nothing applies to a
kind of unit."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from forms.applicability import UNIT_KINDS
from forms.criteria import CriteriaSet, Indicator, Pillar, uses_applicability
from forms.i18n import _
from forms.problems import Problem

# the units list's codes (local_db.units): digits, letters, ".", "_", "-"
UNIT_CODE = re.compile(r"^[0-9A-Za-z._-]{1,20}$")


class _Where(Protocol):
    def where(self, obj: object, attr: str = "") -> str: ...


def applicability_problems(cs: CriteriaSet, loc: _Where) -> list[Problem]:
    """Every applicability problem of ``cs``, located by ``loc`` (path or cell)."""
    problems: list[Problem] = []
    parts: list[Indicator | Pillar] = [*cs.pillars, *cs.indicators()]
    bad: set[int] = set()  # parts with a problem already: no "nothing applies" echo
    for part in parts:
        found = _rule_problems(part, loc)
        if found:
            bad.add(id(part))
        problems += found
    for pillar in cs.pillars:
        problems += _nothing_applies(pillar, pillar.indicators, loc, bad)
    for ind in cs.indicators():
        if ind.children:
            problems += _nothing_applies(ind, ind.children, loc, bad)
    if cs.not_applicable is None and uses_applicability(cs):
        problems.append(
            Problem(
                "not_applicable_policy",
                _(
                    "Bộ tiêu chí có phần chỉ áp dụng cho một số đơn vị hoặc cho phép “không áp dụng”: ghi thuộc tính “Khi không áp dụng” (tính trên phần áp dụng, hoặc quy đổi về thang điểm)."
                ),
                loc.where(cs, "not_applicable"),
            )
        )
    return problems


def _rule_problems(part: Indicator | Pillar, loc: _Where) -> list[Problem]:
    rule = part.applies_to
    if rule is None:
        return []
    out: list[Problem] = []
    if not rule.kinds and not rule.units:
        out.append(
            Problem(
                "applies_empty",
                _(
                    "Phạm vi áp dụng của {code} trống: ghi loại đơn vị (xã, phường, đặc khu) hoặc mã đơn vị.",
                    code=part.code,
                ),
                loc.where(part, "applies_to.kinds"),
            )
        )
    unknown = [k for k in rule.kinds if k not in UNIT_KINDS]
    if unknown:
        out.append(
            Problem(
                "applies_unknown_kind",
                _(
                    "{code}: loại đơn vị “{kind}” không có; dùng {known}.",
                    code=part.code,
                    kind=", ".join(unknown),
                    known=", ".join(UNIT_KINDS),
                ),
                loc.where(part, "applies_to.kinds"),
            )
        )
    bad = [u for u in rule.units if not UNIT_CODE.match(u)]
    if bad:
        out.append(
            Problem(
                "applies_unit_code",
                _("{code}: mã đơn vị không hợp lệ: {units}.", code=part.code, units=", ".join(bad)),
                loc.where(part, "applies_to.units"),
            )
        )
    return out


def _kind_applies(part: Indicator | Pillar, kind: str) -> bool:
    return part.applies_to is None or kind in part.applies_to.kinds


def _nothing_applies(
    part: Indicator | Pillar, below: Sequence[Indicator], loc: _Where, bad: set[int]
) -> list[Problem]:
    """A pillar or parent that applies to a kind of unit while none of its indicators does:
    its maximum could never be reached nor left out (say the rule on the part itself)."""
    if not below or any(id(p) in bad for p in (part, *below)):
        return []
    empty = [
        kind
        for kind in UNIT_KINDS
        if _kind_applies(part, kind) and not any(_kind_applies(i, kind) for i in below)
    ]
    if not empty:
        return []
    return [
        Problem(
            "nothing_applies",
            _(
                "{code}: không chỉ tiêu nào bên dưới áp dụng cho {kinds}; ghi phạm vi áp dụng cho chính {code}.",
                code=part.code,
                kinds=", ".join(empty),
            ),
            loc.where(part, "applies_to.kinds"),
        )
    ]
