"""A package signed with an earlier release of the shipped reference set still verifies and
merges after the app's set has moved on (the set's content hash changes with any edit)."""

from __future__ import annotations

import json

from desktop.cli import main
from forms.criteria_checks import check_set
from forms.packages.demo import write_demo
from forms.reference import reference_set, reference_sets, released_sets

RELEASED_1_0 = "bd7fae2e296ef33a8e096d428144e4012dec7aa23f10af7ce056fe03b4696d64"


def test_earlier_releases_ship_beside_the_current_set():
    hashes = [s.content_hash for s in released_sets()]
    assert RELEASED_1_0 in hashes  # never removed: packages signed with it exist
    assert reference_set().content_hash not in hashes
    assert [s.content_hash for s in reference_sets()][0] == reference_set().content_hash
    for cs in released_sets():
        assert check_set(cs) == []


def test_a_package_of_release_1_0_verifies_and_merges_by_default(tmp_path, capsys):
    old = next(s for s in released_sets() if s.content_hash == RELEASED_1_0)
    demo = write_demo(tmp_path / "goi", units=2, criteria_set=old)
    package = demo.packages[0]
    trust = tmp_path / "goi" / "trust.json"
    assert main(["package", "verify", str(package), "--trust", str(trust), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    db = tmp_path / "tong-hop.sqlite"
    assert (
        main(["merge", "--db", str(db), "--trust", str(trust), "--json", str(tmp_path / "goi")])
        == 0
    )
    summary = json.loads(capsys.readouterr().out)
    assert summary["accepted"] == 2, summary
