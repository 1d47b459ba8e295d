"""Build -> sign -> verify, for both signer kinds; the format's small promises."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile

import pytest
from cryptography.hazmat.primitives import serialization

from forms.packages.build import EvidenceFile, build_package
from forms.packages.format import MANIFEST_NAME, SIGNATURE_CMS, SIGNATURE_ED25519, package_file_name
from forms.packages.signing import Pkcs12Signer
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from forms.problems import ProblemsError
from tests.forms.packages.helpers import (
    ed_signer,
    make_ca,
    make_leaf,
    pkcs12_bytes,
    read_entry,
    submission,
)


def test_ed25519_round_trip(package, criteria, trust, signer):
    verdict = verify_package(package, criteria_sets=criteria, trust=trust)
    assert verdict.reasons == []
    assert verdict.ok
    assert verdict.to_json() == {
        "ok": True,
        "unit": "25042",
        "year": 2025,
        "submission_id": "7b0a4c2e-52c4-4f5e-9a43-6c3a0f3d9a10",
        "signer": {"kind": "ed25519", "fingerprint": signer.fingerprint},
        "reasons": [],
    }
    manifest = verdict.manifest
    assert manifest["unit"] == {"code": "25042", "name": "Xã Hùng Lô"}
    assert manifest["scores"]["indicators"]["1.1"] == "15"
    assert manifest["scores"]["indicators"]["1.2"] == "6.666666666666666666666666667"
    assert manifest["scores"]["published_total"] == "43.17"
    assert manifest["scores"]["classification"] == "Khá"
    assert manifest["answers"]["1.1"] == {"values": {"count": 3}, "note": "Họp quý I, II, IV"}
    assert [e["original_name"] for e in manifest["evidence"]] == [
        "Biên bản họp quý I.pdf",
        "ảnh chụp trang web.png",
    ]
    assert manifest["evidence"][0]["document"]["number"] == "12/BB-UBND"
    assert verdict.manifest_bytes == read_entry(package, MANIFEST_NAME)


def test_pkcs12_round_trip(tmp_path, criteria):
    ca, ca_key = make_ca()
    leaf, key = make_leaf(ca, ca_key)
    signer = Pkcs12Signer.from_pkcs12(pkcs12_bytes(leaf, key, ca), b"mat-khau")
    path = build_package(submission(), signer, tmp_path)
    registry = TrustRegistry()
    registry.add_certificate("25042", leaf)
    registry.add_anchor(ca)
    verdict = verify_package(path, criteria_sets=criteria, trust=registry)
    assert verdict.reasons == [] and verdict.ok
    assert verdict.signer.kind == "x509" and verdict.signer.fingerprint == signer.fingerprint
    assert "Hùng Lô" in verdict.signer.subject
    with zipfile.ZipFile(path) as zf:
        assert SIGNATURE_CMS in zf.namelist() and SIGNATURE_ED25519 not in zf.namelist()


def test_pkcs12_wrong_password_is_a_value_error():
    ca, ca_key = make_ca()
    leaf, key = make_leaf(ca, ca_key)
    with pytest.raises(ValueError):
        Pkcs12Signer.from_pkcs12(pkcs12_bytes(leaf, key, ca), b"sai")


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_cms_signature_is_standard(tmp_path):
    """Any CMS tool can check our signature: openssl cms -verify against the CA."""
    ca, ca_key = make_ca()
    leaf, key = make_leaf(ca, ca_key)
    path = build_package(submission(), Pkcs12Signer(leaf, key, [ca]), tmp_path)
    (tmp_path / "m.json").write_bytes(read_entry(path, MANIFEST_NAME))
    (tmp_path / "s.p7s").write_bytes(read_entry(path, SIGNATURE_CMS))
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    args = [
        "openssl",
        "cms",
        "-verify",
        "-binary",
        "-inform",
        "DER",
        "-in",
        str(tmp_path / "s.p7s"),
        "-content",
        str(tmp_path / "m.json"),
        "-CAfile",
        str(tmp_path / "ca.pem"),
        "-purpose",
        "any",
        "-out",
        str(tmp_path / "o"),
    ]
    assert subprocess.run(args, capture_output=True).returncode == 0
    (tmp_path / "m.json").write_bytes(read_entry(path, MANIFEST_NAME).replace(b"25042", b"25043"))
    assert subprocess.run(args, capture_output=True).returncode != 0


def test_same_content_same_key_same_bytes(tmp_path, signer):
    a = build_package(submission(), signer, tmp_path / "a")
    b = build_package(submission(), signer, tmp_path / "b")
    assert a.read_bytes() == b.read_bytes()  # reproducible down to the zip
    c = build_package(
        submission(submission_id="00000000-0000-4000-8000-000000000000"), signer, tmp_path / "c"
    )
    ma, mc = json.loads(read_entry(a, MANIFEST_NAME)), json.loads(read_entry(c, MANIFEST_NAME))
    assert ma != mc
    mc["submission_id"] = ma["submission_id"]
    assert ma == mc


def test_manifest_is_canonical_nfc_json(package):
    raw = read_entry(package, MANIFEST_NAME)
    data = json.loads(raw)
    assert (
        raw == json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    )
    scores = data["scores"]
    assert all(
        isinstance(v, str)
        for v in [*scores["indicators"].values(), *scores["pillars"].values(), scores["total"]]
    )


def test_nfd_input_is_stored_nfc(tmp_path, signer):
    path = build_package(
        submission(unit_name="Xa\u0303 Hu\u0300ng Lô", notes={"1.1": "Ho\u0323p"}), signer, tmp_path
    )
    data = json.loads(read_entry(path, MANIFEST_NAME))
    assert data["unit"]["name"] == "Xã Hùng Lô"
    assert data["answers"]["1.1"]["note"] == "Họp"


def test_file_name_from_unit_year_revision(package):
    assert package.name == "25042_2025_r2.dtipkg" == package_file_name("25042", 2025, 2)
    assert package_file_name("../Xã 1", 2025, 1) == "Xa-1_2025_r1.dtipkg"


def test_evidence_from_disk(tmp_path, signer, criteria, trust):
    doc = tmp_path / "quyết định.pdf"
    doc.write_bytes(b"%PDF-" + bytes(5000))
    path = build_package(
        submission(evidence=(EvidenceFile("1.1", doc.name, source=doc),)), signer, tmp_path / "out"
    )
    assert verify_package(path, criteria_sets=criteria, trust=trust).ok


def test_bad_input_raises_problems_and_leaves_nothing(tmp_path, signer):
    out = tmp_path / "out"
    bad = submission(
        answers={"9.9": {"x": 1}},
        evidence=(EvidenceFile("1.1", "mất.pdf", source=tmp_path / "missing.pdf"),),
    )
    with pytest.raises(ProblemsError) as err:
        build_package(bad, signer, out)
    codes = [p.code for p in err.value.problems]
    assert codes == ["unknown_indicator", "evidence_missing"]
    assert "9.9" in err.value.problems[0].message and "mất.pdf" in err.value.problems[1].message
    assert not out.exists() or list(out.iterdir()) == []


def test_failed_signing_leaves_no_partial_file(tmp_path):
    class Broken:
        kind, fingerprint, key_id = "ed25519", "X", "x" * 64

        def sign(self, data):
            raise OSError("token removed")

    with pytest.raises(OSError):
        build_package(submission(), Broken(), tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_two_signers_give_different_fingerprints():
    assert ed_signer(1).fingerprint != ed_signer(2).fingerprint
    fp = ed_signer(1).fingerprint
    assert len(fp) == 19
    assert all(
        len(group) == 4 and all(c in "0123456789ABCDEF" for c in group) for group in fp.split(" ")
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("20", "20"),
        ("20.00", "20"),
        ("-0", "0"),
        ("0.000", "0"),
        ("6.50", "6.5"),
        ("1E+2", "100"),
        ("0.0001", "0.0001"),
    ],
)
def test_decimal_text(value, text):
    from decimal import Decimal

    from forms.packages.manifest import decimal_text

    assert decimal_text(Decimal(value)) == text


def test_evidence_the_verifier_would_refuse_is_refused_at_build(tmp_path, signer, monkeypatch):
    import forms.packages.build as build

    monkeypatch.setattr(build, "MAX_ENTRY_BYTES", 1000)
    big = submission(evidence=(EvidenceFile("1.1", "quét.pdf", content=b"%PDF-" + bytes(996)),))
    with pytest.raises(ProblemsError) as err:
        build_package(big, signer, tmp_path)
    assert [p.code for p in err.value.problems] == ["evidence_too_large"]
    assert "quét.pdf" in err.value.problems[0].message
    assert list(tmp_path.iterdir()) == []
