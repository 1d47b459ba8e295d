"""`dti-desk trust import-crl FILE`: a CA's revocation list kept in the province's trust file.

The province copies the CRL its CA publishes (nothing is downloaded) and imports it once; from
then on every check given the registry uses it (``package verify``, ``merge``, the collector
window): a certificate revoked on or before the time a package claims it was signed is refused
(``certificate_revoked``). A newer CRL from the same issuer replaces the older one; one past its
nextUpdate is kept but reported as stale wherever the registry is used.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from desktop.commands._packages_common import EXIT_OK, error
from forms.i18n import _


def stale_lines(revocation: Any) -> list[str]:
    """A line for each CRL past its nextUpdate (``RevocationLists``; None: none)."""
    from desktop.format import format_date

    if revocation is None:
        return []
    return [
        _(
            "Danh sách thu hồi của {issuer} đã quá hạn cập nhật ({date}): các chứng thư bị thu hồi sau đó chưa được biết",
            issuer=crl.issuer.rfc4514_string(),
            date=format_date(crl.next_update_utc),
        )
        for crl in revocation.stale()
    ]


def print_stale(revocation: Any) -> None:
    for line in stale_lines(revocation):
        print("! " + line, file=sys.stderr)


def register(sub: Any, load: Any, save: Any) -> None:
    """Add ``import-crl`` to the ``trust`` command's subparsers; ``load``/``save`` are its
    registry helpers."""
    imp = sub.add_parser(
        "import-crl",
        help=_("nhập danh sách thu hồi chứng thư (CRL) của CA vào danh sách tin cậy"),
    )
    imp.add_argument("file", metavar=_("TỆP"), help=_("tệp CRL (.crl, DER hoặc PEM)"))
    imp.set_defaults(func=lambda args: _import_crl(args, load, save))


def _issuer_known(registry: Any, crl: Any) -> bool:
    """Signed by an anchor's key (a sub-CA's CRL is checked along the package's own chain)."""
    for certificate in registry.anchor_certificates():
        try:
            if certificate.subject == crl.issuer and crl.is_signature_valid(
                certificate.public_key()
            ):
                return True
        except (TypeError, ValueError):
            continue
    return False


def _import_crl(args: argparse.Namespace, load: Any, save: Any) -> int:
    from desktop.format import format_date
    from forms.inbound import InboundRejected, read_inbound
    from forms.packages.revocation import MAX_CRL_BYTES, RevocationError, RevocationLists, load_crl
    from forms.packages.trust import MAX_TRUST_BYTES

    registry, path = load(args)
    if registry is None:
        return 1
    try:
        crl = load_crl(read_inbound(args.file, MAX_CRL_BYTES), args.file)
    except InboundRejected as exc:
        return error(exc.problem.message, args, exc.problem.code)
    except RevocationError as exc:
        return error(f"[{exc.code}] {exc.message}", args, exc.code)
    issuer = crl.issuer.rfc4514_string()
    if not registry.add_crl(crl):
        print(_("Danh sách tin cậy đã có danh sách thu hồi của {issuer} này hoặc mới hơn: không thay đổi", issuer=issuer))  # fmt: skip
        return EXIT_OK
    if len(registry.to_bytes()) > MAX_TRUST_BYTES:
        return error(_("Danh sách thu hồi quá lớn để giữ trong danh sách tin cậy (tối đa {mb} MB): dùng --crl khi kiểm tra", mb=MAX_TRUST_BYTES // 2**20), args, "crl_too_large")  # fmt: skip
    if not save(registry, path):
        return 1
    print(_("Đã nhập danh sách thu hồi của {issuer}: {count} chứng thư bị thu hồi, cập nhật {updated}, lần cập nhật tới {next}",
            issuer=issuer, count=len(list(crl)), updated=format_date(crl.last_update_utc),
            next=format_date(crl.next_update_utc) if crl.next_update_utc else "-"))  # fmt: skip
    if not _issuer_known(registry, crl):
        print("! " + _("Chưa có chứng thư gốc nào trong danh sách tin cậy ký danh sách thu hồi này (nếu là CA trung gian thì không sao)"), file=sys.stderr)  # fmt: skip
    print_stale(RevocationLists((crl,)))
    return EXIT_OK
