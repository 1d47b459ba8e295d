"""Packages of format version 1, as communes sent them before the lean format (version 2),
verify forever with the verdicts they had (issue 15, "A lean package"). The files were
written by the code of that time (``tests/fixtures/packages/make_v1.py``) and are never
re-made: if this test fails, a change broke packages already sent."""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from forms.packages.verify import criteria_index, verify_package
from tests.forms.packages import fixture_support as fx

V1 = fx.PACKAGES / "v1"
EXPECTED = fx.expected(V1)


@pytest.fixture(scope="module")
def criteria():
    return criteria_index(fx.criteria_files(V1).values())


@pytest.fixture(scope="module")
def trust():
    return fx.trust(V1)


def test_fixture_is_complete():
    fx.check_complete(V1)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_v1_package_keeps_its_verdict(name, criteria, trust):
    verdict = verify_package(V1 / name, criteria_sets=criteria, trust=trust)
    assert verdict.ok is EXPECTED[name]["ok"], verdict.reasons
    assert verdict.codes == EXPECTED[name]["codes"]
    assert verdict.manifest is not None and verdict.manifest["format_version"] == 1


def test_v1_stores_a_shared_file_once_per_indicator():
    """What version 2 fixes: the plan cited by three indicators is three entries."""
    with zipfile.ZipFile(V1 / "25042_2025_r1.dtipkg") as zf:
        pdfs = [zf.read(n) for n in zf.namelist() if n.endswith(".pdf")]
    assert len(pdfs) == 3 and len({hashlib.sha256(p).hexdigest() for p in pdfs}) == 1
