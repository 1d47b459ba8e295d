"""Reading a criteria set from its workbook: the sheets read in a fixed order, the set assembled,
then the consistency checks, with every problem located as ``Sheet!D14``.

The order of the problems is part of the behaviour (the author fixes them top to bottom): all
seven tables first, as read, then indicator codes, the attached sheets, the tree, the pillars
with their indicators, the bands, the consistency checks, and last the hidden sheets.
"""

from __future__ import annotations

import io
import os
import warnings
from decimal import Decimal
from pathlib import Path
from typing import Any

from forms.criteria import ClassifyOn, CriteriaSet, Rounding
from forms.criteria_checks import check_set
from forms.criteria_xlsx.bands import read_bands
from forms.criteria_xlsx.carry_sheet import read_carry
from forms.criteria_xlsx.columns import (
    BAND_COLUMNS,
    CHOICE_COLUMNS,
    FIELD_COLUMNS,
    INDICATOR_COLUMNS,
    PILLAR_COLUMNS,
    SHEET_BANDS,
    SHEET_CHOICES,
    SHEET_FIELDS,
    SHEET_INDICATORS,
    SHEET_PILLARS,
    SHEET_TIERS,
    TIER_COLUMNS,
)
from forms.criteria_xlsx.guard import guard_zip, hidden_sheets, inbound
from forms.criteria_xlsx.indicators import IndicatorTree
from forms.criteria_xlsx.pillars import read_pillars
from forms.criteria_xlsx.settings_sheet import read_settings
from forms.criteria_xlsx.tables import SheetReader
from forms.i18n import _
from forms.problems import Level, Problem, ProblemsError
from forms.rules import current_versions


def read_set(reader: SheetReader) -> CriteriaSet:
    """The set the workbook holds, as far as it can be read; problems go to ``reader``."""
    settings, setting_rows, settings_bad = read_settings(reader)
    pillars_t = reader.table(SHEET_PILLARS, PILLAR_COLUMNS)
    inds_t = reader.table(SHEET_INDICATORS, INDICATOR_COLUMNS)
    fields_t = reader.table(SHEET_FIELDS, FIELD_COLUMNS)
    tiers_t = reader.table(SHEET_TIERS, TIER_COLUMNS)
    choices_t = reader.table(SHEET_CHOICES, CHOICE_COLUMNS)
    bands_t = reader.table(SHEET_BANDS, BAND_COLUMNS)
    tree = IndicatorTree(reader, inds_t, fields_t, tiers_t, choices_t)
    pillars = read_pillars(reader, pillars_t, tree)
    bands = read_bands(reader, bands_t)
    carry = read_carry(reader)
    cs = CriteriaSet(
        set_id=settings.get("set_id", ""),
        level=settings.get("level", ""),
        year=settings.get("year", 0),
        version=settings.get("version", ""),
        title=settings.get("title", ""),
        total_points=settings.get("total_points", Decimal(0)),
        pillars=tuple(pillars),
        bands=tuple(bands),
        rounding=Rounding(
            settings.get("rounding.decimals", 2), settings.get("rounding.mode", "half_up")
        ),
        not_ranked_label=settings.get("not_ranked_label", "-"),
        reference=settings.get("reference", False),
        classify_on=settings.get("classify_on", ClassifyOn.POINTS),
        not_applicable=settings.get("not_applicable"),
        # a workbook is written for this code's meanings of the kinds it uses
        rule_versions=current_versions(i.rule.kind for p in pillars for i in p.walk()),
        carry_forward=carry,
    )
    reader.loc.set_place(cs, setting_rows)
    if settings_bad or "year" not in settings or "total_points" not in settings:
        reader.tainted.add(id(cs))
    return cs


def _open(data: bytes, name: str) -> tuple[Any, list[Problem]]:
    """The workbook opened read-only by openpyxl, or the problem why it cannot be."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about data validation and extensions it drops; harmless here
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False), []
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds on a damaged file
        return None, [
            Problem(
                "not_xlsx",
                _("Không mở được bảng tính {name}: {error}", name=name, error=type(exc).__name__),
                name,
            )
        ]


def _read_open(wb: Any, name: str) -> tuple[CriteriaSet | None, list[Problem]]:
    """The set and every problem, the consistency checks' included; the hidden sheets last."""
    reader = SheetReader(wb)
    try:
        hidden = hidden_sheets(wb, name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            cs = read_set(reader)
    except Exception as exc:  # noqa: BLE001
        # Read-only mode parses sheets lazily, so a damaged sheet inside a valid zip only
        # shows up here, as whatever openpyxl's XML/zip layers raise (ParseError,
        # IndexError for a shared string that is not there, ValueError, zlib.error...).
        # The file is untrusted input: report it, never crash.
        return None, [
            *reader.problems,
            Problem(
                "damaged",
                _(
                    "Bảng tính {name} bị hỏng, không đọc hết được ({error}).",
                    name=name,
                    error=type(exc).__name__,
                ),
                name,
            ),
        ]
    finally:
        wb.close()
    problems = list(reader.problems)
    # One problem per cell: an empty cell the reader reported needs no "empty name" echo,
    # and a missing sheet no "nothing defined" echo from the checks.
    cells = {p.where for p in problems}
    missing = {p.where for p in problems if p.code == "missing_sheet"}
    problems += [
        p
        for p in check_set(cs, reader.loc, reader.tainted)
        if p.where not in cells and p.where.split("!")[0] not in missing
    ]
    return cs, problems + hidden


def read_xlsx(path: str | os.PathLike[str]) -> tuple[CriteriaSet | None, list[Problem]]:
    """The set in a workbook and every problem found (the set is usable when none is an error;
    warnings, such as a hidden sheet, are for the author to look at)."""
    path = Path(path)
    data, problems = inbound(path)
    if data is None:
        return None, problems
    problems = guard_zip(data, path.name)
    if problems:
        return None, problems
    wb, problems = _open(data, path.name)
    if wb is None:
        return None, problems
    return _read_open(wb, path.name)


def load_xlsx(path: str | os.PathLike[str]) -> CriteriaSet:
    cs, problems = read_xlsx(path)
    if cs is None or any(p.level == Level.ERROR for p in problems):
        raise ProblemsError(problems)
    return cs
