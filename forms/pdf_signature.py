"""PAdES signatures on a PDF (the commune's report): signing with a visible field, and checking.

Decree 30/2020/NĐ-CP documents carry the signature of the person (the chairman) and of the
organisation; each is a PAdES (ETSI.CAdES.detached) signature in its own visible field, added
as an incremental update, so the first stays valid when the second is added. Signing goes
through pyHanko: with a PKCS#12 file's key, or on the USB token through the same logged-in
PKCS#11 session that signs the package (``forms.packages.token``), the key found by CKA_ID.

Checking is offline: pyHanko's validator with a certvalidator ``ValidationContext`` holding the
province's roots and the CRL files it imported, nothing fetched. Like a package, a PDF's
signer is judged at the time the signature claims (a certificate revoked before then is
refused; CRLs are taken as telling about earlier times too); a CRL past its nextUpdate is
reported as stale by :func:`stale_crls` but does not by itself refuse anything.

The stamp's text is Vietnamese, drawn with the report's own Liberation Serif (embedded as a
subset), so a name with diacritics shows as it is written.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12

from forms.i18n import _
from forms.packages.signing import short_fingerprint, spki_der

if TYPE_CHECKING:
    from forms.packages.token import TokenSigner

MAX_PDF_BYTES = 64 * 2**20
FONT_FILE = "LiberationSerif-Regular.ttf"
A4 = (595, 842)  # points
# the two fields of the signature block, bottom right of the last page (points, from bottom left)
CHAIRMAN_FIELD = "ChuTich"
ORGANISATION_FIELD = "CoQuan"

# reason codes of a PDF signature's verdict
OK = "pdf_signature_ok"
UNREADABLE = "pdf_unreadable"
UNSIGNED = "pdf_unsigned"
BROKEN = "pdf_signature_broken"  # the bytes do not match the signature
MODIFIED = "pdf_modified_after_signing"
REVOKED = "pdf_signer_revoked"
UNTRUSTED = "pdf_signature_untrusted"  # no path to an anchor, expired, wrong key usage
INVALID = "pdf_signature_invalid"  # anything else the validator refuses


class PdfSignatureError(Exception):
    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{code}: {message}")


@dataclass(frozen=True)
class SignatureBox:
    """A visible signature field: its name, the rectangle in points, the page (-1: last)."""

    name: str
    box: tuple[int, int, int, int]
    page: int = -1


CHAIRMAN_BOX = SignatureBox(CHAIRMAN_FIELD, (330, 60, 565, 130))
ORGANISATION_BOX = SignatureBox(ORGANISATION_FIELD, (330, 140, 565, 210))


@dataclass(frozen=True)
class PdfSignatureVerdict:
    field: str
    code: str
    message: str
    signer: str = ""  # subject of the signing certificate
    fingerprint: str = ""
    signing_time: datetime | None = None  # as the signature claims it

    @property
    def ok(self) -> bool:
        return self.code == OK


# --- signing ----------------------------------------------------------------------------


def _asn1_names_refreshed() -> None:
    """Import pyHanko's signing and validation code, then let asn1crypto re-learn its names.

    asn1crypto (``tsp``) and pyHanko (``register_cms_attribute``) add attribute and extension
    names to ``_map`` at import without clearing the ``_reverse_map`` cache; when a package's
    CMS was read or written before (``forms.packages.cms`` looks names up), the cache lacks
    them and pyHanko fails on "invalid literal for int() ... 'signing_certificate_v2'"."""
    from asn1crypto import cms
    from asn1crypto import x509 as asn1_x509
    from pyhanko.sign import fields, signers, validation  # noqa: F401  (they register names)
    from pyhanko.sign.ades import cades_asn1  # noqa: F401

    for named in (cms.CMSAttributeType, asn1_x509.ExtensionId):
        named._reverse_map = {name: oid for oid, name in named._map.items()}


def _asn1_certs(certificates: Sequence[x509.Certificate]) -> list[Any]:
    from asn1crypto import x509 as asn1_x509

    return [
        asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certificates
    ]


def pkcs12_pdf_signer(data: bytes, password: bytes | None) -> Any:
    """A pyHanko signer for the key and certificate of a .p12/.pfx (``ValueError`` if unusable)."""
    loaded = pkcs12.load_pkcs12(data, password)
    if loaded.key is None or loaded.cert is None:
        raise ValueError("the PKCS#12 file holds no key and certificate")
    if not isinstance(loaded.key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("only RSA and EC keys can sign here")
    chain = [c.certificate for c in loaded.additional_certs]
    return key_pdf_signer(loaded.cert.certificate, loaded.key, chain)


def key_pdf_signer(
    certificate: x509.Certificate,
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate] = (),
) -> Any:
    """A pyHanko signer for a key in memory (from a .p12) and its certificate."""
    from asn1crypto import keys
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    [leaf] = _asn1_certs([certificate])
    return signers.SimpleSigner(
        signing_cert=leaf,
        signing_key=keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs(_asn1_certs(chain)),
    )


def pdf_signer_for(signer: Any) -> Any:
    """The pyHanko signer of a package signer that can sign a PDF: a token's (same session)
    or a .p12's (``forms.packages.signing.Pkcs12Signer``); ``ValueError`` for the app's key."""
    from forms.packages.signing import Pkcs12Signer
    from forms.packages.token import TokenSigner

    if isinstance(signer, TokenSigner):
        return token_pdf_signer(signer)
    if isinstance(signer, Pkcs12Signer):
        return key_pdf_signer(signer.certificate, signer.private_key, signer.chain)
    raise ValueError("only a certificate signer can sign the PDF")


def token_pdf_signer(signer: TokenSigner) -> Any:
    """A pyHanko signer on the token's open session, key and certificate by CKA_ID."""
    from pyhanko.sign.pkcs11 import PKCS11Signer

    [leaf] = _asn1_certs([signer.certificate])
    return PKCS11Signer(
        signer.session,
        cert_id=signer.entry.cka_id,
        key_id=signer.entry.cka_id,
        signing_cert=leaf,
        ca_chain=_asn1_certs(signer.chain),
        # CKM_ECDSA over a digest pyHanko makes: tokens (and SoftHSM2) that sign EC keys do not
        # all offer CKM_ECDSA_SHA256; RSA keeps CKM_SHA256_RSA_PKCS
        use_raw_mechanism=isinstance(signer.certificate.public_key(), ec.EllipticCurvePublicKey),
        # a CKA_ALWAYS_AUTHENTICATE key: python-pkcs11 logs in context-specifically per signature
        base_sign_kwargs=dict(signer.sign_kwargs),
    )


@cache
def _font_factory() -> Any:
    """pyHanko's OpenType font engine fed from bytes: its own factory opens the font file and
    never closes it (a ResourceWarning per signature), and a bundled app may have no file."""
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory

    # pyHanko writes the font's widths, bounding box and HarfBuzz advances in the font's own
    # units where PDF wants thousandths of an em: right for CFF fonts (1000 units per em),
    # letters spread apart for TrueType's 2048. Rescaled to 1000 once, it is right for both.
    font = TTFont(io.BytesIO((resources.files("resources") / "fonts" / FONT_FILE).read_bytes()))
    scale_upem(font, 1000)
    scaled = io.BytesIO()
    font.save(scaled)
    data = scaled.getvalue()

    @dataclass(frozen=True)
    class _FromBytes(GlyphAccumulatorFactory):
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer,
                font_handle=io.BytesIO(data),
                font_size=self.font_size,
                obj_stream=obj_stream,
            )

    return _FromBytes(FONT_FILE, font_size=9)


def _stamp_style() -> Any:
    from pyhanko import stamp
    from pyhanko.pdf_utils import text

    return stamp.TextStampStyle(
        stamp_text=_("Ký số bởi: %(signer)s\nThời gian: %(ts)s"),
        timestamp_format="%d/%m/%Y %H:%M:%S %z",
        text_box_style=text.TextBoxStyle(font=_font_factory()),
        border_width=1,
    )


def sign_pdf(
    pdf: bytes,
    pyhanko_signer: Any,
    field: SignatureBox = CHAIRMAN_BOX,
    *,
    reason: str = "",
    location: str = "",
) -> bytes:
    """``pdf`` with a new visible PAdES signature in ``field`` (added as an incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.sign import fields, signers

    if len(pdf) > MAX_PDF_BYTES:
        raise PdfSignatureError(UNREADABLE, _("Tệp PDF quá lớn để ký"))
    _asn1_names_refreshed()
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        pages = int(writer.root["/Pages"]["/Count"])
        page = field.page if field.page >= 0 else pages + field.page
        fields.append_signature_field(
            writer, fields.SigFieldSpec(field.name, on_page=page, box=field.box)
        )
        meta = signers.PdfSignatureMetadata(
            field_name=field.name,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
        )
        out = io.BytesIO()
        signers.PdfSigner(meta, signer=pyhanko_signer, stamp_style=_stamp_style()).sign_pdf(
            writer, output=out
        )
    except (PdfError, KeyError, ValueError, TypeError) as exc:
        raise PdfSignatureError(
            UNREADABLE, _("Không ký được tệp PDF: {error}", error=str(exc)[:200])
        ) from exc
    return out.getvalue()


# --- checking ---------------------------------------------------------------------------


def stale_crls(
    crls: Sequence[bytes], now: datetime | None = None
) -> list[x509.CertificateRevocationList]:
    """The CRLs (DER or PEM) whose nextUpdate has passed: revocations since are not known."""
    moment = now or datetime.now(UTC)
    stale = []
    for data in crls:
        crl = _load_crl(data)
        if crl.next_update_utc is not None and crl.next_update_utc < moment:
            stale.append(crl)
    return stale


def _load_crl(data: bytes) -> x509.CertificateRevocationList:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


@dataclass(frozen=True)
class _Crl:
    der: bytes
    issuer: x509.Name

    @classmethod
    def of(cls, data: bytes) -> _Crl:
        crl = _load_crl(data)
        return cls(crl.public_bytes(serialization.Encoding.DER), crl.issuer)


def _verdict(name: str, status: Any, claimed: datetime | None) -> PdfSignatureVerdict:
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    cert = x509.load_der_x509_certificate(status.signing_cert.dump())
    subject = cert.subject.rfc4514_string()
    if not (status.intact and status.valid):
        code, message = BROKEN, _("Chữ ký {field} không khớp nội dung tệp PDF", field=name)
    elif (
        status.docmdp_ok is False
        or status.coverage
        not in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
        or (
            status.modification_level is not None
            and status.modification_level > ModificationLevel.FORM_FILLING
        )
    ):
        code = MODIFIED
        message = _("Tệp PDF đã bị sửa sau khi ký {field}", field=name)
    elif status.revoked:
        code = REVOKED
        message = _(
            "Chứng thư số {subject} đã bị thu hồi trước thời điểm ký {field}",
            subject=subject,
            field=name,
        )
    elif not status.trusted:
        code = UNTRUSTED
        message = _(
            "Chứng thư số {subject} của chữ ký {field} không dẫn tới chứng thư gốc tin cậy nào hoặc không còn hiệu lực",
            subject=subject,
            field=name,
        )
    elif not status.bottom_line:
        code, message = INVALID, _("Chữ ký {field} không hợp lệ", field=name)
    else:
        code, message = OK, _("Chữ ký {field} hợp lệ", field=name)
    fingerprint = short_fingerprint(spki_der(cert))
    return PdfSignatureVerdict(name, code, message, subject, fingerprint, claimed)


def validate_pdf(
    pdf: bytes,
    anchors: Sequence[x509.Certificate],
    crls: Sequence[bytes] = (),
) -> list[PdfSignatureVerdict]:
    """A verdict for each signature in ``pdf``, checked against ``anchors`` and ``crls``
    (DER or PEM) at the time it claims; ``PdfSignatureError`` if the file is no PDF."""
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    if len(pdf) > MAX_PDF_BYTES:
        raise PdfSignatureError(UNREADABLE, _("Tệp PDF quá lớn để kiểm tra"))
    _asn1_names_refreshed()
    try:
        revocation_lists = [_Crl.of(c) for c in crls]
    except ValueError as exc:
        raise PdfSignatureError(
            UNREADABLE, _("Danh sách thu hồi (CRL) không đọc được: {error}", error=str(exc))
        ) from exc
    usage = KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"})
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        verdicts = []
        for embedded in reader.embedded_signatures:
            claimed = embedded.self_reported_timestamp
            issuer = x509.load_der_x509_certificate(embedded.signer_cert.dump()).issuer
            context = ValidationContext(
                trust_roots=_asn1_certs(anchors),
                crls=[c.der for c in revocation_lists],
                allow_fetching=False,
                moment=claimed or datetime.now(UTC),
                retroactive_revinfo=True,
                # certvalidator's soft modes consult only the sources a certificate names
                # (CRL distribution points); a CRL the province imported from the signer's CA is
                # checked whatever the certificate says
                revocation_mode="require"
                if any(c.issuer == issuer for c in revocation_lists)
                else "soft-fail",
            )
            status = validate_pdf_signature(embedded, context, key_usage_settings=usage)
            verdicts.append(_verdict(str(embedded.field_name), status, claimed))
    except (PdfError, KeyError, ValueError, TypeError) as exc:
        raise PdfSignatureError(
            UNREADABLE, _("Không đọc được tệp PDF: {error}", error=str(exc)[:200])
        ) from exc
    return verdicts
