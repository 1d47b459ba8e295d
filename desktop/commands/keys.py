"""`dti-desk keys create|show|export-public`: the officer's signing key."""

from __future__ import annotations

import argparse
import base64
from pathlib import Path

from desktop.commands._packages_common import EXIT_OK, error, keys_dir, passphrase
from forms.i18n import _


def register(subparsers) -> None:
    grp = subparsers.add_parser("keys", help=_("khóa ký của cán bộ (Ed25519)"))
    sub = grp.add_subparsers(dest="keys_command", metavar=_("LỆNH"), parser_class=type(grp))

    create = sub.add_parser(
        "create", help=_("tạo khóa ký mới, mã hóa bằng mật khẩu (DTI_PASSPHRASE hoặc hỏi)")
    )
    create.add_argument(
        "--name", default="", help=_("tên người giữ khóa, ghi vào tệp khóa công khai")
    )
    create.set_defaults(func=_create)

    show = sub.add_parser("show", help=_("hiện khóa công khai và dấu vân tay"))
    show.set_defaults(func=_show)

    export = sub.add_parser(
        "export-public", help=_("ghi khóa công khai ra tệp để gửi cho nơi tổng hợp")
    )
    export.add_argument(
        "-o", "--output", required=True, metavar=_("TỆP"), help=_("tệp khóa công khai cần ghi")
    )
    export.set_defaults(func=_export)


def _create(args: argparse.Namespace) -> int:
    from forms.packages import keys

    folder = keys_dir(args)
    if keys.key_exists(folder):
        return error(_("Đã có khóa ký trong {path}: không tạo khóa mới đè lên.", path=str(folder)))
    secret = passphrase(confirm=True)
    if not secret:
        return error(
            _("Cần mật khẩu để bảo vệ khóa ký (đặt DTI_PASSPHRASE hoặc chạy trong cửa sổ lệnh).")
        )
    public = keys.create_key(folder, secret, args.name)
    print(_("Đã tạo khóa ký. Dấu vân tay: {fingerprint}", fingerprint=public.fingerprint))
    return EXIT_OK


def _load_public(args: argparse.Namespace):
    from forms.packages import keys

    folder = keys_dir(args)
    try:
        return keys.load_public(folder)
    except keys.KeyFileError:
        return None


def _show(args: argparse.Namespace) -> int:
    public = _load_public(args)
    if public is None:
        return error(
            _(
                "Chưa có khóa ký trong {path}. Tạo bằng: dti-desk keys create",
                path=str(keys_dir(args)),
            )
        )
    print(_("Loại khóa: {kind}", kind=public.kind))
    print(_("Dấu vân tay: {fingerprint}", fingerprint=public.fingerprint))
    print(_("Khóa công khai: {key}", key=base64.b64encode(public.public_key).decode("ascii")))
    if public.name:
        print(_("Người giữ: {name}", name=public.name))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    public = _load_public(args)
    if public is None:
        return error(
            _(
                "Chưa có khóa ký trong {path}. Tạo bằng: dti-desk keys create",
                path=str(keys_dir(args)),
            )
        )
    target = Path(args.output)
    try:
        target.write_bytes(public.to_bytes())
    except OSError as exc:
        return error(
            _(
                "Không ghi được tệp {path}: {error}",
                path=str(target),
                error=exc.strerror or str(exc),
            )
        )
    print(
        _(
            "Đã ghi khóa công khai vào {path}. Dấu vân tay: {fingerprint}",
            path=str(target),
            fingerprint=public.fingerprint,
        )
    )
    return EXIT_OK
