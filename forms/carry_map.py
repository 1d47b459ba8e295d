"""The carry-forward mapping of a criteria set ("Chuyển tiếp"): its checks when a set is loaded.

A row says which of last year's answers feeds which field of this set, for indicators that
were renumbered or fields that were renamed. Only this year's side can be checked when the
set is loaded (last year's set is the commune's, not the author's): the target indicator and
field must exist, each target at most once. Last year's side is checked when answers are
matched (``forms.carry_forward``), where a row naming nothing of last year's set is listed
with the reason instead of being offered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from forms.i18n import _
from forms.problems import Problem

if TYPE_CHECKING:
    from forms.criteria import CarryLink, CriteriaSet
    from forms.locator import Locator


def _empty_problem(link: CarryLink, loc: Locator) -> Problem | None:
    for attr in ("from_code", "from_field", "to_code", "to_field"):
        if not getattr(link, attr).strip():
            return Problem(
                "carry_empty",
                _("Dòng chuyển tiếp thiếu mã chỉ tiêu hoặc khóa trường."),
                loc.where(link, attr),
            )
    return None


def link_problems(cs: CriteriaSet, loc: Locator) -> list[Problem]:
    """Every problem of the set's mapping rows, located by row (empty when usable)."""
    problems: list[Problem] = []
    targets: set[tuple[str, str]] = set()
    for link in cs.carry_forward:
        empty = _empty_problem(link, loc)
        if empty is not None:
            problems.append(empty)
            continue
        ind = cs.find(link.to_code)
        if ind is None or ind.children:
            problems.append(
                Problem(
                    "carry_unknown_indicator",
                    _(
                        "Dòng chuyển tiếp nêu chỉ tiêu {code} không có trong bộ này (hoặc chỉ tiêu có chỉ tiêu con).",
                        code=link.to_code,
                    ),
                    loc.where(link, "to_code"),
                )
            )
            continue
        if ind.field(link.to_field) is None:
            problems.append(
                Problem(
                    "carry_unknown_field",
                    _(
                        "Chỉ tiêu {code} không có trường “{key}” nêu ở dòng chuyển tiếp.",
                        code=link.to_code,
                        key=link.to_field,
                    ),
                    loc.where(link, "to_field"),
                )
            )
            continue
        target = (link.to_code, link.to_field)
        if target in targets:
            problems.append(
                Problem(
                    "carry_duplicate",
                    _(
                        "Trường {code}/{key} đã có một dòng chuyển tiếp khác.",
                        code=link.to_code,
                        key=link.to_field,
                    ),
                    loc.where(link, "to_field"),
                )
            )
        targets.add(target)
    return problems
