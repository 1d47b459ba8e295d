"""Packages under a set with applicability (issue 16): the unit's kind and the commune's
"không áp dụng" marks travel in the manifest (only then), the verifier re-scores with them,
and marks the set does not allow or without a good reason are refused."""

from __future__ import annotations

import json

import pytest

from forms.packages.build import build_package
from forms.packages.format import MANIFEST_NAME, SIGNATURE_ED25519
from forms.packages.manifest import manifest_bytes
from forms.packages.verify import criteria_index, verify_package
from forms.problems import ProblemsError
from tests.forms.packages.helpers import read_entry, rezip, submission
from tests.forms.sample_sets import applicability_set

CS = applicability_set()
MARKS = {"1.2": "Năm 2025 Ban Chỉ đạo chưa được kiện toàn nên không họp"}


@pytest.fixture
def criteria():
    return criteria_index([CS])


def _manifest(path):
    return json.loads(read_entry(path, MANIFEST_NAME))


def _resigned(src, dst, manifest, signer):
    data = manifest_bytes(manifest)
    return rezip(src, dst, replace={MANIFEST_NAME: data, SIGNATURE_ED25519: signer.sign(data).data})


def _built(tmp_path, signer, **changes):
    sub = submission(criteria_set=CS, unit_kind="xã", not_applicable=MARKS, **changes)
    return build_package(sub, signer, tmp_path / "out")


def test_marks_and_kind_travel_and_verify(tmp_path, signer, criteria, trust):
    path = _built(tmp_path, signer)
    manifest = _manifest(path)
    assert manifest["unit"]["kind"] == "xã"
    assert manifest["not_applicable"] == MARKS
    scores = manifest["scores"]
    # pillar 1: 20 (1.2 marked); 2: 10 + 5 (2.2 without 2.2.2, phường only); 3: 0 (00004 only)
    assert scores["applicable_max"] == "35"
    assert scores["not_applicable"] == {
        "1.2": "marked",
        "2.2.2": "unit",
        "3": "unit",
        "3.1": "unit",
    }
    assert scores["indicators"]["1.2"] == "0"
    verdict = verify_package(path, criteria_sets=criteria, trust=trust)
    assert verdict.ok, verdict.reasons


def test_a_package_of_a_set_without_applicability_has_none_of_it(package):
    manifest = _manifest(package)
    assert "not_applicable" not in manifest
    assert "kind" not in manifest["unit"]
    assert "applicable_max" not in manifest["scores"]


def test_a_mark_dropped_by_a_tamperer_no_longer_matches_the_scores(
    tmp_path, signer, criteria, trust
):
    path = _built(tmp_path, signer)
    manifest = _manifest(path)
    del manifest["not_applicable"]
    bad = _resigned(path, tmp_path / "bad.zip", manifest, signer)
    verdict = verify_package(bad, criteria_sets=criteria, trust=trust)
    assert "score_mismatch" in verdict.codes


@pytest.mark.parametrize(
    ("marks", "code"),
    [
        ({"1.1": "không có"}, "na_not_allowed"),  # the set does not let 1.1 be marked
        ({"1.2": "   "}, "na_reason_missing"),
        ({"1.2": "x" * 501}, "na_reason_too_long"),
        ({"1.2": "lý do\u202egiả"}, "na_reason_control"),
    ],
)
def test_bad_marks_are_refused_with_their_reason_code(
    tmp_path, signer, criteria, trust, marks, code
):
    good = _built(tmp_path, signer)
    manifest = _manifest(good)
    manifest["not_applicable"] = marks
    bad = _resigned(good, tmp_path / "bad.zip", manifest, signer)
    verdict = verify_package(bad, criteria_sets=criteria, trust=trust)
    assert not verdict.ok
    assert code in verdict.codes
    reason = next(r for r in verdict.reasons if r.code == code)
    assert reason.where == "not_applicable." + next(iter(marks))
    # and the builder says so before signing
    with pytest.raises(ProblemsError) as caught:
        build_package(
            submission(criteria_set=CS, unit_kind="xã", not_applicable=marks),
            signer,
            tmp_path / "refused",
        )
    assert code in [p.code for p in caught.value.problems]


def test_a_set_by_kind_needs_the_units_kind(tmp_path, signer, criteria, trust):
    path = _built(tmp_path, signer)
    manifest = _manifest(path)
    del manifest["unit"]["kind"]
    bad = _resigned(path, tmp_path / "nokind.zip", manifest, signer)
    assert "unit_kind_missing" in verify_package(bad, criteria_sets=criteria, trust=trust).codes
    manifest["unit"]["kind"] = "huyện"
    odd = _resigned(path, tmp_path / "odd.zip", manifest, signer)
    assert "unit_kind_invalid" in verify_package(odd, criteria_sets=criteria, trust=trust).codes


def test_a_changed_kind_changes_the_score_the_verifier_expects(tmp_path, signer, criteria, trust):
    """phường gets 2.2.2 back: claimed scores of a xã no longer match."""
    path = _built(tmp_path, signer)
    manifest = _manifest(path)
    manifest["unit"]["kind"] = "phường"
    bad = _resigned(path, tmp_path / "phuong.zip", manifest, signer)
    assert "score_mismatch" in verify_package(bad, criteria_sets=criteria, trust=trust).codes


def test_a_reason_not_in_nfc_is_written_in_nfc(tmp_path, signer):
    """(A manifest not in NFC is refused before any of this: ``manifest_not_canonical``.)"""
    sub = submission(criteria_set=CS, unit_kind="xã", not_applicable={"1.2": "ly\u0301 do"})
    path = build_package(sub, signer, tmp_path / "nfc")
    assert _manifest(path)["not_applicable"] == {"1.2": "lý do"}
