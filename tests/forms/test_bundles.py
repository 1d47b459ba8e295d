"""``forms.bundles`` on its own, no database: a bundle written from package bytes reads back
byte for byte under a trusted collector's signature, and its layer's failures are named."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from forms.bundles.build import Forwarded, write_bundle
from forms.bundles.format import LIMITS, MANIFEST_NAME
from forms.bundles.verify import check_bundle, open_bundle, read_inner
from forms.packages.demo import write_demo
from forms.packages.signing import Ed25519Signer
from forms.packages.trust import ROLE_BUNDLE, TrustRegistry

COLLECTOR = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))


@pytest.fixture
def forwarded(tmp_path):
    demo = write_demo(tmp_path / "in", units=3, seed=4, evidence=1)
    trust = TrustRegistry.load(demo.trust)
    trust.add_key("cum-01", COLLECTOR.public_raw, "Cụm Đoan Hùng", roles=(ROLE_BUNDLE,))
    packages = []
    for path, unit in zip(demo.packages, demo.units, strict=True):
        data = path.read_bytes()
        packages.append(
            Forwarded(data, hashlib.sha256(data).hexdigest(), unit.code, 2025, f"S-{unit.code}", 1)
        )
    return trust, packages


def _write(out: Path, packages: list[Forwarded]) -> int:
    return write_bundle(out, packages, COLLECTOR, year=2025, collector_name="Cụm Đoan Hùng",
                        collector_unit="cum-01")  # fmt: skip


def test_a_written_bundle_checks_and_reads_back_byte_for_byte(tmp_path, forwarded):
    trust, packages = forwarded
    # the same unit, year and revision twice: two distinct entries, both kept
    twice = [
        *packages,
        Forwarded(b"other", hashlib.sha256(b"other").hexdigest(), packages[0].unit, 2025, "S-x", 1),
    ]
    assert _write(tmp_path / "b.dtibundle", twice) == 4
    check = check_bundle(tmp_path / "b.dtibundle", trust)
    assert check.ok and check.problems == [] and check.signer is not None
    assert check.sha256 == hashlib.sha256((tmp_path / "b.dtibundle").read_bytes()).hexdigest()
    assert check.manifest is not None and check.manifest["collector"]["unit"] == "cum-01"
    assert len({p.entry for p in check.inner}) == 4
    wanted = {p.sha256: p.data for p in twice}
    with open_bundle(tmp_path / "b.dtibundle") as zf:
        for inner in check.inner:
            data = read_inner(zf, inner)
            assert data == wanted[inner.listed_sha256] and inner.mismatch(data) == ()
            assert inner.bundle_sha256 == check.sha256
    assert [p.code for p in check.inner[0].mismatch(b"changed")] == ["bundle_hash_mismatch"]


def test_an_unknown_collector_and_an_unlisted_file_reject_the_layer(tmp_path, forwarded):
    trust, packages = forwarded
    _write(tmp_path / "b.dtibundle", packages)
    stranger = check_bundle(tmp_path / "b.dtibundle", TrustRegistry())
    assert [p.code for p in stranger.problems] == ["bundle_signer_unknown"]
    assert not stranger.ok and stranger.inner == []
    extra = tmp_path / "extra.dtibundle"
    with zipfile.ZipFile(tmp_path / "b.dtibundle") as src, zipfile.ZipFile(extra, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        out.writestr("packages/smuggled.dtipkg", b"not listed")
    check = check_bundle(extra, trust)
    assert [p.code for p in check.problems] == ["bundle_unlisted_file"]
    assert "packages/smuggled.dtipkg" in check.problems[0].message and check.inner == []


def test_a_file_that_is_not_a_bundle_is_named_without_a_hash(tmp_path, forwarded):
    trust, _packages = forwarded
    (tmp_path / "junk.dtibundle").write_bytes(b"not a zip")
    check = check_bundle(tmp_path / "junk.dtibundle", trust)
    assert check.sha256 and not check.ok and check.problems and check.manifest is None
    missing = check_bundle(tmp_path / "absent.dtibundle", trust)
    assert missing.sha256 == "" and [p.code for p in missing.problems] == ["file_unreadable"]
    assert MANIFEST_NAME == "bundle.json" and LIMITS.entry_bytes > 0
