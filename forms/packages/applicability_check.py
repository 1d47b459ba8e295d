"""The package check of applicability (issue 16): the commune's "không áp dụng" marks are
ones the set allows, each with an acceptable reason, and a set that applies parts by unit
kind gets a package that says the unit's kind. Run after the answers, before the scores are
re-computed with the same unit and marks (``unit_facts``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from forms.applicability import UNIT_KINDS, UnitFacts, mark_problems
from forms.i18n import _
from forms.problems import Problem

if TYPE_CHECKING:
    from forms.packages.package_run import PackageRun


def unit_facts(manifest: dict[str, Any]) -> UnitFacts:
    unit = manifest.get("unit") or {}
    return UnitFacts(kind=str(unit.get("kind", "")), code=str(unit.get("code", "")))


def marks(manifest: dict[str, Any]) -> dict[str, str]:
    return dict(manifest.get("not_applicable") or {})


def applicability_valid(run: PackageRun) -> bool:
    """Marks the set allows with good reasons; a known unit kind where the set needs one."""
    cs, manifest = run.criteria, run.manifest
    found: list[Problem] = []
    if "not_applicable" in manifest:
        found += mark_problems(cs, manifest["not_applicable"])
    kind = unit_facts(manifest).kind
    by_kind = any(p.applies_to is not None for p in cs.pillars) or any(
        i.applies_to is not None for i in cs.indicators()
    )
    if kind and kind not in UNIT_KINDS:
        found.append(
            Problem(
                "unit_kind_invalid",
                _("Loại đơn vị “{kind}” trong gói không hợp lệ.", kind=kind),
                "unit.kind",
            )
        )
    elif not kind and by_kind:
        found.append(
            Problem(
                "unit_kind_missing",
                _("Bộ tiêu chí áp dụng theo loại đơn vị, nhưng gói không ghi loại đơn vị."),
                "unit.kind",
            )
        )
    run.reasons += found
    return not found
