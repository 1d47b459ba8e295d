"""The report PDF's own verdict beside the package's (issue 17): the PDF the manifest lists, its
PAdES signatures checked against the same anchors and CRLs, on a real SoftHSM2 token."""

from __future__ import annotations

import hashlib

from forms import pdf_signature as ps
from forms.packages import report_check as rc
from forms.packages import token as tk
from forms.packages.build import build_package
from forms.packages.revocation import RevocationLists
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from tests.forms.packages.helpers import submission
from tests.forms.packages.test_token_pdf import tiny_pdf


def _signed(soft_token, who, pdf: bytes) -> bytes:
    with tk.open_token(soft_token.module, soft_token.pin, cert_id=who.cka_id,
                       serial=soft_token.serial) as session:  # fmt: skip
        return ps.sign_pdf(pdf, ps.token_pdf_signer(session.signer(who.cka_id)))


def _package(soft_token, report: bytes, out):
    """A package signed on the token by the chairman, carrying ``report``."""
    chairman = soft_token.ca.chairman
    with tk.open_token(soft_token.module, soft_token.pin, cert_id=chairman.cka_id,
                       serial=soft_token.serial) as session:  # fmt: skip
        return build_package(submission(report=report), session.signer(chairman.cka_id), out)


def _trust(ca) -> TrustRegistry:
    registry = TrustRegistry()
    registry.add_certificate("25042", ca.chairman.certificate)
    registry.add_anchor(ca.root)
    return registry


def test_signed_report_checked_beside_the_package(soft_token, criteria, tmp_path):
    ca = soft_token.ca
    crls = RevocationLists.from_files([ca.files["crl.der"]])
    package = _package(soft_token, _signed(soft_token, ca.chairman, tiny_pdf()), tmp_path / "a")
    verdict = verify_package(package, criteria_sets=criteria, trust=_trust(ca), revocation=crls,
                             report=True)  # fmt: skip
    assert verdict.ok, verdict.reasons
    assert verdict.report.code == rc.REPORT_SIGNED and verdict.report.ok
    assert [(s.field, s.code) for s in verdict.report.signatures] == [(ps.CHAIRMAN_FIELD, ps.OK)]
    assert "Nguyễn Văn Bình" in verdict.report.message
    # not asked for: no report verdict (merge does not pay for it)
    assert verify_package(package, criteria_sets=criteria, trust=_trust(ca)).report is None


def test_report_signed_by_a_revoked_certificate(soft_token, criteria, tmp_path):
    """The package is sound (the chairman signed it); the PDF inside bears the signature of a
    certificate the CRL revoked before it was made: the report's verdict says so."""
    ca = soft_token.ca
    crls = RevocationLists.from_files([ca.files["crl.der"]])
    package = _package(soft_token, _signed(soft_token, ca.revoked, tiny_pdf()), tmp_path / "r")
    verdict = verify_package(package, criteria_sets=criteria, trust=_trust(ca), revocation=crls,
                             report=True)  # fmt: skip
    assert verdict.ok
    assert verdict.report.code == rc.REPORT_BAD_SIGNATURE and not verdict.report.ok
    assert [s.code for s in verdict.report.signatures] == [ps.REVOKED]
    # without the CRL nothing says it was revoked
    unaware = verify_package(package, criteria_sets=criteria, trust=_trust(ca), report=True)
    assert unaware.report.code == rc.REPORT_SIGNED


def test_unsigned_report_and_no_report(signer, trust, criteria, tmp_path):
    plain = tiny_pdf()
    package = build_package(submission(report=plain), signer, tmp_path / "u")
    verdict = verify_package(package, criteria_sets=criteria, trust=trust, report=True)
    assert verdict.ok and verdict.report.code == rc.REPORT_UNSIGNED and verdict.report.ok
    bare = build_package(submission(), signer, tmp_path / "n")
    assert verify_package(bare, criteria_sets=criteria, trust=trust, report=True).report is None


def test_report_pdf_checked_on_its_own(soft_token):
    ca = soft_token.ca
    pdf = _signed(soft_token, ca.chairman, tiny_pdf())
    listed = {"path": "report.pdf", "size": len(pdf), "sha256": hashlib.sha256(pdf).hexdigest()}
    assert rc.check_report_pdf(pdf, listed, [ca.root]).code == rc.REPORT_SIGNED
    # no anchor it leads to
    untrusted = rc.check_report_pdf(pdf, listed, [])
    assert untrusted.code == rc.REPORT_BAD_SIGNATURE
    assert [s.code for s in untrusted.signatures] == [ps.UNTRUSTED]
    # not the listed PDF: a byte changed, or another PDF altogether
    changed = pdf[:-10] + b"%%EOF\n    "
    assert rc.check_report_pdf(changed, listed, [ca.root]).code == rc.REPORT_MISMATCH
    other = tiny_pdf(1)
    assert rc.check_report_pdf(other, listed, [ca.root]).code == rc.REPORT_MISMATCH
    # listed but broken inside: the hash fits (a forger lists his own bytes), the signature not
    broken = pdf.replace(b"Bao cao trang 1", b"Bao cao trang 9")
    relisted = {**listed, "sha256": hashlib.sha256(broken).hexdigest()}
    verdict = rc.check_report_pdf(broken, relisted, [ca.root])
    assert verdict.code == rc.REPORT_BAD_SIGNATURE
    assert [s.code for s in verdict.signatures] == [ps.BROKEN]
