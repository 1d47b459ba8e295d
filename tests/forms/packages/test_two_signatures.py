"""Two signatures on a package (issue 17): the chairman's and the organisation's, on the real
SoftHSM2 token, checked at the collector against the test root; the criteria set that requires
the second; and keys that need a login per signature (CKA_ALWAYS_AUTHENTICATE)."""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import zipfile

import pytest

from forms import pdf_signature as ps
from forms.packages import format as fmt
from forms.packages import token as tk
from forms.packages.build import build_package
from forms.packages.report_check import REPORT_SIGNED
from forms.packages.trust import TrustRegistry
from forms.packages.verify import criteria_index, verify_package
from forms.problems import ProblemsError
from tests.forms.packages.helpers import ed_signer, rezip, submission
from tests.forms.packages.test_token_pdf import tiny_pdf
from tests.forms.packages.token_support import add_always_auth_signer
from tests.forms.sample_sets import tiny_set


def _registry(ca, *signers) -> TrustRegistry:
    registry = TrustRegistry()
    for who in signers:
        registry.add_certificate("25042", who.certificate)
    registry.add_anchor(ca.root)
    registry.add_crl(ca.crl)
    return registry


def _both(soft_token, out, organisation=None, report: bytes | None = None, **changes):
    """A package signed by the chairman and the organisation (one token, one login)."""
    ca = soft_token.ca
    organisation = organisation or ca.organisation
    with tk.open_token(soft_token.module, soft_token.pin, serial=soft_token.serial) as session:
        chairman = session.signer(ca.chairman.cka_id)
        org = session.signer(organisation.cka_id)
        pdf = None
        if report is not None:
            pdf = ps.sign_pdf(report, ps.token_pdf_signer(chairman), ps.CHAIRMAN_BOX)
            pdf = ps.sign_pdf(pdf, ps.token_pdf_signer(org), ps.ORGANISATION_BOX)
        sub = submission(report=pdf, **changes)
        return build_package(sub, chairman, out, organisation=org), pdf


def test_both_signatures_verify_against_the_root(soft_token, criteria, tmp_path):
    ca = soft_token.ca
    path, pdf = _both(soft_token, tmp_path / "out", report=tiny_pdf())
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read(fmt.MANIFEST_NAME))
        assert set(zf.namelist()) >= {fmt.SIGNATURE_CMS, fmt.SIGNATURE_ORGANISATION}
        assert zf.read(fmt.REPORT_NAME) == pdf
    assert [s["role"] for s in manifest["signers"]] == ["chairman", "organisation"]
    registry = _registry(ca, ca.chairman, ca.organisation)
    verdict = verify_package(path, criteria_sets=criteria, trust=registry, report=True)
    assert verdict.reasons == [] and verdict.ok
    assert "Nguyễn Văn Bình" in verdict.signer.subject
    assert "UBND xã Hùng Lô" in verdict.organisation.subject
    assert verdict.to_json()["organisation"]["fingerprint"] == verdict.organisation.fingerprint
    # the report PDF's own verdict: both PAdES signatures valid, in their fields
    assert verdict.report.code == REPORT_SIGNED
    fields = [(s.field, s.code) for s in verdict.report.signatures]
    assert fields == [(ps.CHAIRMAN_FIELD, ps.OK), (ps.ORGANISATION_FIELD, ps.OK)]
    # the organisation's certificate must be in the registry for the unit, as the chairman's is
    only_chairman = _registry(ca, ca.chairman)
    refused = verify_package(path, criteria_sets=criteria, trust=only_chairman)
    assert refused.codes == ["organisation_signer_unknown"] and refused.intact


def test_pdfsig_sees_two_valid_signatures(soft_token, tmp_path):
    _path, pdf = _both(soft_token, tmp_path / "out", report=tiny_pdf())
    report = tmp_path / "report.pdf"
    report.write_bytes(pdf)
    assert shutil.which("pdfsig"), "pdfsig missing: sh tools/install-sysdeps.sh"
    done = subprocess.run(["pdfsig", "-nocert", str(report)], capture_output=True, text=True)
    out = done.stdout
    assert out.count("Signature Validation: Signature is Valid.") == 2, out + done.stderr
    assert "Nguyễn Văn Bình" in out and "UBND xã Hùng Lô" in out
    # the first signature covers its revision, the second the whole document
    assert "Total document signed" in out


def test_required_organisation_signature(soft_token, tmp_path):
    ca = soft_token.ca
    strict = dataclasses.replace(tiny_set(), organisation_signature=True)
    sets = criteria_index([strict])
    with tk.open_token(soft_token.module, soft_token.pin, serial=soft_token.serial) as session:
        chairman = session.signer(ca.chairman.cka_id)
        single = build_package(submission(criteria_set=strict), chairman, tmp_path / "one")
    registry = _registry(ca, ca.chairman, ca.organisation)
    verdict = verify_package(single, criteria_sets=sets, trust=registry)
    assert verdict.codes == ["organisation_signature_missing"]
    assert "Nghị định 30/2020" in verdict.reasons[0].message
    both, _pdf = _both(soft_token, tmp_path / "two", criteria_set=strict)
    assert verify_package(both, criteria_sets=sets, trust=registry).ok


def test_setting_absent_keeps_the_set_hash():
    base = tiny_set()
    assert dataclasses.replace(base, organisation_signature=False).content_hash == base.content_hash
    assert dataclasses.replace(base, organisation_signature=True).content_hash != base.content_hash


def test_revoked_organisation_certificate_is_refused(soft_token, criteria, tmp_path):
    ca = soft_token.ca
    path, _pdf = _both(soft_token, tmp_path / "out", organisation=ca.revoked)
    registry = _registry(ca, ca.chairman, ca.revoked)
    verdict = verify_package(path, criteria_sets=criteria, trust=registry)
    assert verdict.codes == ["certificate_revoked"]
    assert verdict.reasons[0].where == fmt.SIGNATURE_ORGANISATION


def test_tampered_second_signature(soft_token, criteria, tmp_path):
    ca = soft_token.ca
    path, _pdf = _both(soft_token, tmp_path / "out")
    registry = _registry(ca, ca.chairman, ca.organisation)
    # the second file removed: the manifest still names an organisation
    dropped = rezip(path, tmp_path / "dropped.dtipkg", replace={fmt.SIGNATURE_ORGANISATION: None})
    assert verify_package(dropped, criteria_sets=criteria, trust=registry).codes == [
        "organisation_signature_missing"
    ]
    # the two signature files swapped: each is by the key named for the other role
    with zipfile.ZipFile(path) as zf:
        first, second = zf.read(fmt.SIGNATURE_CMS), zf.read(fmt.SIGNATURE_ORGANISATION)
    swapped = rezip(
        path,
        tmp_path / "swapped.dtipkg",
        replace={fmt.SIGNATURE_CMS: second, fmt.SIGNATURE_ORGANISATION: first},
    )
    codes = verify_package(swapped, criteria_sets=criteria, trust=registry).codes
    assert codes == ["signature_role_mismatch", "organisation_signature_invalid"]
    # a second signature a one-signature package never declared
    single = build_package(submission(), ed_signer(1), tmp_path / "single")
    extra = rezip(single, tmp_path / "extra.dtipkg", add={fmt.SIGNATURE_ORGANISATION: second})
    codes = verify_package(extra, criteria_sets=criteria, trust=None).codes
    assert "organisation_signature_invalid" in codes


def test_organisation_must_be_another_certificate(soft_token, tmp_path):
    ca = soft_token.ca
    with tk.open_token(soft_token.module, soft_token.pin, serial=soft_token.serial) as session:
        chairman = session.signer(ca.chairman.cka_id)
        with pytest.raises(ProblemsError) as caught:
            build_package(submission(), chairman, tmp_path, organisation=chairman)
        assert caught.value.problems[0].code == "organisation_signer_invalid"
        with pytest.raises(ProblemsError):
            build_package(submission(), chairman, tmp_path, organisation=ed_signer(2))
    assert list(tmp_path.iterdir()) == []


def test_always_authenticate_key_signs_with_a_context_login(fresh_token, criteria, tmp_path):
    ca = fresh_token.ca
    always = add_always_auth_signer(fresh_token, tmp_path / "keys")
    with tk.open_token(fresh_token.module, fresh_token.pin, serial=fresh_token.serial) as session:
        org = session.signer(always.cka_id)
        assert org.always_authenticate
        assert not session.signer(ca.organisation.cka_id).always_authenticate
        chairman = session.signer(ca.chairman.cka_id)
        pdf = ps.sign_pdf(tiny_pdf(), ps.token_pdf_signer(org), ps.ORGANISATION_BOX)
        path = build_package(submission(report=pdf), chairman, tmp_path, organisation=org)
        # without the PIN for the context-specific login: a clear error, nothing tried
        entry = session.certificate(always.cka_id)
        with pytest.raises(tk.TokenError) as caught:
            tk.TokenSigner(session.session, entry, [], None)
        assert caught.value.code == tk.ALWAYS_AUTHENTICATE
        assert "CKA_ALWAYS_AUTHENTICATE" in caught.value.message
        # a wrong one is one attempt, not retried
        wrong = tk.TokenSigner(session.session, entry, [], "000000")
        with pytest.raises(tk.TokenError) as caught:
            wrong.sign(b"manifest")
        assert caught.value.code == tk.PIN_INCORRECT
    registry = _registry(ca, ca.chairman, ca.organisation)
    verdict = verify_package(path, criteria_sets=criteria, trust=registry, report=True)
    assert verdict.ok, verdict.reasons
    assert [s.code for s in verdict.report.signatures] == [ps.OK]
