"""Loading a criteria set from either of its forms, chosen by file extension.

``load_criteria`` is all-or-nothing: it returns a complete, consistent set or raises
``ProblemsError`` with every problem. ``check_criteria_file`` never raises on bad input;
it is what `dti-desk schema check` and the GUI's "load criteria set" dialog call.
"""

from __future__ import annotations

import os
from pathlib import Path

from forms.criteria import CriteriaSet
from forms.i18n import _
from forms.problems import Level, Problem, ProblemsError

EXTENSIONS = (".xlsx", ".json")


def _read(path: Path) -> tuple[CriteriaSet | None, list[Problem]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from forms.criteria_xlsx import read_xlsx

        return read_xlsx(path)
    if suffix == ".json":
        from forms.criteria_json import from_dict, read_json_file

        try:
            return from_dict(read_json_file(path)), []
        except ProblemsError as exc:
            return None, exc.problems
    return None, [
        Problem(
            "unknown_format",
            _(
                "Không nhận ra loại tệp {name}: bộ tiêu chí là tệp .xlsx hoặc .json.",
                name=path.name,
            ),
            path.name,
        )
    ]


def load_criteria(path: str | os.PathLike[str]) -> CriteriaSet:
    """The criteria set in ``path`` (.xlsx or .json); ``ProblemsError`` if anything is wrong
    (a warning, such as a hidden sheet, does not block: ``check_criteria_file`` reports it)."""
    cs, problems = _read(Path(path))
    if cs is None or any(p.level == Level.ERROR for p in problems):
        raise ProblemsError(problems)
    return cs


def check_criteria_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem of the set in ``path``; an empty list means it loads. Never raises on bad input."""
    path = Path(path)
    try:
        return _read(path)[1]
    except RecursionError:
        return [Problem("too_deep", _("Tệp {name} lồng nhau quá sâu.", name=path.name), path.name)]
    except MemoryError:
        return [Problem("too_large", _("Tệp {name} quá lớn để đọc.", name=path.name), path.name)]
