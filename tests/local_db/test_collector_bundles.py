"""Bundles: round trip with both signature layers, tampering caught, the chain shown."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.packages.signing import Ed25519Signer
from local_db.collector import dump, merge_paths, open_collector
from local_db.collector.bundles import export_bundle
from local_db.collector.reports import chain, ranking_for_year
from tests.local_db.collector_support import CS, FIXED, Units, clock

COLLECTOR = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


@pytest.fixture
def setup(tmp_path):
    u = Units(4, seed=9)
    u.trust.add_key("cum-01", COLLECTOR.public_raw, "Cụm Đoan Hùng")
    inbox = tmp_path / "inbox"
    for i, code in enumerate(u.codes):
        u.package(inbox, code, level=i, sid=f"S{i}")
    u.package(inbox, u.codes[0], level=4, revision=2, sid="S0b", supersedes="S0")
    collector = open_collector(tmp_path / "collector.sqlite")
    merge_paths(collector, [inbox], u.trust, [CS], clock=clock)
    bundle = tmp_path / "cum-01.dtibundle"
    count = export_bundle(
        collector,
        bundle,
        COLLECTOR,
        year=2025,
        collector_name="Cụm Đoan Hùng",
        collector_unit="cum-01",
        now=FIXED,
    )
    assert count == 4
    return u, collector, bundle, tmp_path


def test_round_trip_keeps_packages_byte_for_byte_and_shows_the_chain(setup):
    u, collector, bundle, tmp = setup
    province = open_collector(tmp / "province.sqlite")
    summary = merge_paths(province, [bundle], u.trust, [CS], clock=clock)
    assert (summary.bundles, summary.accepted, summary.rejected, summary.bundles_rejected) == (
        1,
        4,
        [],
        [],
    )
    # the same current submissions, the same original bytes
    assert dump(province)["current"] == dump(collector)["current"]
    theirs = {row[1] for row in dump(collector)["submissions"] if row[-1] == "current"}
    assert theirs <= {row[0] for row in dump(province)["blobs"]}
    head = dump(province)["current"][0][2]
    info = chain(province, head)
    assert info["revision"] == 2 and info["officer"] == "Nguyễn Văn An"
    assert info["forwarded"] == [
        {
            "collector": "Cụm Đoan Hùng",
            "unit": "cum-01",
            "signer": COLLECTOR.fingerprint,
            "bundled_at": "2026-01-15T08:00:00+00:00",
            "received_at": "2026-01-15T08:00:00+00:00",
        }
    ]
    # merging the bundle and a loose copy again changes nothing
    before = dump(province)
    again = merge_paths(
        province, [bundle, *sorted((tmp / "inbox").iterdir())], u.trust, [CS], clock=clock
    )
    assert again.accepted == 1  # the superseded revision 1 of unit 0 only came loose
    after = dump(province)
    assert after["current"] == before["current"]


def _rewrite(bundle: Path, out: Path, change) -> Path:
    with zipfile.ZipFile(bundle) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info, change(info.filename, zin.read(info)))
    return out


def test_tampered_inner_package_is_caught(setup):
    u, _collector, bundle, tmp = setup

    def flip(name, data):
        if name.startswith("packages/") and name.endswith(f"{u.codes[1]}_2025_r1.dtipkg"):
            return data[:-30] + bytes([data[-30] ^ 1]) + data[-29:]
        return data

    bad = _rewrite(bundle, tmp / "bad.dtibundle", flip)
    province = open_collector(tmp / "province.sqlite")
    summary = merge_paths(province, [bad], u.trust, [CS], clock=clock)
    assert summary.accepted == 3 and len(summary.rejected) == 1
    assert "bundle_hash_mismatch" in {r.code for r in summary.rejected[0].reasons}
    assert u.codes[1] not in {r.unit_code for r in ranking_for_year(province, 2025, [CS]).rows}


def test_bundle_layer_failures_reject_the_whole_bundle(setup):
    u, _collector, bundle, tmp = setup

    def edit_manifest(name, data):
        if name == "bundle.json":
            body = json.loads(data)
            body["collector"]["name"] = "Kẻ giả mạo"
            return json.dumps(
                body, ensure_ascii=False, sort_keys=True, separators=(",", ":")
            ).encode()
        return data

    forged = _rewrite(bundle, tmp / "forged.dtibundle", edit_manifest)
    province = open_collector(tmp / "province.sqlite")
    summary = merge_paths(province, [forged], u.trust, [CS], clock=clock)
    assert [r.code for r in summary.bundles_rejected[0].reasons] == ["bundle_signature_invalid"]
    assert summary.accepted == 0 and dump(province)["submissions"] == []

    stranger = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(32)))
    collector = open_collector(tmp / "collector.sqlite")
    unknown = tmp / "unknown.dtibundle"
    export_bundle(collector, unknown, stranger, year=2025, collector_name="?")
    summary = merge_paths(province, [unknown], u.trust, [CS], clock=clock)
    assert [r.code for r in summary.bundles_rejected[0].reasons] == ["bundle_signer_unknown"]
    assert dump(province)["submissions"] == []
    assert len(dump(province)["bundles"]) == 2
