"""The commune imports the province's ``.dtidata`` (issue 16): trusted, untrusted, another set or
unit set, a newer file replacing an older one; the values land in the drafts it fits."""

from __future__ import annotations

import pytest

from forms.scoring import score
from forms.validation import validate
from local_db import answers, assessments
from local_db import province_data as pd
from local_db.paths import REVIEWERS_FILE
from tests.forms.packages.helpers import ed_signer
from tests.forms.sample_sets import tiny_set
from tests.province_data_helpers import province_trust, signed_data, supplied_set

CS = supplied_set()
UNIT = "08001"


@pytest.fixture
def supplied_draft(db):
    province_trust().save(db.data_dir / REVIEWERS_FILE)
    return assessments.create(db, UNIT, 2025, CS)


def test_trusted_file_is_stored_and_applied(db, supplied_draft):
    raw = signed_data(CS, {UNIT: {"1.2/b": 8}, "08002": {"1.2/b": 3}})
    got = pd.import_file(db, raw)
    assert got.applied == [supplied_draft.id] and got.replaced is None
    assert got.path.read_bytes() == raw
    stored = answers.get_all(db, supplied_draft.id)
    assert stored["1.2"] == {"b": 8}
    answers.set_value(db, supplied_draft.id, "1.2", "a", 4)
    assert score(CS, answers.get_all(db, supplied_draft.id)).indicators["1.2"] == 5  # 4/8 of 10
    assert pd.file_for(db, CS.content_hash, 2025) == raw
    assert pd.import_file(db, raw).unchanged


def test_untrusted_key_is_refused_and_nothing_stored(db, supplied_draft):
    raw = signed_data(CS, {UNIT: {"1.2/b": 8}}, signer=ed_signer(9))
    with pytest.raises(pd.DataRejected) as info:
        pd.import_file(db, raw)
    assert [p.code for p in info.value.problems] == ["province_key_unknown"]
    assert not pd.data_dir_path(db.data_dir, CS.content_hash, 2025).exists()
    assert answers.get_all(db, supplied_draft.id) == {}


def test_file_for_another_set_or_unit_set_is_refused(db, supplied_draft):
    other = tiny_set()  # not known to this machine with supplied fields
    with pytest.raises(pd.DataRejected) as info:
        pd.import_file(db, signed_data(CS, {"99999": {"1.2/b": 8}}))
    assert [p.code for p in info.value.problems] == ["unit_missing"]
    from tests.province_data_helpers import with_supplied

    unknown = with_supplied(other, "1.2", "a")
    with pytest.raises(pd.DataRejected) as info:
        pd.import_file(db, signed_data(unknown, {UNIT: {"1.2/a": 1}}))
    assert [p.code for p in info.value.problems] == ["criteria_unknown"]


def test_newer_replaces_older_and_older_is_refused(db, supplied_draft):
    old = signed_data(CS, {UNIT: {"1.2/b": 8}}, issued_at="2026-01-10T08:00:00Z")
    new = signed_data(CS, {UNIT: {"1.2/b": 6}}, issued_at="2026-02-10T08:00:00Z")
    pd.import_file(db, old)
    got = pd.import_file(db, new)
    assert got.replaced is not None and got.replaced.issued_at.startswith("2026-01-10")
    assert "thay cho tệp phát hành ngày 10/01/2026" in got.message()
    assert answers.get_all(db, supplied_draft.id)["1.2"] == {"b": 6}
    with pytest.raises(pd.DataRejected) as info:
        pd.import_file(db, old)
    assert [p.code for p in info.value.problems] == ["older_file"]


def test_missing_value_waits_for_the_province(db, supplied_draft):
    problems = validate(CS, answers.get_all(db, supplied_draft.id))
    pending = [p for p in problems if p.code == "province_pending"]
    assert pending and "chờ dữ liệu tỉnh" in pending[0].message.lower()


def test_a_draft_created_after_the_import_gets_the_values(db, data_dir):
    province_trust().save(db.data_dir / REVIEWERS_FILE)
    from local_db import criteria_store

    criteria_store.remember(db, CS)
    pd.import_file(db, signed_data(CS, {UNIT: {"1.2/b": 8}}))
    row = assessments.create(db, UNIT, 2025, CS)
    assert pd.apply(db, row.id)
    assert answers.get_all(db, row.id)["1.2"] == {"b": 8}
    assert not pd.apply(db, row.id)
