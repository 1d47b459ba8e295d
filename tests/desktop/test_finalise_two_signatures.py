"""`dti-desk finalise --token … --org-token …` (issue 17): the chairman and the organisation
sign the package and the report PDF, from one token (one PIN) or two tokens (two PINs) or the
organisation's .p12; `package verify` names both signers and pdfsig sees two valid signatures.
Real subprocesses and a real SoftHSM2 token."""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from forms import pdf_signature as ps
from forms.packages.format import REPORT_NAME, SIGNATURE_ORGANISATION
from forms.packages.trust import TrustRegistry
from forms.packages.verdict import criteria_index
from forms.packages.verify import verify_package
from forms.reference import reference_sets
from tests.desktop.test_finalise_token import dti
from tests.forms.packages.helpers import pkcs12_bytes
from tests.forms.packages.token_support import make_token


@pytest.fixture(scope="module")
def token(desk_token):
    return desk_token


@pytest.fixture
def commune(token, tmp_path):
    data = tmp_path / "data"
    made = dti(token, "demo", "commune", "--data-dir", str(data), passphrase="mật khẩu thử")
    assert made.returncode == 0, made.stderr
    return data


def _base(token, data: Path, out: Path) -> list[str]:
    return ["--data-dir", str(data), "finalise", "-o", str(out), "--accept-warnings", "--json",
            "--token", "--module", token.module, "--token-serial", token.serial,
            "--cert-id", token.ca.chairman.id_hex]  # fmt: skip


def _check_both(token, package: Path, report: Path, organisation) -> None:
    ca = token.ca
    with zipfile.ZipFile(package) as zf:
        assert SIGNATURE_ORGANISATION in zf.namelist()
        assert zf.read(REPORT_NAME) == report.read_bytes()
        unit = json.loads(zf.read("manifest.json"))["unit"]["code"]
    verdicts = ps.validate_pdf(report.read_bytes(), [ca.root], [ca.files["crl.der"].read_bytes()])
    assert [(v.field, v.code) for v in verdicts] == [
        (ps.CHAIRMAN_FIELD, ps.OK),
        (ps.ORGANISATION_FIELD, ps.OK),
    ]
    done = subprocess.run(["pdfsig", "-nocert", str(report)], capture_output=True, text=True)
    assert done.stdout.count("Signature Validation: Signature is Valid.") == 2, done.stdout
    trust = TrustRegistry()
    trust.add_certificate(unit, ca.chairman.certificate)
    trust.add_certificate(unit, organisation)
    trust.add_anchor(ca.root)
    trust.add_crl(ca.crl)
    verdict = verify_package(
        package, criteria_sets=criteria_index(reference_sets()), trust=trust, report=True
    )
    assert verdict.ok, verdict.reasons
    assert verdict.report.ok and len(verdict.report.signatures) == 2


def test_one_token_both_certificates_one_pin(token, commune, tmp_path):
    out = tmp_path / "nop"
    ca = token.ca
    done = dti(token, *_base(token, commune, out), "--org-token", "--org-cert-id",
               ca.organisation.id_hex, pin=token.pin)  # fmt: skip
    assert done.returncode == 0, done.stderr + done.stdout
    result = json.loads(done.stdout)
    package, report = Path(result["package"]), Path(result["report"])
    _check_both(token, package, report, ca.organisation.certificate)
    # the commune's own check names both signers
    verified = dti(token, "--data-dir", str(commune), "package", "verify", str(package),
                   "--anchor", str(ca.files["root.pem"]))  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "Chủ tịch ký: " in verified.stdout and "Nguyễn Văn Bình" in verified.stdout
    assert "Cơ quan ký: " in verified.stdout and "UBND xã Hùng Lô" in verified.stdout


def test_two_tokens_two_pins(token, commune, tmp_path):
    ca = token.ca
    second = make_token(tmp_path / "org-token", ca, token.conf, "Co quan Hung Lo")
    out = tmp_path / "nop"
    args = [*_base(token, commune, out), "--org-token", "--org-cert-id", ca.organisation.id_hex,
            "--org-token-serial", second.serial]  # fmt: skip
    # no DTI_ORG_PIN and no terminal: a usage error before anything is written
    missing = dti(token, *args, pin=token.pin)
    assert missing.returncode == 1 and "DTI_ORG_PIN" in json.loads(missing.stdout)["message"]
    assert not out.exists() or not list(out.iterdir())
    done = dti(token, *args, pin=token.pin, org_pin=second.pin)
    assert done.returncode == 0, done.stderr + done.stdout
    result = json.loads(done.stdout)
    _check_both(token, Path(result["package"]), Path(result["report"]), ca.organisation.certificate)


def test_organisation_from_a_p12(token, commune, tmp_path):
    ca = token.ca
    p12 = tmp_path / "co-quan.p12"
    p12.write_bytes(
        pkcs12_bytes(ca.organisation.certificate, ca.organisation.private_key, ca.root, b"bi-mat")
    )
    out = tmp_path / "nop"
    args = [*_base(token, commune, out), "--org-p12", str(p12)]
    wrong = dti(token, *args, pin=token.pin, org_pin="sai")
    assert wrong.returncode == 1 and "organisation_p12_invalid" in wrong.stdout
    done = dti(token, *args, pin=token.pin, org_pin="bi-mat")
    assert done.returncode == 0, done.stderr + done.stdout
    result = json.loads(done.stdout)
    _check_both(token, Path(result["package"]), Path(result["report"]), ca.organisation.certificate)
