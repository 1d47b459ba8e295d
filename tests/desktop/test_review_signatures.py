"""The reviewer's screen shows both verdicts (issue 17): the package's signature and the report
PDF's own PAdES signature, checked against the collector's trust anchors (SoftHSM2 token)."""

from __future__ import annotations

from desktop.collector.session import CollectorSession
from desktop.review.reviewer import ReviewerScreen
from desktop.tasks import TaskRunner
from forms import pdf_signature as ps
from forms.packages import report_check as rc
from forms.packages import token as tk
from forms.packages.build import build_package
from forms.packages.trust import TrustRegistry
from local_db.collector import CollectorStore
from tests.forms.packages.helpers import ed_signer, submission
from tests.forms.packages.test_token_pdf import tiny_pdf
from tests.local_db.review_support import CS, REVIEWER


def _token_package(token, pdf_signer, out):
    """A package the chairman signs on the token, its report PDF signed by ``pdf_signer``."""
    ca = token.ca
    with tk.open_token(token.module, token.pin, serial=token.serial) as session:
        pdf = ps.sign_pdf(tiny_pdf(), ps.token_pdf_signer(session.signer(pdf_signer.cka_id)))
        return build_package(submission(report=pdf), session.signer(ca.chairman.cka_id), out)


def _screen(qtbot, tmp_path, package, trust):
    store = CollectorStore(tmp_path / "c.sqlite")
    summary = store.merge([package], trust, [CS])
    assert summary.accepted == 1, summary
    sha = store.current_of("25042", 2025)[0]
    session = CollectorSession(store, TaskRunner(synchronous=True), officer="Trần Văn Bình")
    screen = ReviewerScreen(session, sha, CS, REVIEWER, evidence_dir=tmp_path / "open",
                            trust=trust)  # fmt: skip
    qtbot.addWidget(screen)
    return store, screen


def test_reviewer_sees_the_package_and_pdf_signatures(qtbot, tmp_path, desk_token):
    ca = desk_token.ca
    trust = TrustRegistry()
    trust.add_certificate("25042", ca.chairman.certificate)
    trust.add_anchor(ca.root)
    package = _token_package(desk_token, ca.chairman, tmp_path / "in")
    store, screen = _screen(qtbot, tmp_path, package, trust)
    text = screen.signatures.text()
    assert "Chữ ký số của gói: hợp lệ" in text
    assert "Báo cáo PDF: Báo cáo PDF đúng bản trong gói, có chữ ký số hợp lệ của Nguyễn Văn Bình" in text  # fmt: skip
    assert screen.signatures.report_verdict.code == rc.REPORT_SIGNED
    store.close()


def test_reviewer_sees_an_unsigned_report(qtbot, tmp_path):
    signer = ed_signer(1)
    trust = TrustRegistry()
    trust.add_key("25042", signer.public_raw, "Xã Hùng Lô")
    package = build_package(submission(report=tiny_pdf()), signer, tmp_path / "in")
    store, screen = _screen(qtbot, tmp_path, package, trust)
    assert "không mang chữ ký số riêng" in screen.signatures.text()
    assert screen.signatures.report_verdict.code == rc.REPORT_UNSIGNED
    store.close()


def test_reviewer_sees_a_report_signed_by_a_revoked_certificate(qtbot, tmp_path, desk_token):
    """The CRL imported into the trust registry is used for the PDF too, with no option."""
    from cryptography import x509

    ca = desk_token.ca
    crl = x509.load_der_x509_crl(ca.files["crl.der"].read_bytes())
    trust = TrustRegistry(crls=[crl])
    trust.add_certificate("25042", ca.chairman.certificate)
    trust.add_anchor(ca.root)
    package = _token_package(desk_token, ca.revoked, tmp_path / "in")
    store, screen = _screen(qtbot, tmp_path, package, trust)
    text = screen.signatures.text()
    assert "Chữ ký số của gói: hợp lệ" in text
    assert "Chữ ký số trên báo cáo PDF không hợp lệ" in text and "thu hồi" in text
    assert [s.code for s in screen.signatures.report_verdict.signatures] == [ps.REVOKED]
    store.close()


def test_reviewer_sees_both_signatures_of_a_two_signature_package(qtbot, tmp_path, desk_token):
    ca = desk_token.ca
    trust = TrustRegistry()
    trust.add_certificate("25042", ca.chairman.certificate)
    trust.add_certificate("25042", ca.organisation.certificate)
    trust.add_anchor(ca.root)
    with tk.open_token(desk_token.module, desk_token.pin, serial=desk_token.serial) as session:
        chairman, org = session.signer(ca.chairman.cka_id), session.signer(ca.organisation.cka_id)
        pdf = ps.sign_pdf(tiny_pdf(), ps.token_pdf_signer(chairman), ps.CHAIRMAN_BOX)
        pdf = ps.sign_pdf(pdf, ps.token_pdf_signer(org), ps.ORGANISATION_BOX)
        package = build_package(submission(report=pdf), chairman, tmp_path / "in", organisation=org)
    store, screen = _screen(qtbot, tmp_path, package, trust)
    text = screen.signatures.text()
    assert "có cả chữ ký của Chủ tịch và của cơ quan" in text
    assert "Chữ ký của Chủ tịch: hợp lệ" in text and "Chữ ký của cơ quan: hợp lệ" in text
    assert "Nguyễn Văn Bình; UBND xã Hùng Lô" in text
    store.close()


def test_merge_refuses_a_package_without_the_required_organisation_signature(tmp_path, desk_token):
    import dataclasses

    ca = desk_token.ca
    strict = dataclasses.replace(CS, organisation_signature=True)
    trust = TrustRegistry()
    trust.add_certificate("25042", ca.chairman.certificate)
    trust.add_certificate("25042", ca.organisation.certificate)
    trust.add_anchor(ca.root)
    with tk.open_token(desk_token.module, desk_token.pin, serial=desk_token.serial) as session:
        chairman, org = session.signer(ca.chairman.cka_id), session.signer(ca.organisation.cka_id)
        single = build_package(submission(criteria_set=strict), chairman, tmp_path / "one")
        both = build_package(
            submission(criteria_set=strict), chairman, tmp_path / "two", organisation=org
        )
    with CollectorStore(tmp_path / "c.sqlite") as store:
        summary = store.merge([single], trust, [strict])
        assert summary.accepted == 0
        [rejected] = summary.rejected
        assert [r.code for r in rejected.reasons] == ["organisation_signature_missing"]
        assert store.merge([both], trust, [strict]).accepted == 1
