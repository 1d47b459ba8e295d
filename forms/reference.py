"""The reference criteria set shipped with the app (commune level, 2025).

It is a stand-in until the province loads its official set: ``reference`` is true in its
settings and its title says so. The compiled JSON is what the app loads (fast, no Excel
parsing at start-up); the workbook next to it is the editable source province staff start from.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from forms.criteria import CriteriaSet

BASENAME = "dti-xa-2025-reference"


def _resource(suffix: str) -> Traversable:
    return resources.files("resources") / "criteria" / f"{BASENAME}.{suffix}"


def reference_json_path() -> Traversable:
    """The shipped compiled JSON (a real file path in a normal or PyInstaller install)."""
    return _resource("json")


def reference_xlsx_path() -> Traversable:
    """The shipped editable workbook, the source of the JSON."""
    return _resource("xlsx")


@cache
def reference_set() -> CriteriaSet:
    """The reference set, loaded once; it is immutable, so sharing it is safe."""
    import json

    from forms.criteria_json import from_dict

    return from_dict(json.loads(reference_json_path().read_text(encoding="utf-8")))


@cache
def released_sets() -> tuple[CriteriaSet, ...]:
    """Earlier releases of the reference set (``resources/criteria/released/``): a package a
    commune signed with one of them must still verify after the app's set has moved on."""
    import json

    from forms.criteria_json import from_dict

    folder = resources.files("resources") / "criteria" / "released"
    return tuple(
        from_dict(json.loads(entry.read_text(encoding="utf-8")))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".json")
    )


def reference_sets() -> list[CriteriaSet]:
    """The current reference set first, then every earlier release: what a verifier knows
    without being given a set."""
    return [reference_set(), *released_sets()]
