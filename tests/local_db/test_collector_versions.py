"""The collector takes packages of every format version it knows: version 1 as communes sent
them before the lean format (the committed fixture), and version 2 (issue 15)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

from forms.criteria_json import load_json
from forms.packages.trust import TrustRegistry
from local_db.collector import merge_paths, open_collector
from local_db.collector.reports import current_submissions

V1 = Path(__file__).parents[1] / "fixtures" / "packages" / "v1"


def clock() -> datetime:
    return datetime(2026, 1, 15, 8, 0, tzinfo=UTC)


def test_collector_merges_v1_fixture(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for path in V1.glob("*.dtipkg"):
        shutil.copy(path, inbox / path.name)
    conn = open_collector(tmp_path / "c.sqlite")
    summary = merge_paths(
        conn, [inbox], TrustRegistry.load(V1 / "trust.json"), [load_json(V1 / "criteria.json")],
        clock=clock,
    )  # fmt: skip
    assert summary.accepted == 2 and summary.superseded == 1
    rejected = {r.file.rsplit("/", 1)[-1]: [x.code for x in r.reasons] for r in summary.rejected}
    assert rejected == {
        "25042_2025_r1_tampered.dtipkg": ["file_hash"],
        "25042_2025_r1_unknown-signer.dtipkg": ["signer_unknown"],
    }
    (current,) = current_submissions(conn, 2025)
    assert (current.unit_code, current.revision) == ("25042", 2)
