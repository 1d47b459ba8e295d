"""Format 3 (issue 16): a package whose answers use province-supplied values carries the signed
``.dtidata`` they come from; the verifier checks the file's signature, hash, set and year, and
that each supplied answer is the file's value for the unit. Packages without one stay format 2."""

from __future__ import annotations

import json
import zipfile
from dataclasses import replace

import pytest

from forms.packages.build import build_package
from forms.packages.format import PROVINCE_DATA_NAME
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from local_db.collector import merge_paths, open_collector
from local_db.collector.reports import ranking_for_year
from tests.forms.packages.helpers import ed_signer, read_entry, rezip, submission
from tests.province_data_helpers import province_trust, signed_data, supplied_set

CS = supplied_set()
SETS = {CS.content_hash: CS}
UNIT = "25042"
OFFICER = ed_signer(5)
ANSWERS = {"1.1": {"count": 3}, "1.2": {"a": 4, "b": 8}, "2.1": {"choice": "vice"}}


def trust(with_province: bool = True) -> TrustRegistry:
    registry = province_trust() if with_province else TrustRegistry()
    registry.add_key(UNIT, OFFICER.public_raw)
    return registry


def package(tmp_path, answers=ANSWERS, data: bytes | None = b"auto", name="p"):
    if data == b"auto":
        data = signed_data(CS, {UNIT: {"1.2/b": 8}, "25043": {"1.2/b": 2}})
    sub = submission(criteria_set=CS, answers=answers, evidence=(), province_data=data)
    return build_package(sub, OFFICER, tmp_path / name)


def test_package_carries_the_file_and_verifies(tmp_path):
    path = package(tmp_path)
    manifest = json.loads(read_entry(path, "manifest.json"))
    assert manifest["format_version"] == 3
    raw = read_entry(path, PROVINCE_DATA_NAME)
    assert manifest["province_data"]["size"] == len(raw)
    verdict = verify_package(path, criteria_sets=SETS, trust=trust())
    assert verdict.ok, verdict.reasons
    assert manifest["scores"]["indicators"]["1.2"] == "5"


def test_without_province_data_a_package_is_still_format_2(tmp_path):
    sub = submission(evidence=())
    path = build_package(sub, OFFICER, tmp_path)
    manifest = json.loads(read_entry(path, "manifest.json"))
    assert manifest["format_version"] == 2 and "province_data" not in manifest


def test_a_value_other_than_the_files_is_rejected_naming_indicator_and_field(tmp_path):
    path = package(tmp_path, answers={**ANSWERS, "1.2": {"a": 4, "b": 4}})  # 4/4: full points
    verdict = verify_package(path, criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["province_value_mismatch"]
    problem = verdict.reasons[0]
    assert problem.where == "answers.1.2.values.b" and "1.2" in problem.message
    assert "“b”" in problem.message


def test_a_supplied_value_without_the_file_is_rejected(tmp_path):
    verdict = verify_package(package(tmp_path, data=None), criteria_sets=SETS, trust=trust())
    assert verdict.codes == ["province_data_missing"]
    assert verdict.reasons[0].where == "answers.1.2.values.b"


def test_the_file_changed_inside_the_package(tmp_path):
    path = package(tmp_path)
    forged = signed_data(CS, {UNIT: {"1.2/b": 4}})
    changed = rezip(path, tmp_path / "changed.dtipkg", replace={PROVINCE_DATA_NAME: forged})
    assert verify_package(changed, criteria_sets=SETS, trust=trust()).codes == [
        "province_data_hash"
    ]
    dropped = rezip(path, tmp_path / "dropped.dtipkg", replace={PROVINCE_DATA_NAME: None})
    assert verify_package(dropped, criteria_sets=SETS, trust=trust()).codes == [
        "province_data_missing"
    ]


def test_a_file_from_an_untrusted_key(tmp_path):
    path = package(tmp_path)
    assert verify_package(path, criteria_sets=SETS, trust=trust(False)).codes == [
        "province_data_province_key_unknown"
    ]
    own = signed_data(CS, {UNIT: {"1.2/b": 8}}, signer=OFFICER)  # the commune's own key
    path = package(tmp_path, data=own, name="own")
    assert verify_package(path, criteria_sets=SETS, trust=trust()).codes == [
        "province_data_signer_wrong_role"
    ]


def test_a_file_for_another_unit_only(tmp_path):
    path = package(tmp_path, data=signed_data(CS, {"25043": {"1.2/b": 8}}))
    assert verify_package(path, criteria_sets=SETS, trust=trust()).codes == ["province_value_mismatch"]  # fmt: skip


def test_a_v2_manifest_may_not_name_a_file(tmp_path):
    path = package(tmp_path)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
    manifest["format_version"] = 2
    from forms.canonical import canonical_bytes
    from forms.packages.manifest_shape import ShapeError, check_shape

    with pytest.raises(ShapeError):
        check_shape(json.loads(canonical_bytes(manifest)))


def test_collector_merges_and_rejects_the_tampered(tmp_path):
    good = package(tmp_path, name="good")
    other = replace(submission(criteria_set=CS, answers={**ANSWERS, "1.2": {"a": 4, "b": 4}}, evidence=(),
                               unit_code="25043", province_data=signed_data(CS, {"25043": {"1.2/b": 2}})),
                    submission_id="0c1f4b9e-7d2a-4a51-9d7e-2f0b8d6c5e11")  # fmt: skip
    registry = trust()
    registry.add_key("25043", OFFICER.public_raw)
    bad = build_package(other, OFFICER, tmp_path / "bad")
    conn = open_collector(tmp_path / "collector.sqlite")
    summary = merge_paths(conn, [good, bad], registry, [CS], workers=0)
    assert summary.accepted == 1
    assert [p.code for r in summary.rejected for p in r.reasons] == ["province_value_mismatch"]
    ranking = ranking_for_year(conn, 2025, [CS])
    assert [(r.unit_code, r.total) for r in ranking.rows] == [(UNIT, ranking.rows[0].total)]
    assert ranking.rows[0].total > 0


def test_a_package_held_for_the_province_key_is_accepted_on_recheck(tmp_path):
    from local_db.collector import CollectorStore

    folder = tmp_path / "nhan"
    package(tmp_path, name="nhan")
    with CollectorStore(tmp_path / "c.sqlite") as store:
        first = store.merge([folder], trust(False), [CS], workers=0)
        assert [p.code for r in first.rejected for p in r.reasons] == ["province_data_province_key_unknown"]  # fmt: skip
        again = store.recheck_rejected(trust(), [CS])
        assert (again.checked, again.accepted) == (1, 1)


def test_the_kept_check_asks_the_trust_list_each_time(tmp_path):
    # the same registry object, grown in place (a window adding the province's key): the file's
    # check is kept per process, its signer's standing is not
    path = package(tmp_path)
    registry = trust(False)
    assert verify_package(path, criteria_sets=SETS, trust=registry).codes == ["province_data_province_key_unknown"]  # fmt: skip
    from forms.packages.trust import ANY_UNIT, ROLE_PROVINCE_DATA
    from tests.province_data_helpers import province_signer

    registry.add_key(ANY_UNIT, province_signer().public_raw, roles=(ROLE_PROVINCE_DATA,))
    assert verify_package(path, criteria_sets=SETS, trust=registry).ok
    registry.remove(province_signer().fingerprint)
    assert not verify_package(path, criteria_sets=SETS, trust=registry).ok


def test_on_the_communes_own_machine_the_package_is_intact(tmp_path):
    # its trust list knows neither its own key nor the province's: intact, not forged
    verdict = verify_package(package(tmp_path), criteria_sets=SETS, trust=TrustRegistry())
    assert sorted(verdict.codes) == ["province_data_province_key_unknown", "signer_unknown"]
    assert verdict.intact and verdict.signed_by(OFFICER.key_id)
    forged = package(tmp_path, answers={**ANSWERS, "1.2": {"a": 4, "b": 4}}, name="forged")
    assert not verify_package(forged, criteria_sets=SETS, trust=TrustRegistry()).intact
