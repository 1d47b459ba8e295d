"""Every kind of tampering is rejected, each with its own reason code."""

from __future__ import annotations

import datetime as dt
import json
import zipfile

import pytest

from forms.packages.build import build_package
from forms.packages.format import FORMAT_VERSIONS, MANIFEST_NAME, SIGNATURE_ED25519
from forms.packages.manifest import manifest_bytes
from forms.packages.signing import Pkcs12Signer
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from tests.forms.packages.helpers import (
    PDF_ENTRY,
    ed_signer,
    make_ca,
    make_leaf,
    read_entry,
    rezip,
    submission,
)

EVIDENCE = PDF_ENTRY


def _manifest(path):
    return json.loads(read_entry(path, MANIFEST_NAME))


def _resigned(src, dst, manifest, signer):
    """What a tamperer holding a (possibly the real) key can do: edit, re-sign, re-zip."""
    data = manifest_bytes(manifest)
    return rezip(src, dst, replace={MANIFEST_NAME: data, SIGNATURE_ED25519: signer.sign(data).data})


def _codes(path, criteria, trust):
    verdict = verify_package(path, criteria_sets=criteria, trust=trust)
    assert not verdict.ok
    return sorted(set(verdict.codes)), verdict


def test_changed_value_rezipped(package, tmp_path, criteria, trust):
    raw = read_entry(package, MANIFEST_NAME).replace(b'"count":3', b'"count":4')
    codes, verdict = _codes(
        rezip(package, tmp_path / "t.dtipkg", replace={MANIFEST_NAME: raw}), criteria, trust
    )
    # unsigned content is not scored at all (hole 12c): the signature is the reason
    assert codes == ["signature_invalid"]


def test_changed_note_rezipped_breaks_only_the_signature(package, tmp_path, criteria, trust):
    raw = read_entry(package, MANIFEST_NAME).replace("Họp quý".encode(), b"Hop quy")
    codes, verdict = _codes(
        rezip(package, tmp_path / "t.dtipkg", replace={MANIFEST_NAME: raw}), criteria, trust
    )
    assert codes == ["signature_invalid"]
    assert "manifest.json" in verdict.reasons[0].message
    assert verdict.signer is None


def test_claimed_score_changed_even_when_resigned(package, tmp_path, criteria, trust, signer):
    manifest = _manifest(package)
    manifest["scores"]["indicators"]["1.1"] = "20"
    codes, verdict = _codes(
        _resigned(package, tmp_path / "t.dtipkg", manifest, signer), criteria, trust
    )
    assert codes == ["score_mismatch"]
    assert "1.1" in verdict.reasons[0].message and "20" in verdict.reasons[0].message


def test_claimed_total_changed(package, tmp_path, criteria, trust, signer):
    manifest = _manifest(package)
    manifest["scores"]["published_total"] = "48.00"
    manifest["scores"]["classification"] = "Tốt"
    codes, verdict = _codes(
        _resigned(package, tmp_path / "t.dtipkg", manifest, signer), criteria, trust
    )
    assert codes == ["score_mismatch"] and len(verdict.reasons) == 2


def test_evidence_replaced_same_size(package, tmp_path, criteria, trust):
    original = read_entry(package, EVIDENCE)
    forged = bytes([original[0] ^ 1]) + original[1:]
    codes, verdict = _codes(
        rezip(package, tmp_path / "t.dtipkg", replace={EVIDENCE: forged}), criteria, trust
    )
    assert codes == ["file_hash"] and EVIDENCE in verdict.reasons[0].message


def test_evidence_replaced_other_size(package, tmp_path, criteria, trust):
    codes, _ = _codes(
        rezip(package, tmp_path / "t.dtipkg", replace={EVIDENCE: b"forged"}), criteria, trust
    )
    assert codes == ["file_size"]


def test_evidence_dropped(package, tmp_path, criteria, trust):
    codes, verdict = _codes(
        rezip(package, tmp_path / "t.dtipkg", replace={EVIDENCE: None}), criteria, trust
    )
    assert codes == ["file_missing"]
    assert "Biên bản họp quý I.pdf" in verdict.reasons[0].message


def test_evidence_added(package, tmp_path, criteria, trust):
    codes, verdict = _codes(
        rezip(package, tmp_path / "t.dtipkg", add={"evidence/1.1/extra.pdf": b"x"}), criteria, trust
    )
    assert codes == ["unlisted_file"] and "evidence/1.1/extra.pdf" in verdict.reasons[0].message


def test_extra_file_in_signature_folder(package, tmp_path, criteria, trust):
    codes, _ = _codes(
        rezip(package, tmp_path / "t.dtipkg", add={"signature/notes.txt": b"x"}), criteria, trust
    )
    assert codes == ["unlisted_file"]


def test_manifest_swapped_from_another_package(package, tmp_path, criteria, trust):
    other = build_package(
        submission(unit_code="25043", revision=1), ed_signer(2), tmp_path / "other"
    )
    swapped = rezip(
        package, tmp_path / "t.dtipkg", replace={MANIFEST_NAME: read_entry(other, MANIFEST_NAME)}
    )
    codes, _ = _codes(swapped, criteria, trust)
    assert codes == ["signature_invalid"]


def test_signature_swapped_from_another_package(package, tmp_path, criteria, trust):
    other = build_package(submission(notes={}, revision=1), ed_signer(1), tmp_path / "other")
    swapped = rezip(
        package,
        tmp_path / "t.dtipkg",
        replace={SIGNATURE_ED25519: read_entry(other, SIGNATURE_ED25519)},
    )
    codes, _ = _codes(swapped, criteria, trust)
    assert codes == ["signature_invalid"]


def test_signature_removed(package, tmp_path, criteria, trust):
    codes, _ = _codes(
        rezip(package, tmp_path / "t.dtipkg", replace={SIGNATURE_ED25519: None}), criteria, trust
    )
    assert codes == ["signature_missing"]


def test_untrusted_key(tmp_path, criteria, trust):
    path = build_package(submission(), ed_signer(9), tmp_path)
    codes, verdict = _codes(path, criteria, trust)
    assert codes == ["signer_unknown"]
    assert ed_signer(9).fingerprint in verdict.reasons[0].message
    codes, _ = _codes(path, criteria, None)  # no registry at all: still not silently accepted
    assert codes == ["signer_unknown"]


def test_key_trusted_for_another_unit(tmp_path, criteria, signer):
    registry = TrustRegistry()
    registry.add_key("25043", signer.public_raw)
    codes, verdict = _codes(build_package(submission(), signer, tmp_path), criteria, registry)
    assert codes == ["signer_not_for_unit"] and "25042" in verdict.reasons[0].message


def test_criteria_set_unknown(package, trust):
    codes, verdict = _codes(package, {}, trust)
    assert codes == ["criteria_unknown"] and "tiny" in verdict.reasons[0].message


def test_format_version_from_the_future(package, tmp_path, criteria, trust, signer):
    manifest = _manifest(package)
    manifest["format_version"] = max(FORMAT_VERSIONS) + 1
    codes, _ = _codes(_resigned(package, tmp_path / "t.dtipkg", manifest, signer), criteria, trust)
    assert codes == ["format_version"]


@pytest.mark.parametrize(
    ("damage", "where"),
    [
        (lambda m: m.pop("unit"), "unit"),
        (lambda m: m.update(year="2025"), "year"),
        (lambda m: m["evidence"][0].update(path="../x"), "evidence[0].path"),
        (lambda m: m["evidence"][0].update(sha256="abc"), "evidence[0].sha256"),
        (lambda m: m["scores"]["pillars"].update({"1": 21}), "scores.pillars"),
        (lambda m: m.update(created_at="hôm qua"), "created_at"),
        (lambda m: m["answers"]["1.1"].update(note=5), "answers.1.1"),
        (lambda m: m["answers"].update({"1.2": []}), "answers.1.2"),
    ],
)
def test_malformed_manifest(package, tmp_path, criteria, trust, signer, damage, where):
    manifest = _manifest(package)
    damage(manifest)
    codes, verdict = _codes(
        _resigned(package, tmp_path / "t.dtipkg", manifest, signer), criteria, trust
    )
    assert codes == ["manifest_invalid"] and where in verdict.reasons[0].message


def test_manifest_not_json(package, tmp_path, criteria, trust):
    codes, _ = _codes(
        rezip(package, tmp_path / "t.dtipkg", replace={MANIFEST_NAME: b"{not json"}),
        criteria,
        trust,
    )
    assert codes == ["manifest_invalid"]


def test_manifest_missing(package, tmp_path, criteria, trust):
    codes, _ = _codes(
        rezip(package, tmp_path / "t.dtipkg", replace={MANIFEST_NAME: None}), criteria, trust
    )
    assert codes == ["manifest_missing"]


def _cert_package(tmp_path, *, leaf_start, leaf_days, created):
    ca, ca_key = make_ca()
    leaf, key = make_leaf(ca, ca_key, start=leaf_start, days=leaf_days)
    path = build_package(submission(created_at=created), Pkcs12Signer(leaf, key, [ca]), tmp_path)
    registry = TrustRegistry()
    registry.add_certificate("25042", leaf)
    registry.add_anchor(ca)
    return path, registry, ca


def test_certificate_expired_at_signing_time(tmp_path, criteria):
    path, registry, _ = _cert_package(
        tmp_path,
        leaf_start=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
        leaf_days=365,
        created=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    codes, verdict = _codes(path, criteria, registry)
    assert codes == ["certificate_expired"] and "Hùng Lô" in verdict.reasons[0].message


def test_certificate_not_yet_valid_at_signing_time(tmp_path, criteria):
    path, registry, _ = _cert_package(
        tmp_path,
        leaf_start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        leaf_days=365,
        created=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    codes, _ = _codes(path, criteria, registry)
    assert codes == ["certificate_expired"]


def test_certificate_from_an_unconfigured_ca(tmp_path, criteria):
    path, registry, ca = _cert_package(
        tmp_path,
        leaf_start=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
        leaf_days=365,
        created=dt.datetime(2025, 6, 1, tzinfo=dt.UTC),
    )
    other_ca, _ = make_ca("Another CA")
    registry = TrustRegistry(registry.entries, [other_ca])
    codes, _ = _codes(path, criteria, registry)
    assert codes == ["certificate_chain"]


def test_certificate_signed_by_a_lookalike_ca(tmp_path, criteria):
    """Same CA name, different key: the chain check verifies signatures, not just names."""
    real_ca, _ = make_ca("Throwaway Test CA")
    fake_ca, fake_key = make_ca("Throwaway Test CA")
    leaf, key = make_leaf(fake_ca, fake_key)
    path = build_package(submission(), Pkcs12Signer(leaf, key, [fake_ca]), tmp_path)
    registry = TrustRegistry()
    registry.add_certificate("25042", leaf)
    registry.add_anchor(real_ca)
    codes, _ = _codes(path, criteria, registry)
    assert codes == ["certificate_chain"]


def test_cms_signature_over_other_content(tmp_path, criteria):
    ca, ca_key = make_ca()
    leaf, key = make_leaf(ca, ca_key)
    signer = Pkcs12Signer(leaf, key, [ca])
    path = build_package(submission(), signer, tmp_path / "a")
    other = build_package(submission(notes={}), signer, tmp_path / "b")
    swapped = rezip(
        path,
        tmp_path / "t.dtipkg",
        replace={"signature/manifest.p7s": read_entry(other, "signature/manifest.p7s")},
    )
    registry = TrustRegistry()
    registry.add_certificate("25042", leaf)
    registry.add_anchor(ca)
    assert verify_package(path, criteria_sets=criteria, trust=registry).ok
    codes, _ = _codes(swapped, criteria, registry)
    assert codes == ["signature_invalid"]


def test_two_signature_files(package, tmp_path, criteria, trust):
    with zipfile.ZipFile(package) as zf:
        sig = zf.read(SIGNATURE_ED25519)
    codes, _ = _codes(
        rezip(package, tmp_path / "t.dtipkg", add={"signature/manifest.p7s": sig}), criteria, trust
    )
    assert codes == ["signature_invalid"]


def test_certificate_not_for_signing(tmp_path, criteria):
    ca, ca_key = make_ca()
    leaf, key = make_leaf(ca, ca_key, signing=False)  # key encipherment only
    path = build_package(submission(), Pkcs12Signer(leaf, key, [ca]), tmp_path)
    registry = TrustRegistry()
    registry.add_certificate("25042", leaf)
    registry.add_anchor(ca)
    codes, _ = _codes(path, criteria, registry)
    assert codes == ["certificate_usage"]
