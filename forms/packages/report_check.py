"""The report PDF a package carries, checked on its own: the second verdict beside the package's.

A format-2 package holds the commune's printed report (``report.pdf``), its sha256 signed in the
manifest. The package's verdict already refuses a report whose bytes are not the listed ones;
this verdict says, for people at the collector, what the PDF itself carries: it is the PDF the
manifest lists, and when it bears PAdES signatures (the chairman's, signed on the token), each
is valid against the same trust anchors and CRLs the package was checked with, at the time it
claims (``forms.pdf_signature.validate_pdf``). A report signed only through the package (the
app's own key) is "not signed in the PDF", not an error.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509

from forms.i18n import _
from forms.packages import format as fmt

# the report verdict's codes
REPORT_SIGNED = "report_pdf_signed"  # every PAdES signature in it valid
REPORT_UNSIGNED = "report_pdf_unsigned"  # the PDF itself bears no signature (the package does)
REPORT_MISMATCH = "report_pdf_mismatch"  # not the PDF the manifest lists
REPORT_BAD_SIGNATURE = "report_pdf_signature_bad"  # a PAdES signature in it is not valid
REPORT_UNREADABLE = "report_pdf_unreadable"


@dataclass(frozen=True)
class ReportVerdict:
    code: str
    message: str  # plain Vietnamese, for the reviewer
    signatures: tuple[Any, ...] = ()  # forms.pdf_signature.PdfSignatureVerdict, one per field

    @property
    def ok(self) -> bool:
        return self.code in (REPORT_SIGNED, REPORT_UNSIGNED)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "signatures": [
                {"field": s.field, "code": s.code, "signer": s.signer, "message": s.message}
                for s in self.signatures
            ],
        }


def trust_material(trust: Any) -> tuple[list[x509.Certificate], list[bytes]]:
    """The anchors and CRLs (DER) a PDF's signatures are checked against: the trust
    registry's, as the package's are (None: no anchor, no CRL)."""
    from cryptography.hazmat.primitives.serialization import Encoding

    if trust is None:
        return [], []
    crls = [c.public_bytes(Encoding.DER) for c in trust.crls]
    return list(trust.anchor_certificates()), crls


def listed_report(manifest: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The manifest's ``report`` entry (format 2), or None when the package lists none."""
    if int(manifest.get("format_version", 1)) < 2:
        return None
    report = manifest.get("report")
    return report if isinstance(report, Mapping) else None


def _has_signature(pdf: bytes) -> bool:
    """Cheap test before pyHanko reads the file: a PDF signature dictionary has a /ByteRange."""
    return b"/ByteRange" in pdf


def check_report_pdf(
    pdf: bytes,
    listed: Mapping[str, Any],
    anchors: Sequence[x509.Certificate],
    crls: Sequence[bytes] = (),
) -> ReportVerdict:
    """The verdict on ``pdf``, the report a package carries, whose manifest entry is ``listed``
    (its sha256 and size), its signatures checked against ``anchors`` and ``crls`` (DER)."""
    from forms import pdf_signature as ps

    if len(pdf) != int(listed.get("size", -1)) or (
        hashlib.sha256(pdf).hexdigest() != listed.get("sha256")
    ):
        return ReportVerdict(
            REPORT_MISMATCH,
            _("Báo cáo PDF trong gói không phải bản mà gói đã ký (mã băm sha256 không khớp)"),
        )
    if not _has_signature(pdf):
        return ReportVerdict(
            REPORT_UNSIGNED,
            _(
                "Báo cáo PDF đúng bản trong gói; bản PDF không mang chữ ký số riêng (gói đã được ký)"
            ),  # fmt: skip
        )
    try:
        verdicts = tuple(ps.validate_pdf(pdf, anchors, crls))
    except ps.PdfSignatureError as exc:
        return ReportVerdict(REPORT_UNREADABLE, exc.message)
    if not verdicts:
        return ReportVerdict(
            REPORT_UNSIGNED,
            _(
                "Báo cáo PDF đúng bản trong gói; bản PDF không mang chữ ký số riêng (gói đã được ký)"
            ),  # fmt: skip
        )
    bad = [v for v in verdicts if not v.ok]
    if bad:
        return ReportVerdict(
            REPORT_BAD_SIGNATURE,
            _("Chữ ký số trên báo cáo PDF không hợp lệ: {reasons}",
              reasons="; ".join(v.message for v in bad)),
            verdicts,
        )  # fmt: skip
    return ReportVerdict(
        REPORT_SIGNED,
        _("Báo cáo PDF đúng bản trong gói, có chữ ký số hợp lệ của {signers}",
          signers="; ".join(_common_name(v.signer) for v in verdicts)),
        verdicts,
    )  # fmt: skip


def _common_name(subject: str) -> str:
    """``CN=Nguyễn Văn Bình,O=…`` → the name a person reads (the subject itself otherwise)."""
    for part in subject.split(","):
        if part.startswith("CN="):
            return part[3:]
    return subject


def check_report_in(
    zf: Any,
    manifest: Mapping[str, Any],
    anchors: Sequence[x509.Certificate],
    crls: Sequence[bytes] = (),
) -> ReportVerdict | None:
    """The report verdict of an open package (``SafeZip``); None when it lists no report."""
    listed = listed_report(manifest)
    if listed is None:
        return None
    entry = str(listed.get("path", fmt.REPORT_NAME))
    if entry not in zf.files:
        return ReportVerdict(
            REPORT_MISMATCH, _("Gói thiếu báo cáo PDF {entry}", entry=entry)
        )  # fmt: skip
    return check_report_pdf(zf.read(entry, fmt.MAX_REPORT_BYTES), listed, anchors, crls)
