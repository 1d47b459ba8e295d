"""The printed report signed on a USB token (SoftHSM2): the chairman's and the organisation's
visible signatures in the signature block, where the printed block leaves its blank space, read
back by pyHanko's validator and poppler's pdfsig."""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import date

import pytest

from desktop.finalise.report import ReportInfo, report_html, write_pdf
from desktop.finalise.report_pdf import signature_areas
from forms import pdf_signature as ps
from forms.packages import token as tk
from tests.forms.packages import token_support

HEADING = "TM. ỦY BAN NHÂN DÂN"
A4_HEIGHT = 842


@pytest.fixture
def token(tmp_path, monkeypatch):
    conf = token_support.write_conf(tmp_path / "softhsm")
    monkeypatch.setenv("SOFTHSM2_CONF", str(conf))
    ca = token_support.make_test_ca(tmp_path / "ca")
    return token_support.make_token(tmp_path / "token", ca, conf)


def _words(pdf, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) on ``page`` (0-based), points from the top left."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page + 1), "-l", str(page + 1), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>',
        html,
    )
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in found]


def test_report_signed_in_its_signature_block(session, token, tmp_path):
    info = ReportInfo("25001", "Xã Hiền Quan", "Nguyễn Thị Lan", "Công chức", "9A8E 6718", 1,
                      "đã ký", chairman_name="Trần Văn Bình")  # fmt: skip
    html = report_html(session, info, date(2026, 12, 3))
    pdf = write_pdf(html, tmp_path / "bao-cao.pdf", "Báo cáo")
    areas = signature_areas(html, HEADING)
    page, (x1, y1, x2, y2) = areas["chairman"]
    # the box lies under "CHỦ TỊCH" and over the chairman's name, on the page they are printed on
    words = _words(pdf, page)
    title = next(w for w in words if w[0] == "TỊCH")
    name = next(w for w in words if w[0] == "Bình")
    top, bottom = A4_HEIGHT - y2, A4_HEIGHT - y1
    assert title[4] <= top + 2 and bottom <= name[2] + 2, (title, name, areas)
    assert x1 <= name[1] and name[3] <= x2 and bottom - top > 25
    org_page, org_box = areas["organisation"]
    assert org_page == page and (org_box[0], org_box[2]) == (x1, x2)  # the same column
    assert A4_HEIGHT - org_box[3] >= name[4]  # under the name

    ca = token.ca
    signed = pdf.read_bytes()
    for who, field, (at, box) in (
        (ca.chairman, ps.CHAIRMAN_FIELD, areas["chairman"]),
        (ca.organisation, ps.ORGANISATION_FIELD, areas["organisation"]),
    ):
        with tk.open_token(token.module, token.pin, cert_id=who.cka_id) as opened:
            signer = ps.token_pdf_signer(opened.signer(who.cka_id))
            signed = ps.sign_pdf(signed, signer, ps.SignatureBox(field, box, at))
    verdicts = ps.validate_pdf(signed, [ca.root], [ca.files["crl.der"].read_bytes()])
    assert [(v.field, v.code) for v in verdicts] == [
        (ps.CHAIRMAN_FIELD, ps.OK),
        (ps.ORGANISATION_FIELD, ps.OK),
    ]
    out = tmp_path / "bao-cao-da-ky.pdf"
    out.write_bytes(signed)
    assert shutil.which("pdfsig"), "pdfsig missing: sh tools/install-sysdeps.sh installs it"
    done = subprocess.run(["pdfsig", "-nocert", str(out)], capture_output=True, text=True)
    assert done.stdout.count("Signature Validation: Signature is Valid.") == 2, done.stdout
    # the stamp is on the page of the signature block, in Vietnamese
    stamped = " ".join(w[0] for w in _words(out, page))
    assert "Ký số bởi: Nguyễn Văn Bình" in stamped


def test_no_signature_block_no_area(session):
    info = ReportInfo("25001", "Xã Hiền Quan", "Lan", "Công chức", "9A8E", 1, "đã ký")
    assert signature_areas(report_html(session, info, date(2026, 12, 3)), "KHÔNG CÓ") == {}
