"""Packages of formats 2 and 3 in every shape the release of commit c32c326 wrote verify
forever with the verdicts, scores and ranking they had (issue 16, "Packages verify forever").

The files were written once by ``tests/fixtures/packages/make_current.py`` and are never re-made:
if this test fails, a change altered the meaning of packages already sent (a rule's points, the
manifest's shape, a check, the ranking). Keep the released meaning in the code instead."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from cryptography import x509

from forms.applicability import UnitFacts
from forms.packages.format import MANIFEST_NAME
from forms.packages.manifest import decimal_text
from forms.packages.signing import KIND_X509
from forms.packages.verify import criteria_index, verify_package
from forms.scoring import score
from local_db.collector import merge_paths, open_collector
from local_db.collector.reports import ranking_for_year
from tests.forms.packages import fixture_support as fx

FOLDERS = [fx.PACKAGES / "v2", fx.PACKAGES / "v3"]
CASES = [(folder, name) for folder in FOLDERS for name in sorted(fx.expected(folder))]
IDS = [f"{folder.name}/{name}" for folder, name in CASES]
# the accepted ones: their claimed scores are what the answers score (a tampered answer's not)
GOOD = [(f, n) for f, n in CASES if fx.expected(f)[n]["ok"]]


def _manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read(MANIFEST_NAME))


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_fixtures_are_complete(folder):
    fx.check_complete(folder)
    sets = fx.criteria_files(folder)
    assert {e["criteria"] for e in fx.expected(folder).values()} == set(sets)


def test_every_shape_of_today_is_there():
    entries = [e for folder in FOLDERS for e in fx.expected(folder).values() if e["ok"]]
    assert {e["format_version"] for e in entries} == {2, 3}
    assert ["chairman", "organisation"] in [e["signers"] for e in entries]
    assert any("applicable_max" in e for e in entries)
    refused = {c for folder in FOLDERS for e in fx.expected(folder).values() for c in e["codes"]}
    assert refused == {"signature_invalid", "file_hash", "province_data_hash"}


@pytest.mark.parametrize(("folder", "name"), CASES, ids=IDS)
def test_package_keeps_its_verdict(folder, name):
    entry = fx.expected(folder)[name]
    criteria = criteria_index(fx.criteria_files(folder).values())
    verdict = verify_package(folder / name, criteria_sets=criteria, trust=fx.trust(folder))
    assert verdict.ok is entry["ok"], verdict.reasons
    assert verdict.codes == entry["codes"]
    manifest = verdict.manifest
    assert manifest is not None and manifest["format_version"] == entry["format_version"]
    assert manifest["unit"]["code"] == entry["unit"]
    assert [s["role"] for s in manifest.get("signers", [])] == entry["signers"]
    scores = manifest["scores"]
    assert (scores["total"], scores["classification"]) == (entry["total"], entry["classification"])
    for key in ("applicable_max", "scaled_total"):
        assert scores.get(key) == entry.get(key)


@pytest.mark.parametrize(("folder", "name"), GOOD, ids=[f"{f.name}/{n}" for f, n in GOOD])
def test_todays_scoring_gives_the_recorded_points(folder, name):
    """Scored again here, apart from the verifier's own check: the committed set and answers
    give the recorded total and classification."""
    entry = fx.expected(folder)[name]
    cs = fx.criteria_files(folder)[entry["criteria"]]
    manifest = _manifest(folder / name)
    assert manifest["criteria_set"]["content_hash"] == cs.content_hash
    unit = manifest["unit"]
    result = score(
        cs,
        {code: a["values"] for code, a in manifest["answers"].items()},
        unit=UnitFacts(unit.get("kind", ""), unit["code"]),
        marks=manifest.get("not_applicable", {}),
    )
    assert decimal_text(result.total) == entry["total"]
    assert result.classification == entry["classification"]
    if "scaled_total" in entry:
        assert decimal_text(result.scaled_total) == entry["scaled_total"]


def test_certificate_signers_lead_to_the_committed_root():
    folder = fx.PACKAGES / "v2"
    root = x509.load_pem_x509_certificate((folder / "ca" / "root.pem").read_bytes())
    assert fx.trust(folder).anchor_certificates() == [root]
    criteria = criteria_index(fx.criteria_files(folder).values())
    for name in ("25043_2025_r1.dtipkg", "25044_2025_r1.dtipkg"):
        verdict = verify_package(folder / name, criteria_sets=criteria, trust=fx.trust(folder))
        assert verdict.ok and verdict.signer is not None and verdict.signer.kind == KIND_X509
        assert verdict.signer.certificates[-1] == root


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: f.name)
def test_merged_into_a_fresh_collector_they_rank_as_recorded(folder, collector_target):
    sets = fx.criteria_files(folder)
    wanted = fx.expected(folder)
    recorded = json.loads((folder / "ranking.json").read_text(encoding="utf-8"))
    conn = open_collector(collector_target)
    try:
        summary = merge_paths(
            conn, sorted(folder.glob("*.dtipkg")), fx.trust(folder), sets.values(), workers=0
        )
        assert summary.accepted == sum(e["ok"] for e in wanted.values())
        # r2 supersedes r1 of the same unit
        assert summary.superseded == (1 if folder.name == "v2" else 0)
        refused = sorted(p.code for r in summary.rejected for p in r.reasons)
        assert refused == sorted(c for e in wanted.values() for c in e["codes"])
        for file_name, cs in sets.items():
            ranking = ranking_for_year(conn, 2025, sets.values(), cs.content_hash)
            rows = [
                {
                    "unit": r.unit_code,
                    "total": str(r.total),
                    "classification": r.classification,
                    "rank": r.rank,
                    "applicable_max": None if r.applicable_max is None else str(r.applicable_max),
                }
                for r in ranking.rows
            ]
            assert rows == recorded[file_name]
    finally:
        conn.close()
