"""The organisation's signer on the command line, beside the chairman's (two signatures).

``finalise`` takes ``--org-token --org-cert-id HEX [--org-module PATH] [--org-token-serial N]``
(the organisation's certificate on a USB token: its own token, or the chairman's when both
certificates are on one) or ``--org-p12 FILE``. The PIN or the .p12's password comes from
``DTI_ORG_PIN`` or is asked once; never kept, never retried. On the chairman's own token
(same driver, a token holding both certificates) the chairman's login is used: one PIN.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from desktop.commands._token_common import USAGE, cert_id, open_token_session
from forms.i18n import _

if TYPE_CHECKING:
    from forms.packages.signing import Signer
    from forms.packages.token import TokenSession

ORG_PIN_ENV = "DTI_ORG_PIN"
P12_INVALID = "organisation_p12_invalid"
MAX_P12_BYTES = 1024 * 1024


def add_organisation_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--org-token",
        action="store_true",
        help=_("cơ quan ký thêm bằng chứng thư số trên USB token (mã PIN: DTI_ORG_PIN hoặc hỏi)"),
    )
    parser.add_argument(
        "--org-module",
        metavar=_("TỆP"),
        help=_("trình điều khiển PKCS#11 của token của cơ quan (mặc định: --module)"),
    )
    parser.add_argument(
        "--org-cert-id",
        type=cert_id,
        metavar="HEX",
        help=_("mã (CKA_ID) chứng thư số của cơ quan trên token"),
    )
    parser.add_argument("--org-token-serial", metavar=_("SỐ"), help=_("số sê-ri token của cơ quan"))
    parser.add_argument(
        "--org-p12",
        metavar=_("TỆP"),
        help=_("cơ quan ký thêm bằng tệp chứng thư số .p12/.pfx (mật khẩu: DTI_ORG_PIN hoặc hỏi)"),
    )


def _p12_signer(path: str) -> Signer:
    from forms.inbound import InboundRejected, read_inbound
    from forms.packages.signing import Pkcs12Signer
    from forms.packages.token import TokenError

    try:
        data = read_inbound(path, MAX_P12_BYTES)
    except (InboundRejected, OSError) as exc:
        raise TokenError(P12_INVALID, str(exc), path) from exc
    secret = os.environ.get(ORG_PIN_ENV)
    if not secret and sys.stdin.isatty():
        secret = getpass.getpass(_("Mật khẩu tệp chứng thư số của cơ quan: "))
    try:
        return Pkcs12Signer.from_pkcs12(data, secret.encode("utf-8") if secret else None)
    except ValueError as exc:
        raise TokenError(
            P12_INVALID,
            _("Không mở được tệp chứng thư số {path} của cơ quan (sai mật khẩu hoặc không có khóa)",
              path=path),
            path,
        ) from exc  # fmt: skip


@contextmanager
def organisation_signer(
    args: argparse.Namespace, chairman: TokenSession | None
) -> Iterator[Signer | None]:
    """The organisation's signer for the ``with`` block (None when none was asked for).

    Raises ``forms.packages.token.TokenError``."""
    from forms.packages.token import TokenError

    if getattr(args, "org_p12", None):
        if args.org_token:
            raise TokenError(USAGE, _("Chọn một trong --org-token và --org-p12"))
        yield _p12_signer(args.org_p12)
        return
    if not getattr(args, "org_token", False):
        yield None
        return
    module = args.org_module or getattr(args, "module", None)
    wanted = args.org_cert_id
    if not module or not wanted:
        raise TokenError(USAGE, _("Cơ quan ký bằng token cần --org-cert-id (và --org-module)"))
    serial = args.org_token_serial
    if chairman is not None and module == args.module and _holds(chairman, wanted, serial):
        yield chairman.signer(wanted)  # both certificates on one token: one login
        return
    prompt = _("Mã PIN token của cơ quan: ")
    with open_token_session(module, wanted, serial, ORG_PIN_ENV, prompt) as session:
        yield session.signer(wanted)


def _holds(session: TokenSession, wanted: bytes, serial: str | None) -> bool:
    if serial is not None and session.info.serial != serial:
        return False
    return any(c.cka_id == wanted for c in session.info.certificates)
