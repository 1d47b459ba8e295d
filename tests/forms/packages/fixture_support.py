"""Reading committed package fixtures (``tests/fixtures/packages/v*/``): each folder holds its
packages, ``expected.json`` (one entry per package), the criteria sets and ``trust.json``.
Shared by the tests that verify them forever (``test_v1_fixture``, ``test_fixtures_current``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from forms.criteria import CriteriaSet
from forms.criteria_json import load_json
from forms.packages.trust import TrustRegistry

PACKAGES = Path(__file__).parents[2] / "fixtures" / "packages"


def expected(folder: Path) -> dict[str, dict[str, Any]]:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def criteria_files(folder: Path) -> dict[str, CriteriaSet]:
    """The folder's criteria sets by file name (``criteria*.json``)."""
    return {p.name: load_json(p) for p in sorted(folder.glob("criteria*.json"))}


def trust(folder: Path) -> TrustRegistry:
    return TrustRegistry.load(folder / "trust.json")


def check_complete(folder: Path) -> None:
    """One expected entry per package, both verdicts present."""
    wanted = expected(folder)
    assert sorted(wanted) == sorted(p.name for p in folder.glob("*.dtipkg"))
    assert any(not e["ok"] for e in wanted.values()) and any(e["ok"] for e in wanted.values())
