"""The report PDF signed on the USB token, in the chairman's signature area (and the
organisation's, when it signs too).

The same logged-in token session that signs the package's CMS signs the report (PAdES, a
visible field) before it goes into the package, so the manifest's sha256 is the signed PDF's.
The field goes where the printed signature block leaves its blank space, between "CHỦ TỊCH"
and the chairman's name (``signature_areas``); a report without that block gets the default
box at the bottom right of the last page. The organisation's signature (its own token or the
same one, or a .p12) follows as a second incremental update in its own field, under the name:
the chairman's stays valid (Decree 30/2020/NĐ-CP, the person's then the organisation's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from forms.i18n import _

if TYPE_CHECKING:
    from forms.packages.signing import Signer
    from forms.pdf_signature import SignatureBox


def _box(report_html: str, role: str) -> SignatureBox:
    from desktop.finalise.report_pdf import signature_areas
    from forms import pdf_signature as ps

    name, default = {
        "chairman": (ps.CHAIRMAN_FIELD, ps.CHAIRMAN_BOX),
        "organisation": (ps.ORGANISATION_FIELD, ps.ORGANISATION_BOX),
    }[role]
    areas = signature_areas(report_html, _("TM. ỦY BAN NHÂN DÂN"))
    if role not in areas:
        return default
    page, (x1, y1, x2, y2) = areas[role]
    return ps.SignatureBox(name, (x1, y1, x2, y2), page)


def chairman_box(report_html: str) -> SignatureBox:
    """The chairman's field, found by the first line of the signature block's cell as
    ``desktop/finalise/report.py`` prints it."""
    return _box(report_html, "chairman")


def organisation_box(report_html: str) -> SignatureBox:
    """The organisation's field, under the chairman's name in the same column."""
    return _box(report_html, "organisation")


def report_signing(
    signer: Signer | None, report_html: str, organisation: Signer | None = None
) -> Callable[[bytes], bytes]:
    """A function that PAdES-signs the printed report: ``signer``'s (the chairman's token or
    .p12; None: the app's key, which does not sign the PDF) then ``organisation``'s."""
    from forms import pdf_signature as ps

    steps = [
        (ps.pdf_signer_for(who), _box(report_html, role))
        for who, role in ((signer, "chairman"), (organisation, "organisation"))
        if who is not None
    ]

    def sign(pdf: bytes) -> bytes:
        for pdf_signer, box in steps:
            pdf = ps.sign_pdf(pdf, pdf_signer, box)
        return pdf

    return sign
