"""`dti-desk trust add|list|remove|export|import`: which keys may sign what, for which unit."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.commands import _trust_crl
from desktop.commands._packages_common import (
    EXIT_OK,
    EXIT_USAGE,
    error,
    keys_dir,
    passphrase,
    registry_path,
)
from forms.i18n import _


def register(subparsers) -> None:
    grp = subparsers.add_parser(
        "trust", help=_("danh sách khóa/chứng thư được tin cậy cho từng đơn vị")
    )
    grp.add_argument(
        "--registry",
        metavar=_("TỆP"),
        help=_("tệp danh sách tin cậy (mặc định: trust.json trong thư mục dữ liệu)"),
    )
    sub = grp.add_subparsers(dest="trust_command", metavar=_("LỆNH"), parser_class=type(grp))

    add = sub.add_parser(
        "add",
        help=_("thêm khóa công khai hoặc chứng thư số cho một đơn vị, hoặc thêm chứng thư gốc"),
    )
    add.add_argument(
        "file",
        metavar=_("TỆP"),
        help=_("tệp khóa công khai (.json) hoặc chứng thư số (.pem, .cer, .crt)"),
    )
    target = add.add_mutually_exclusive_group(required=True)
    target.add_argument("--unit", metavar=_("MÃ"), help=_("mã đơn vị được phép ký"))
    target.add_argument(
        "--anchor", action="store_true", help=_("thêm làm chứng thư gốc tin cậy (CA)")
    )
    add.add_argument("--label", default="", help=_("ghi chú (tên người/đơn vị)"))
    add.add_argument(
        "--role",
        action="append",
        choices=(
            "submission",
            "bundle",
            "review",
            "province_data",
        ),  # forms.packages.trust.ROLES, not imported
        # here so `dti-desk --help` does not load cryptography
        help=_(
            "khóa được ký gì: submission (gói tự đánh giá, mặc định), bundle (gói chuyển tiếp), review (phiếu thẩm định), province_data (tệp dữ liệu tỉnh cung cấp, với --unit '*'); có thể lặp lại"
        ),
    )
    add.set_defaults(func=_add)

    lst = sub.add_parser("list", help=_("liệt kê danh sách tin cậy"))
    lst.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    lst.set_defaults(func=_list)

    rm = sub.add_parser("remove", help=_("xóa khóa (theo dấu vân tay) khỏi danh sách"))
    rm.add_argument(
        "fingerprint", metavar=_("DẤU_VÂN_TAY"), help=_('dấu vân tay, ví dụ "3F1A 09C2 77D0 B4E5"')
    )
    rm.add_argument("--unit", metavar=_("MÃ"), help=_("chỉ xóa cho đơn vị này"))
    rm.set_defaults(func=_remove)

    export = sub.add_parser(
        "export", help=_("xuất danh sách tin cậy thành tệp có chữ ký (ký bằng khóa của máy này)")
    )
    export.add_argument("-o", "--output", required=True, metavar=_("TỆP"), help=_("tệp cần ghi"))
    export.set_defaults(func=_export)

    imp = sub.add_parser(
        "import", help=_("nhập danh sách tin cậy có chữ ký, kiểm tra dấu vân tay người ký")
    )
    imp.add_argument("file", metavar=_("TỆP"), help=_("tệp danh sách có chữ ký"))
    imp.add_argument(
        "--fingerprint",
        required=True,
        metavar=_("DẤU_VÂN_TAY"),
        help=_("dấu vân tay của người ký, đọc qua điện thoại"),
    )
    imp.set_defaults(func=_import)
    _trust_crl.register(sub, _load, _save)


def _load(args: argparse.Namespace):
    from forms.packages.trust import TrustError, TrustRegistry

    path = registry_path(args)
    try:
        return TrustRegistry.load(path), path
    except TrustError as exc:
        error(
            _("Không đọc được danh sách tin cậy {path}: {error}", path=str(path), error=str(exc)),
            args,
            "trust_unreadable",
        )
        return None, path


def _save(registry, path: Path) -> bool:
    try:
        registry.save(path)
    except OSError as exc:
        error(
            _("Không ghi được tệp {path}: {error}", path=str(path), error=exc.strerror or str(exc))
        )
        return False
    return True


def _read(path: str) -> bytes | None:
    """A key, certificate or export someone handed over: a file from outside."""
    from forms.inbound import InboundRejected, read_inbound
    from forms.packages.trust import MAX_TRUST_BYTES

    try:
        return read_inbound(path, MAX_TRUST_BYTES)
    except InboundRejected as exc:
        error(exc.problem.message)
        return None


def _add(args: argparse.Namespace) -> int:
    from forms.packages.keys import KeyFileError, PublicKeyFile
    from forms.packages.trust import TrustError, load_certificate

    if not args.anchor and not args.unit.strip():
        print(_("Mã đơn vị không được để trống."), file=sys.stderr)
        return EXIT_USAGE
    if args.anchor and args.role:
        print(_("Chứng thư gốc không có vai trò: bỏ --role khi dùng --anchor."), file=sys.stderr)
        return EXIT_USAGE
    roles = tuple(args.role or ("submission",))
    registry, path = _load(args)
    data = _read(args.file)
    if registry is None or data is None:
        return 1
    args.unit = (args.unit or "").strip()
    if args.anchor:
        try:
            anchor = registry.add_anchor(load_certificate(data))
        except TrustError:
            return error(_("Tệp {path} không phải chứng thư số", path=args.file))
        if not _save(registry, path):
            return 1
        print(
            _(
                "Đã thêm chứng thư gốc {subject} ({fingerprint})",
                subject=anchor.subject,
                fingerprint=anchor.fingerprint,
            )
        )
        return EXIT_OK
    if data.lstrip().startswith(b"{"):
        try:
            public = PublicKeyFile.from_bytes(data)
        except KeyFileError:
            return error(_("Tệp {path} không phải tệp khóa công khai của dti-desk", path=args.file))
        entry = registry.add_key(args.unit, public.public_key, args.label or public.name, roles)
    else:
        try:
            entry = registry.add_certificate(args.unit, load_certificate(data), args.label, roles)
        except TrustError:
            return error(_("Tệp {path} không phải khóa công khai hay chứng thư số", path=args.file))
    if not _save(registry, path):
        return 1
    print(
        _(
            "Đã tin cậy khóa {fingerprint} cho đơn vị {unit}, vai trò: {roles}",
            fingerprint=entry.fingerprint,
            unit=entry.unit,
            roles=", ".join(entry.roles),
        )
    )
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    registry, _path = _load(args)
    if registry is None:
        return 1
    if args.json:
        body = {
            "entries": [
                {
                    "unit": e.unit,
                    "kind": e.kind,
                    "fingerprint": e.fingerprint,
                    "roles": list(e.roles),
                    "label": e.label,
                }
                for e in registry.entries
            ],
            "anchors": [
                {"subject": a.subject, "fingerprint": a.fingerprint} for a in registry.anchors
            ],
            "crls": [_crl_json(c) for c in registry.crls],
        }
        print(json.dumps(body, ensure_ascii=False, indent=1))
        return EXIT_OK
    if not registry.entries and not registry.anchors:
        print(_("Danh sách tin cậy đang trống."))
    for e in sorted(registry.entries, key=lambda e: (e.unit, e.fingerprint)):
        print(f"{e.unit}\t{e.kind}\t{e.fingerprint}\t{','.join(e.roles)}\t{e.label}")
    for a in registry.anchors:
        print(
            _(
                "Chứng thư gốc: {subject} ({fingerprint})",
                subject=a.subject,
                fingerprint=a.fingerprint,
            )
        )
    for crl in registry.crls:
        print(_crl_line(crl))
    _trust_crl.print_stale(registry.revocation())
    return EXIT_OK


def _crl_json(crl) -> dict[str, object]:
    next_update = crl.next_update_utc
    return {
        "issuer": crl.issuer.rfc4514_string(),
        "last_update": crl.last_update_utc.isoformat(),
        "next_update": next_update.isoformat() if next_update else None,
        "revoked": len(list(crl)),
    }


def _crl_line(crl) -> str:
    from desktop.format import format_date

    return _("Danh sách thu hồi: {issuer}, {count} chứng thư, cập nhật {updated}, lần tới {next}",
             issuer=crl.issuer.rfc4514_string(), count=len(list(crl)),
             updated=format_date(crl.last_update_utc),
             next=format_date(crl.next_update_utc) if crl.next_update_utc else "-")  # fmt: skip


def _remove(args: argparse.Namespace) -> int:
    registry, path = _load(args)
    if registry is None:
        return 1
    removed = registry.remove(args.fingerprint, args.unit)
    if not removed:
        return error(
            _(
                "Không có khóa nào có dấu vân tay {fingerprint} trong danh sách",
                fingerprint=args.fingerprint,
            )
        )
    if not _save(registry, path):
        return 1
    print(_("Đã xóa {count} mục", count=removed))
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from forms.packages import keys

    registry, _path = _load(args)
    if registry is None:
        return 1
    secret = passphrase()
    if not secret:
        return error(_("Cần mật khẩu khóa ký (đặt DTI_PASSPHRASE hoặc chạy trong cửa sổ lệnh)."))
    try:
        signer = keys.load_signer(keys_dir(args), secret)
    except keys.KeyFileError:
        return error(_("Không mở được khóa ký: chưa có khóa hoặc sai mật khẩu."))
    target = Path(args.output)
    try:
        target.write_bytes(registry.export_signed(signer))
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
            "Đã xuất danh sách có chữ ký vào {path}. Dấu vân tay người ký: {fingerprint}",
            path=str(target),
            fingerprint=signer.fingerprint,
        )
    )
    return EXIT_OK


def _import(args: argparse.Namespace) -> int:
    from forms.packages.trust import TrustError, TrustRegistry, legacy_roles_for

    registry, path = _load(args)
    data = _read(args.file)
    if registry is None or data is None:
        return 1
    try:
        incoming, signer = TrustRegistry.import_signed(
            data, args.fingerprint, legacy_roles_for(path)
        )
    except TrustError as exc:
        return error(
            _("Không nhập danh sách tin cậy {path}: {error}", path=args.file, error=str(exc))
        )
    added = registry.merge(incoming)
    if not _save(registry, path):
        return 1
    print(
        _(
            "Đã nhập {count} mục mới, ký bởi {fingerprint}",
            count=added,
            fingerprint=signer.fingerprint,
        )
    )
    return EXIT_OK
