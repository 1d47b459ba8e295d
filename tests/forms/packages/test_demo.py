from __future__ import annotations

import csv
import json

from forms.packages.demo import demo_units, write_demo
from forms.packages.trust import TrustRegistry
from forms.packages.verify import criteria_index, verify_package
from forms.reference import reference_set


def test_demo_packages_verify_with_the_reference_set(tmp_path):
    result = write_demo(tmp_path, units=6, seed=5, year=2025)
    trust = TrustRegistry.load(result.trust)
    criteria = criteria_index([reference_set()])
    verdicts = [verify_package(p, criteria_sets=criteria, trust=trust) for p in result.packages]
    assert [v.reasons for v in verdicts] == [[]] * 6
    assert sorted(v.unit for v in verdicts) == sorted(u.code for u in result.units)
    totals = {v.manifest["scores"]["published_total"] for v in verdicts}
    assert len(totals) > 1  # the answers vary between units
    assert all(v.manifest["evidence"] for v in verdicts)
    with open(result.units_csv, encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["Mã"] for r in rows] == [u.code for u in result.units]
    assert {r["Loại"] for r in rows} <= {"xã", "phường"}
    assert (
        json.loads(result.units_json.read_text(encoding="utf-8"))[0]["name"] == result.units[0].name
    )


def test_demo_is_deterministic_per_seed(tmp_path):
    a = write_demo(tmp_path / "a", units=3, seed=11)
    b = write_demo(tmp_path / "b", units=3, seed=11)
    c = write_demo(tmp_path / "c", units=3, seed=12)
    assert [p.read_bytes() for p in a.packages] == [p.read_bytes() for p in b.packages]
    assert a.trust.read_bytes() == b.trust.read_bytes()
    assert [p.name for p in a.packages] != [p.name for p in c.packages]


def test_a_demo_unit_cannot_sign_for_another(tmp_path):
    result = write_demo(tmp_path, units=2, seed=3)
    trust = TrustRegistry.load(result.trust)
    first, second = result.units
    entry = next(e for e in trust.entries if e.unit == first.code)
    assert trust.units_for(entry.key_id) == {first.code}
    assert second.code not in trust.units_for(entry.key_id)


def test_units_are_unique_and_vietnamese():
    units = demo_units(500, seed=2)
    assert len({u.code for u in units}) == 500 and len({u.name for u in units}) == 500
    assert all(u.name.startswith(("Xã ", "Phường ")) for u in units)


def test_verify_many_matches_one_by_one(tmp_path):
    from forms.packages.verify import verify_many

    result = write_demo(tmp_path, units=70, seed=8, evidence=1)
    trust = TrustRegistry.load(result.trust)
    criteria = criteria_index([reference_set()])
    # one damaged package among them
    result.packages[5].write_bytes(result.packages[5].read_bytes()[:-30])
    one_by_one = [verify_package(p, criteria_sets=criteria, trust=trust) for p in result.packages]
    parallel = verify_many(result.packages, criteria_sets=criteria, trust=trust, workers=2)
    assert [v.to_json() for v in parallel] == [v.to_json() for v in one_by_one]
    assert [v.manifest for v in parallel] == [v.manifest for v in one_by_one]
    assert all(v.criteria_set is reference_set() for v in parallel if v.ok)
    assert [v.ok for v in parallel].count(False) == 1
