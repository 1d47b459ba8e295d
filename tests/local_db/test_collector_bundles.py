"""Bundles: round trip with both signature layers, tampering caught, the chain shown."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.packages.signing import Ed25519Signer
from forms.packages.trust import ROLE_BUNDLE
from local_db.collector import dump, merge_paths, open_collector
from local_db.collector.bundles import export_bundle
from local_db.collector.reports import chain, ranking_for_year
from tests.local_db.collector_support import CS, FIXED, Units, clock

COLLECTOR = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


@pytest.fixture
def setup(tmp_path):
    u = Units(4, seed=9)
    u.trust.add_key("cum-01", COLLECTOR.public_raw, "Cụm Đoan Hùng", roles=(ROLE_BUNDLE,))
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


def test_bundles_verified_in_worker_processes_give_the_same_database(tmp_path, monkeypatch):
    """A province's bundles: their inner packages are shared with worker processes like loose
    ones; the database is the same as verifying everything here, a tampered inner package is
    still caught, and a bundle whose zip is damaged is rejected whole."""
    import local_db.collector.merge as merge_module
    from forms.packages.demo import write_demo
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set

    monkeypatch.setattr(merge_module, "POOL_MINIMUM", 40)
    monkeypatch.setattr(merge_module, "CHUNK", 8)
    demo = write_demo(tmp_path / "in", units=90, seed=8, evidence=1)
    trust = TrustRegistry.load(demo.trust)
    trust.add_key("cum-01", COLLECTOR.public_raw, "Cụm Đoan Hùng", roles=(ROLE_BUNDLE,))
    packages = sorted((tmp_path / "in").glob("*.dtipkg"))
    bundles = []
    for i, part in enumerate((packages[:45], packages[45:])):
        collector = open_collector(tmp_path / f"collector-{i}.sqlite")
        merge_paths(collector, part, trust, [reference_set()], clock=clock, workers=0)
        bundle = tmp_path / f"cum-{i}.dtibundle"
        export_bundle(collector, bundle, COLLECTOR, year=2025, collector_name=f"Cụm {i}",
                      collector_unit="cum-01", now=FIXED)  # fmt: skip
        collector.close()
        bundles.append(bundle)
    victim = packages[50].name

    def flip(name, data):
        return data[:-30] + bytes([data[-30] ^ 1]) + data[-29:] if name.endswith(victim) else data

    tampered = _rewrite(bundles[1], tmp_path / "cum-1-sua.dtibundle", flip)
    damaged = tmp_path / "hong.dtibundle"
    raw = bytearray(bundles[0].read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # inside some inner package: the zip's CRC check fails
    damaged.write_bytes(bytes(raw))
    dumps = []
    for workers in (0, 1):
        province = open_collector(tmp_path / f"province-{workers}.sqlite")
        summary = merge_paths(province, [bundles[0], tampered, damaged], trust,
                              [reference_set()], clock=clock, workers=workers)  # fmt: skip
        assert summary.accepted == 89 and [r.file for r in summary.rejected] == [victim]
        assert "bundle_hash_mismatch" in {r.code for r in summary.rejected[0].reasons}
        assert [r.file for r in summary.bundles_rejected] == ["hong.dtibundle"]
        assert (summary.verified_in_workers > 0) == (workers == 1)
        dumps.append(dump(province))
        province.close()
    assert dumps[0] == dumps[1]
