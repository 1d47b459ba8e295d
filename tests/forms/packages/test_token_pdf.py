"""PAdES on a PDF, signed on the SoftHSM2 token (and with a PKCS#12 file), checked offline by
pyHanko against the test root and CRL, and read back by poppler's pdfsig."""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from forms import pdf_signature as ps
from forms.packages import token as tk
from tests.forms.packages.helpers import make_ca, make_leaf, pkcs12_bytes
from tests.forms.packages.token_support import STALE_NEXT


def tiny_pdf(pages: int = 2) -> bytes:
    """A plain A4 PDF with a line of text per page, xref offsets computed."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>"]
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(pages))
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>")
    for i in range(pages):
        stream = f"BT /F1 13 Tf 72 770 Td (Bao cao trang {i + 1}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def _sign_on_token(soft_token, who, pdf: bytes, box=ps.CHAIRMAN_BOX) -> bytes:
    with tk.open_token(
        soft_token.module, soft_token.pin, cert_id=who.cka_id, serial=soft_token.serial
    ) as session:
        signer = session.signer(who.cka_id)
        return ps.sign_pdf(
            pdf, ps.token_pdf_signer(signer), box, reason="Phê duyệt báo cáo", location="Hùng Lô"
        )


def test_two_token_signatures_validate_against_the_root(soft_token):
    ca = soft_token.ca
    once = _sign_on_token(soft_token, ca.chairman, tiny_pdf())
    twice = _sign_on_token(soft_token, ca.organisation, once, ps.ORGANISATION_BOX)
    verdicts = ps.validate_pdf(twice, [ca.root], [ca.files["crl.der"].read_bytes()])
    assert [(v.field, v.code) for v in verdicts] == [
        (ps.CHAIRMAN_FIELD, ps.OK),
        (ps.ORGANISATION_FIELD, ps.OK),
    ]
    assert "Nguyễn Văn Bình" in verdicts[0].signer and verdicts[0].signing_time is not None
    assert "UBND xã Hùng Lô" in verdicts[1].signer
    # another root: neither is trusted
    other, _key = make_ca("Another Root")
    assert {v.code for v in ps.validate_pdf(twice, [other])} == {ps.UNTRUSTED}


def test_revoked_signer_and_tampered_pdf_are_refused(soft_token):
    ca = soft_token.ca
    crl = ca.files["crl.pem"].read_bytes()  # PEM and DER both read
    revoked = _sign_on_token(soft_token, ca.revoked, tiny_pdf())
    [verdict] = ps.validate_pdf(revoked, [ca.root], [crl])
    assert verdict.code == ps.REVOKED and "thu hồi" in verdict.message
    # without the CRL nothing says it is revoked (soft-fail: a CRL is checked where given)
    assert ps.validate_pdf(revoked, [ca.root])[0].code == ps.OK

    signed = _sign_on_token(soft_token, ca.chairman, tiny_pdf())
    at = signed.index(b"Bao cao trang 1")
    tampered = signed[:at] + b"Bao cao trang 9" + signed[at + 15 :]
    assert ps.validate_pdf(tampered, [ca.root])[0].code == ps.BROKEN
    # a later revision that changes what a page shows is not covered by the signature
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    text = generic.StreamObject(stream_data=b"BT /F1 13 Tf 72 700 Td (Diem: 100) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(text))
    changed = io.BytesIO()
    writer.write(changed)
    [verdict] = ps.validate_pdf(changed.getvalue(), [ca.root])
    assert verdict.code == ps.MODIFIED and "đã bị sửa" in verdict.message


def test_stale_crl_is_reported(soft_token):
    ca = soft_token.ca
    stale = ca.files["stale.der"].read_bytes()
    [found] = ps.stale_crls([stale, ca.files["crl.der"].read_bytes()])
    assert found.next_update_utc == STALE_NEXT
    assert ps.stale_crls([ca.files["crl.der"].read_bytes()]) == []


def test_pkcs12_signed_pdf(tmp_path):
    ca, ca_key = make_ca()
    leaf, key = make_leaf(ca, ca_key)
    signer = ps.pkcs12_pdf_signer(pkcs12_bytes(leaf, key, ca), b"mat-khau")
    signed = ps.sign_pdf(tiny_pdf(1), signer)
    [verdict] = ps.validate_pdf(signed, [ca])
    assert verdict.ok and "Nguyễn Văn A" in verdict.signer


def test_not_a_pdf():
    with pytest.raises(ps.PdfSignatureError) as caught:
        ps.validate_pdf(b"%PDF-1.7\nnot really", [])
    assert caught.value.code == ps.UNREADABLE
    assert ps.validate_pdf(tiny_pdf(), []) == []  # unsigned: no verdicts


def test_pdfsig_reads_the_token_signature_as_valid(soft_token, tmp_path):
    ca = soft_token.ca
    path = tmp_path / "report.pdf"
    path.write_bytes(_sign_on_token(soft_token, ca.chairman, tiny_pdf()))
    assert shutil.which("pdfsig"), (
        "pdfsig missing: sh tools/install-sysdeps.sh installs poppler-utils"
    )
    done = subprocess.run(
        ["pdfsig", "-nocert", str(path)], capture_output=True, text=True, check=False
    )
    assert "Signature Validation: Signature is Valid." in done.stdout, done.stdout + done.stderr
    assert "Nguyễn Văn Bình" in done.stdout
    assert "Total document signed" in done.stdout


def test_signs_after_asn1crypto_cached_its_names(soft_token):
    """Regression: a package's CMS handled first left asn1crypto's name cache without the
    names asn1crypto.tsp and pyHanko add later; signing the PDF then failed on
    'signing_certificate_v2'."""
    from asn1crypto import cms

    named = cms.CMSAttributeType
    # the cache as it stood when built before asn1crypto.tsp was imported
    named._reverse_map = {
        name: oid for oid, name in named._map.items() if name != "signing_certificate_v2"
    }
    signed = _sign_on_token(soft_token, soft_token.ca.chairman, tiny_pdf(1))
    assert ps.validate_pdf(signed, [soft_token.ca.root])[0].ok
