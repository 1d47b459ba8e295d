"""`dti-desk package verify FILE [--trust FILE] [--anchor ROOT] [--crl FILE] [--json]`: check a
received package."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from pathlib import Path

from desktop.commands._packages_common import EXIT_OK, EXIT_PROBLEMS, data_dir, error, keys_dir
from desktop.commands._trust_crl import stale_lines
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
    verify.add_argument(
        "--anchor",
        action="append",
        default=[],
        metavar=_("TỆP"),
        help=_("thêm chứng thư gốc tin cậy (PEM/DER) cho lần kiểm tra này"),
    )
    verify.add_argument(
        "--crl",
        action="append",
        default=[],
        metavar=_("TỆP"),
        help=_("danh sách thu hồi chứng thư số (CRL, tệp DER/PEM) để đối chiếu, không tải gì về"),
    )
    verify.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    verify.set_defaults(func=_verify)


def _criteria(paths: list[str]):
    from forms.criteria_json import load_json
    from forms.packages.verify import criteria_index
    from forms.reference import reference_sets

    return criteria_index([*reference_sets(), *(load_json(p) for p in paths)])


def _anchors(trust, paths: list[str]):
    """The registry with the ``--anchor`` certificates added (a new one if there is none)."""
    from forms.inbound import read_inbound
    from forms.packages.trust import MAX_TRUST_BYTES, TrustRegistry, load_certificate

    trust = trust if trust is not None else TrustRegistry()
    for path in paths:
        trust.add_anchor(load_certificate(read_inbound(path, MAX_TRUST_BYTES)))
    return trust


def _verify(args: argparse.Namespace) -> int:
    from forms.inbound import InboundRejected, read_inbound
    from forms.packages.revocation import RevocationError, RevocationLists
    from forms.packages.trust import MAX_TRUST_BYTES, TrustError, TrustRegistry
    from forms.packages.verify import verify_package, with_registry_crls
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
                ),
                args,
                "trust_unreadable",
            )
    try:
        if args.anchor:
            trust = _anchors(trust, args.anchor)
        # the --crl files and those imported into the registry (trust import-crl)
        revocation = with_registry_crls(
            RevocationLists.from_files(args.crl) if args.crl else None, trust
        )
    except (InboundRejected, TrustError) as exc:
        return error(
            _("Không đọc được chứng thư gốc: {error}", error=str(exc)), args, "anchor_unreadable"
        )
    except RevocationError as exc:
        return error(f"[{exc.code}] {exc.message}", args, exc.code)
    try:
        criteria = _criteria(args.criteria)
    except (ProblemsError, OSError, ValueError) as exc:
        return error(
            _("Không đọc được bộ tiêu chí: {error}", error=str(exc)), args, "criteria_unreadable"
        )
    verdict = verify_package(
        args.file, criteria_sets=criteria, trust=trust, revocation=revocation, report=True
    )
    own_key = not verdict.ok and _signed_here(args, verdict)
    return _report(args, verdict, own_key, revocation)


def _report(args: argparse.Namespace, verdict, own_key: bool, revocation) -> int:
    """Print the package's verdict and the report PDF's (text or ``--json``); the exit code."""
    stale = stale_lines(revocation)
    # a report PDF whose own signature fails refuses the file too
    passed = (verdict.ok or own_key) and (verdict.report is None or verdict.report.ok)
    if args.json:
        body = {**verdict.to_json(), "intact": verdict.intact, "own_key": own_key}
        if revocation is not None:
            body["stale_crls"] = stale
        if verdict.report is not None:
            body["report"] = verdict.report.to_json()
        print(json.dumps(body, ensure_ascii=False))
        return EXIT_OK if passed else EXIT_PROBLEMS
    for line in stale:
        print("! " + line, file=sys.stderr)
    _print_verdict(verdict, own_key, args.file)
    if verdict.signer is not None and verdict.signer.subject:
        print(_("Chủ tịch ký: {subject} ({fingerprint})", subject=verdict.signer.subject,
                fingerprint=verdict.signer.fingerprint))  # fmt: skip
    if verdict.organisation is not None:
        print(_("Cơ quan ký: {subject} ({fingerprint})", subject=verdict.organisation.subject,
                fingerprint=verdict.organisation.fingerprint))  # fmt: skip
    if verdict.report is not None:
        print(_("Báo cáo PDF: {verdict}", verdict=verdict.report.message))
        for signature in verdict.report.signatures:
            if not signature.ok:
                print(f"  [{signature.code}] {signature.message}")
    return EXIT_OK if passed else EXIT_PROBLEMS


def _print_verdict(verdict, own_key: bool, path: str) -> None:
    """The verdict in words: valid; valid with this folder's own key; intact but signed by a
    key not (yet) trusted; or not valid, with every reason."""
    if verdict.ok:
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
        print(_("Gói KHÔNG hợp lệ: {path}", path=path))
        for problem in verdict.reasons:
            print(f"  [{problem.code}] {problem.message}")


def _signed_here(args: argparse.Namespace, verdict) -> bool:
    """Intact, signed with this data folder's own key or the token certificate its finalise
    signed with (a commune's machine) and, when the folder's profile can be read, for the
    folder's own unit (as the window's check has it)."""
    from forms.packages import keys
    from local_db.errors import StorageError
    from local_db.paths import DB_FILE

    own = {keys.own_certificate_key_id(keys_dir(args))}  # the token certificate it signed with
    with contextlib.suppress(keys.KeyFileError, OSError, ValueError):
        own.add(keys.load_public(keys_dir(args)).key_id)
    if not any(key_id is not None and verdict.signed_by(key_id) for key_id in own):
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
