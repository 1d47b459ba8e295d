"""The report PDF signed on the USB token, in the chairman's signature area.

The same logged-in token session that signs the package's CMS signs the report (PAdES, a
visible field) before it goes into the package, so the manifest's sha256 is the signed PDF's.
The field goes where the printed signature block leaves its blank space, between "CHỦ TỊCH"
and the chairman's name (``signature_areas``); a report without that block gets the default
box at the bottom right of the last page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from forms.i18n import _

if TYPE_CHECKING:
    from forms.packages.token import TokenSigner
    from forms.pdf_signature import SignatureBox


def chairman_box(report_html: str) -> SignatureBox:
    """The chairman's field, found by the first line of the signature block's cell as
    ``desktop/finalise/report.py`` prints it."""
    from desktop.finalise.report_pdf import signature_areas
    from forms import pdf_signature as ps

    areas = signature_areas(report_html, _("TM. ỦY BAN NHÂN DÂN"))
    if "chairman" not in areas:
        return ps.CHAIRMAN_BOX
    page, (x1, y1, x2, y2) = areas["chairman"]
    return ps.SignatureBox(ps.CHAIRMAN_FIELD, (x1, y1, x2, y2), page)


def report_signing(signer: TokenSigner, report_html: str) -> Callable[[bytes], bytes]:
    """A function that PAdES-signs the printed report with ``signer``'s certificate."""
    from forms import pdf_signature as ps

    box = chairman_box(report_html)
    pdf_signer = ps.token_pdf_signer(signer)

    def sign(pdf: bytes) -> bytes:
        return ps.sign_pdf(pdf, pdf_signer, box)

    return sign
