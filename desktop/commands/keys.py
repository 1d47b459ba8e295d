"""`dti-desk keys create|show|export-public`: the officer's signing key; `keys token list`: the
certificates on a USB token (PKCS#11)."""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

from desktop.commands._packages_common import EXIT_OK, error, keys_dir, passphrase
from desktop.commands._token_common import add_module_argument
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

    token = sub.add_parser("token", help=_("chứng thư số trên USB token (PKCS#11)"))
    token_sub = token.add_subparsers(
        dest="token_command", metavar=_("LỆNH"), parser_class=type(grp)
    )
    listing = token_sub.add_parser(
        "list", help=_("liệt kê token và chứng thư số trên đó (không cần mã PIN)")
    )
    add_module_argument(listing, required=True)
    listing.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    listing.set_defaults(func=_token_list)


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


def _token_list(args: argparse.Namespace) -> int:
    from desktop.format import format_date
    from forms.packages.token import TokenError, list_tokens

    try:
        tokens = list_tokens(args.module)
    except TokenError as exc:
        return error(f"[{exc.code}] {exc.message}", args, exc.code)
    if args.json:
        print(json.dumps([t.to_json() for t in tokens], ensure_ascii=False, indent=1))
        return EXIT_OK
    if not tokens:
        print(_("Không thấy token nào: hãy cắm USB token rồi thử lại"))
    for info in tokens:
        print(
            _(
                "Token “{label}” (số sê-ri {serial}, {maker} {model})",
                label=info.label, serial=info.serial, maker=info.manufacturer, model=info.model,
            )
        )  # fmt: skip
        warning = info.to_json()["pin_warning"]
        if warning:
            print(f"  ! {warning}")
        for cert in info.certificates:
            print(f"  [{cert.id_hex}] {cert.subject}")
            print("      " + _("cấp bởi: {issuer}", issuer=cert.issuer))
            print(
                "      "
                + _(
                    "hiệu lực: {start} – {end}",
                    start=format_date(cert.certificate.not_valid_before_utc),
                    end=format_date(cert.certificate.not_valid_after_utc),
                )
            )
            usage = ", ".join(cert.key_usage) or _("không giới hạn")
            print(
                "      "
                + _("mục đích khóa: {usage}", usage=usage)
                + (" (CA)" if cert.is_ca else "")
            )
    return EXIT_OK
