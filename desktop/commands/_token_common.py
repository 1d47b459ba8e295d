"""Signing from the command line with a USB token: the options, the PIN, the signer.

Any command that signs adds ``--token --module PATH --cert-id HEX [--token-serial SERIAL]``
(:func:`add_token_arguments`) and, when ``--token`` is given, signs inside
``with token_signer(args) as signer:``. The PIN comes from ``DTI_PIN`` or is asked once on the
terminal, after what the token says of the attempts left; it is never kept nor retried.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from forms.i18n import _

if TYPE_CHECKING:
    from forms.packages.token import TokenInfo, TokenSession, TokenSigner

PIN_ENV = "DTI_PIN"
USAGE = "token_usage"


def cert_id(text: str) -> bytes:
    """``--cert-id``: the CKA_ID in hex (``c1a1``, ``C1:A1`` and ``c1 a1`` alike)."""
    cleaned = text.replace(":", "").replace(" ", "")
    try:
        value = bytes.fromhex(cleaned)
    except ValueError:
        value = b""
    if not value or len(value) > 128:
        raise argparse.ArgumentTypeError(
            _("mã chứng thư số (CKA_ID) phải là chuỗi hex, ví dụ c1a1: {text}", text=text)
        )
    return value


def add_module_argument(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument(
        "--module",
        required=required,
        metavar=_("TỆP"),
        help=_("trình điều khiển PKCS#11 của token (.dll/.so do nơi cấp chứng thư số cung cấp)"),
    )


def add_token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--token",
        action="store_true",
        help=_("ký bằng chứng thư số trên USB token (mã PIN: DTI_PIN hoặc hỏi)"),
    )
    add_module_argument(parser, required=False)
    parser.add_argument(
        "--cert-id",
        type=cert_id,
        metavar="HEX",
        help=_("mã (CKA_ID) của chứng thư số trên token, xem: dti-desk keys token list"),
    )
    parser.add_argument(
        "--token-serial",
        metavar=_("SỐ"),
        help=_("số sê-ri của token, khi cắm nhiều token có cùng chứng thư số"),
    )


def _holder(module: str, wanted: bytes, serial: str | None) -> TokenInfo | None:
    from forms.packages.token import list_tokens

    for info in list_tokens(module):
        if (serial is None or info.serial == serial) and any(
            c.cka_id == wanted for c in info.certificates
        ):
            return info
    return None


def token_pin(warning: str | None, env: str = PIN_ENV, prompt: str | None = None) -> str | None:
    """From ``env`` (DTI_PIN), else asked once (after ``warning``); None when there is no
    terminal."""
    value = os.environ.get(env)
    if value:
        return value
    if not sys.stdin.isatty():
        return None
    if warning:
        print(warning, file=sys.stderr)
    return getpass.getpass(prompt or _("Mã PIN của token: "))


@contextmanager
def open_token_session(
    module: str,
    wanted: bytes,
    serial: str | None,
    env: str = PIN_ENV,
    prompt: str | None = None,
) -> Iterator[TokenSession]:
    """The token holding ``wanted`` logged in for the ``with`` block, the PIN from ``env`` or
    asked once after the token's warning."""
    from forms.packages.token import TokenError, open_token, pin_warning

    holder = _holder(module, wanted, serial)
    pin = token_pin(pin_warning(holder.flags) if holder else None, env, prompt)
    if not pin:
        raise TokenError(
            USAGE, _("Cần mã PIN của token: đặt {env} hoặc chạy trong cửa sổ lệnh", env=env)
        )
    with open_token(module, pin, cert_id=wanted, serial=serial) as session:
        yield session


@contextmanager
def token_session(args: argparse.Namespace) -> Iterator[TokenSession]:
    """The session of the token holding ``--cert-id``, logged in for the ``with`` block.

    Raises ``forms.packages.token.TokenError`` (``token_usage`` for missing options or PIN)."""
    from forms.packages.token import TokenError

    if not args.module or not args.cert_id:
        raise TokenError(USAGE, _("Ký bằng token cần --module và --cert-id"))
    serial = getattr(args, "token_serial", None)
    with open_token_session(args.module, args.cert_id, serial) as session:
        yield session


@contextmanager
def token_signer(args: argparse.Namespace) -> Iterator[TokenSigner]:
    """The signer of ``--cert-id`` on the token, logged in for the ``with`` block."""
    with token_session(args) as session:
        yield session.signer(args.cert_id)
