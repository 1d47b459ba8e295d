"""`dti-desk finalise --token` (issue 17): the package's CMS signed on a real SoftHSM2 token and
the report PDF PAdES-signed by the same certificate in the chairman's signature area, before it
goes into the package, so the manifest's sha256 is the signed PDF's; `package verify` in the
same folder with the CA's root accepts it. Real subprocesses, as an office would run them."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from forms import pdf_signature as ps
from forms.packages.format import MANIFEST_NAME, REPORT_NAME
from forms.packages.trust import TrustRegistry
from forms.packages.verdict import criteria_index
from forms.packages.verify import verify_package
from forms.reference import reference_sets

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def token(desk_token):
    return desk_token


def dti(
    token,
    *args: str,
    pin: str | None = None,
    passphrase: str | None = None,
    org_pin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DTI_LANG": "vi",
           "SOFTHSM2_CONF": str(token.conf)}  # fmt: skip
    for name in ("DTI_PASSPHRASE", "DTI_DATA_DIR", "DTI_PIN", "DTI_ORG_PIN"):
        env.pop(name, None)
    if pin is not None:
        env["DTI_PIN"] = pin
    if org_pin is not None:
        env["DTI_ORG_PIN"] = org_pin
    if passphrase is not None:
        env["DTI_PASSPHRASE"] = passphrase
    return subprocess.run(
        [sys.executable, "-m", "desktop.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def _words(pdf: Path, page: int) -> list[tuple[str, float, float]]:
    """(word, yMin, yMax) on ``page`` (1-based), points from the top."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.findall(r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', html)  # fmt: skip
    return [(w, float(a), float(b)) for a, b, w in found]


def test_finalise_signed_on_the_token(token, tmp_path):
    data = tmp_path / "data"
    made = dti(token, "demo", "commune", "--data-dir", str(data), passphrase="mật khẩu thử")
    assert made.returncode == 0, made.stderr
    out = tmp_path / "nop"
    ca = token.ca
    base = ["--data-dir", str(data), "finalise", "-o", str(out), "--accept-warnings", "--token",
            "--module", token.module, "--token-serial", token.serial]  # fmt: skip

    # a wrong PIN: refused with its code, tried once, nothing written, the assessment still open
    wrong = dti(token, *base, "--cert-id", ca.chairman.id_hex, pin="000000")
    assert wrong.returncode == 1 and "[token_pin_incorrect]" in wrong.stderr, wrong.stderr
    assert not out.exists() or not list(out.iterdir())
    # no --cert-id: a usage message
    usage = dti(token, *base, pin=token.pin)
    assert usage.returncode == 1 and "--cert-id" in usage.stderr

    done = dti(token, *base, "--cert-id", ca.chairman.id_hex, "--json", pin=token.pin)
    assert done.returncode == 0, done.stderr + done.stdout
    result = json.loads(done.stdout)
    package, report = Path(result["package"]), Path(result["report"])
    assert sorted(p.name for p in out.iterdir()) == [package.name, report.name]
    with zipfile.ZipFile(package) as zf:
        manifest = json.loads(zf.read(MANIFEST_NAME))
        inside = zf.read(REPORT_NAME)
        assert "signature/manifest.p7s" in zf.namelist()
    # the signed PDF is the one inside and beside the package, its hash in the signed manifest
    assert inside == report.read_bytes()
    assert manifest["report"]["sha256"] == hashlib.sha256(inside).hexdigest()
    [verdict] = ps.validate_pdf(inside, [ca.root], [ca.files["crl.der"].read_bytes()])
    assert (verdict.field, verdict.code) == (ps.CHAIRMAN_FIELD, ps.OK)
    assert "Nguyễn Văn Bình" in verdict.signer
    signed = subprocess.run(["pdfsig", "-nocert", str(report)], capture_output=True, text=True)
    assert signed.stdout.count("Signature Validation: Signature is Valid.") == 1, signed.stdout
    # the visible stamp sits under "CHỦ TỊCH" on the signature block's page, not at the default
    # box of the last page
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(report)], capture_output=True, text=True, check=True).stdout).group(1))  # fmt: skip
    page = next(n for n in range(1, pages + 1) if any(w[0] == "TỊCH" for w in _words(report, n)))
    words = _words(report, page)
    title = next(w for w in words if w[0] == "TỊCH")
    stamp = next(w for w in words if w[0].startswith("Ký số bởi: Nguyễn Văn Bình"))
    assert stamp[1] > title[2], (title, stamp)

    # the same folder knows the certificate it signed with, once the CA's root is given
    root = str(ca.files["root.pem"])
    verified = dti(token, "--data-dir", str(data), "package", "verify", str(package),
                   "--anchor", root)  # fmt: skip
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "khóa của chính đơn vị này" in verified.stdout
    # and the report PDF's own verdict beside the package's
    assert "Báo cáo PDF: Báo cáo PDF đúng bản trong gói, có chữ ký số hợp lệ của Nguyễn Văn Bình" in verified.stdout  # fmt: skip
    no_root = dti(token, "--data-dir", str(data), "package", "verify", str(package))
    assert no_root.returncode == 1 and "certificate_chain" in no_root.stdout
    # at the province: the chairman's certificate listed for the unit, the root an anchor
    trust = TrustRegistry()
    trust.add_certificate(manifest["unit"]["code"], ca.chairman.certificate)
    trust.add_anchor(ca.root)
    assert verify_package(package, criteria_sets=criteria_index(reference_sets()), trust=trust).ok
