"""The whole path of issue 16's "Carry answers forward": the demo commune's 2024 assessment
under reference set 1.0, this year's (2025) under set 1.1, the officer confirms every offer,
types what could not be carried (this year's dates), and `dti-desk finalise` signs a package
that `package verify` accepts, the carried evidence inside it. Real subprocesses."""

from __future__ import annotations

import random
import zipfile
from pathlib import Path

from forms.packages.demo import demo_answers
from forms.reference import reference_set, released_sets
from forms.scoring import score
from local_db import answers, assessments, audit, carry, evidence
from local_db.database import open_database
from local_db.demo_commune import DEMO_OFFICER, make_demo_commune
from tests.desktop.test_finalise_cli import PASSPHRASE, dti


def test_demo_commune_carried_from_set_1_0_to_1_1_packages_and_verifies(tmp_path: Path):
    old_cs, new_cs = released_sets()[0], reference_set()
    assert (old_cs.version, new_cs.version) == ("1.0-tham-khao", "1.1-tham-khao")
    data = tmp_path / "data"
    demo = make_demo_commune(data, PASSPHRASE, old_cs, year=2024)
    db = open_database(data, user=DEMO_OFFICER)
    try:
        assessments.finalise(db, demo.assessment_id)
        now = assessments.create(db, demo.unit_code, 2025, new_cs).id
        assert now is not None
        plan = carry.plan(db, now)
        assert plan is not None and (plan.from_year, plan.to_year) == (2024, 2025)
        fields = [o for o in plan.fields if o.offered]
        files = [o for o in plan.evidence if o.offered]
        blocked = [o for o in plan.fields if not o.offered]
        # the dates of 2024 where 2025's are asked are shown, not offered
        assert blocked and all(o.blocked.startswith("không hợp lệ năm nay") for o in blocked)
        store_before = sorted(p.name for p in (data / "evidence").rglob("*") if p.is_file())
        result = carry.apply(db, now, fields, files, from_year=2024)
        assert (result.fields, result.evidence, result.skipped) == (len(fields), len(files), [])
        assert sorted(p.name for p in (data / "evidence").rglob("*") if p.is_file()) == store_before
        assert len(audit.entries(db, now, entity="carry")) == len(fields) + len(files)
        # the officer types this year's dates for what could not be carried
        typed = demo_answers(new_cs, random.Random(2025), 2025)
        carried = answers.get_all(db, now)
        missing = {o.to_code: {o.to_field: typed[o.to_code][o.to_field]} for o in blocked}
        merged = {c: {**carried.get(c, {}), **missing.get(c, {})} for c in {*carried, *missing}}
        answers.set_many(db, now, missing, dict(score(new_cs, merged).indicators))
        linked = evidence.list_for(db, now)
    finally:
        db.close()
    out = tmp_path / "goi"
    done = dti("--data-dir", str(data), "finalise", "-o", str(out), "--accept-warnings")
    assert done.returncode == 0, done.stdout + done.stderr
    (package,) = out.glob("*.dtipkg")
    assert package.name == "25001_2025_r1.dtipkg"
    verified = dti("--data-dir", str(data), "package", "verify", str(package))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    with zipfile.ZipFile(package) as zf:
        names = zf.namelist()
    # every carried file is in the package (stored once per content)
    assert linked and all(any(item.blob_sha256 in n for n in names) for item in linked)
