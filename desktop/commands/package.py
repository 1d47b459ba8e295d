"""`dti-desk package verify FILE [--trust FILE] [--json]`: check a received package."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from desktop.commands._packages_common import EXIT_OK, EXIT_PROBLEMS, data_dir, error, keys_dir
from forms.i18n import _
from local_db.paths import TRUST_FILE


def register(subparsers) -> None:
    grp = subparsers.add_parser("package", help=_("gói nộp có chữ ký (.dtipkg)"))
    sub = grp.add_subparsers(dest="package_command", metavar=_("LỆNH"), parser_class=type(grp))
    verify = sub.add_parser("verify", help=_("kiểm tra một gói: chữ ký, tệp, điểm, người ký"))
    verify.add_argument("file", metavar=_("TỆP"), help=_("tệp gói .dtipkg"))
    verify.add_argument(
        "--trust",
        metavar=_("TỆP"),
        help=_("danh sách tin cậy (mặc định: trust.json trong thư mục dữ liệu)"),
    )
    verify.add_argument(
        "--criteria",
        action="append",
        default=[],
        metavar=_("TỆP"),
        help=_("thêm bộ tiêu chí (.json); bộ tiêu chí tham khảo luôn được biết"),
    )
    verify.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    verify.set_defaults(func=_verify)


def _criteria(paths: list[str]):
    from forms.criteria_json import load_json
    from forms.packages.verify import criteria_index
    from forms.reference import reference_set

    return criteria_index([reference_set(), *(load_json(p) for p in paths)])


def _verify(args: argparse.Namespace) -> int:
    from forms.inbound import InboundRejected, read_inbound
    from forms.packages.trust import MAX_TRUST_BYTES, TrustError, TrustRegistry
    from forms.packages.verify import verify_package
    from forms.problems import ProblemsError

    trust_path = Path(args.trust) if args.trust else data_dir(args) / TRUST_FILE
    trust = None
    if args.trust or trust_path.is_file():
        try:
            trust = TrustRegistry.from_bytes(read_inbound(trust_path, MAX_TRUST_BYTES))
        except (InboundRejected, TrustError) as exc:
            return error(
                _(
                    "Không đọc được danh sách tin cậy {path}: {error}",
                    path=str(trust_path),
                    error=str(exc),
                )
            )
    try:
        criteria = _criteria(args.criteria)
    except (ProblemsError, OSError, ValueError) as exc:
        return error(_("Không đọc được bộ tiêu chí: {error}", error=str(exc)))
    verdict = verify_package(args.file, criteria_sets=criteria, trust=trust)
    own_key = not verdict.ok and _signed_here(args, verdict)
    if args.json:
        print(json.dumps({**verdict.to_json(), "intact": verdict.intact, "own_key": own_key},
                         ensure_ascii=False))  # fmt: skip
    elif verdict.ok:
        print(
            _(
                "Gói hợp lệ: đơn vị {unit}, năm {year}, người ký {fingerprint}",
                unit=verdict.unit,
                year=verdict.year,
                fingerprint=verdict.signer.fingerprint if verdict.signer else "-",
            )
        )
    elif own_key:
        assert verdict.signer is not None
        print(_("Gói hợp lệ: đơn vị {unit}, năm {year}: chữ ký đúng, khóa của chính đơn vị này ({fingerprint})",
                unit=verdict.unit, year=verdict.year, fingerprint=verdict.signer.fingerprint))  # fmt: skip
    elif verdict.intact:
        assert verdict.signer is not None
        print(_("Chữ ký và nội dung gói còn nguyên vẹn: đơn vị {unit}, năm {year}, chữ ký đúng, tệp và điểm khớp.",
                unit=verdict.unit, year=verdict.year))  # fmt: skip
        print(_("Nhưng người ký chưa có trong danh sách tin cậy (khóa {fingerprint}): gói chưa được chấp nhận cho tới khi khóa này được thêm vào danh sách tin cậy.",
                fingerprint=verdict.signer.fingerprint))  # fmt: skip
        for problem in verdict.reasons:
            print(f"  [{problem.code}] {problem.message}")
    else:
        print(_("Gói KHÔNG hợp lệ: {path}", path=args.file))
        for problem in verdict.reasons:
            print(f"  [{problem.code}] {problem.message}")
    return EXIT_OK if verdict.ok or own_key else EXIT_PROBLEMS


def _signed_here(args: argparse.Namespace, verdict) -> bool:
    """Intact, signed with this data folder's own key (a commune's machine) and, when the
    folder's profile can be read, for the folder's own unit (as the window's check has it)."""
    from forms.packages import keys
    from local_db.errors import StorageError
    from local_db.paths import DB_FILE

    try:
        own = keys.load_public(keys_dir(args)).key_id
    except (keys.KeyFileError, OSError, ValueError):
        return False
    if not verdict.signed_by(own):
        return False
    if not (data_dir(args) / DB_FILE).is_file():  # never create a database just to verify
        return True
    from local_db import profile
    from local_db.database import open_database

    try:
        db = open_database(data_dir(args))
    except StorageError:  # the app has the folder open: the key alone then
        return True
    try:
        prof = profile.get(db)
    finally:
        db.close()
    return prof is None or not prof.unit_code or prof.unit_code == verdict.unit
