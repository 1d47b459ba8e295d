"""`dti-desk [--data-dir DIR] finalise -o FOLDER [--json] [--accept-warnings] [--token --module
PATH --cert-id HEX [--token-serial SERIAL]] [--org-token --org-cert-id HEX [--org-module PATH]
[--org-token-serial SERIAL] | --org-p12 FILE]` and
`dti-desk [--data-dir DIR] report -o FILE.pdf`: the commune's finalise from the command line.

The same steps as "Kiểm tra & hoàn tất" in the window, through the same code: the session
and ``CommuneController.prepare_export`` (the submission, the report), the problems split by
``finalise_problems``, ``PreparedExport.write`` (sign, the package and the PDF side by side),
``mark_finalised``. With ``--token`` the package and the report are signed on the USB token
(PIN from ``DTI_PIN`` or asked once); with ``--org-token``/``--org-p12`` the organisation signs
both too (``desktop/commands/_organisation_signer.py``, PIN from ``DTI_ORG_PIN``). Exit 0 written, 1 problems (errors, unacknowledged warnings, a wrong
passphrase), 2 usage.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktop.commands._organisation_signer import add_organisation_arguments
from desktop.commands._packages_common import EXIT_OK, EXIT_PROBLEMS, error, passphrase
from desktop.commands._token_common import add_token_arguments
from forms.i18n import _

if TYPE_CHECKING:
    from desktop.commune_controller import CommuneController
    from desktop.finalise.export import Finalised
    from forms.problems import Problem


def register(subparsers) -> None:
    fin = subparsers.add_parser(
        "finalise",
        help=_("kiểm tra, ký và xuất gói nộp cùng báo cáo PDF (như nút “Ký và xuất gói nộp”)"),
        description=_(
            "Kiểm tra bản đánh giá của đơn vị (lỗi thì dừng, cảnh báo cần xác nhận bằng --accept-warnings), ký bằng khóa của đơn vị (mật khẩu từ DTI_PASSPHRASE hoặc hỏi) rồi ghi gói nộp và báo cáo PDF vào THƯ_MỤC."
        ),
    )
    fin.add_argument(
        "-o", "--out", required=True, metavar=_("THƯ_MỤC"), help=_("thư mục ghi gói và báo cáo")
    )
    fin.add_argument("--json", action="store_true", help=_("in kết quả dạng JSON"))
    fin.add_argument(
        "--accept-warnings", action="store_true", help=_("xác nhận đã xem mọi cảnh báo")
    )
    add_token_arguments(fin)
    add_organisation_arguments(fin)
    fin.set_defaults(func=_finalise)
    rep = subparsers.add_parser(
        "report",
        help=_("in báo cáo tự đánh giá ra PDF (bản nháp nếu chưa ký)"),
    )
    rep.add_argument("-o", "--out", required=True, metavar=_("TỆP"), help=_("tệp PDF cần ghi"))
    rep.set_defaults(func=_report)


def _gui_app() -> None:
    """Printing lays out text with Qt's fonts, which need a QGuiApplication; with no screen
    (a script, a server) the offscreen platform draws nothing and needs none."""
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.qt import QGuiApplication

    if QGuiApplication.instance() is None:
        _gui_app.app = QGuiApplication(["dti-desk"])  # type: ignore[attr-defined]


@contextmanager
def _commune(args: argparse.Namespace) -> Iterator[CommuneController]:
    """The commune's newest assessment opened as the window opens it; raises ``LookupError``
    when there is none and ``StorageError`` when the folder cannot be opened."""
    from desktop.commune_controller import CommuneController
    from desktop.settings import settings_for
    from desktop.tasks import TaskRunner
    from local_db.database import open_database
    from local_db.paths import KEYS_DIR, resolve_data_dir

    data_dir = resolve_data_dir(getattr(args, "data_dir", None))
    db = open_database(data_dir)
    try:
        settings = settings_for(getattr(args, "data_dir", None), data_dir)
        controller = CommuneController(
            db, settings, TaskRunner(synchronous=True), data_dir / KEYS_DIR
        )
        controller.open_session()
        yield controller
    finally:
        db.close()


def _problem_json(problem: Problem) -> dict[str, str]:
    return {"code": problem.code, "message": problem.message, "where": problem.where or ""}


def _print_problems(title: str, problems: list[Problem]) -> None:
    if problems:
        print(title)
        for problem in problems:
            print(f"  - [{problem.code}] {problem.message}")


def _blocked(commune: CommuneController, args: argparse.Namespace, result: dict[str, Any]) -> str:
    """Why finalising may not go on ("" when it may), the problems put in ``result``."""
    from desktop.finalise.export import finalise_problems

    assert commune.session is not None
    errors, warnings = finalise_problems(commune.session.all_problems())
    result["errors"] = [_problem_json(p) for p in errors]
    result["warnings"] = [_problem_json(p) for p in warnings]
    if not args.json:
        _print_problems(_("Lỗi phải sửa trước khi hoàn tất:"), errors)
        _print_problems(_("Cảnh báo:"), warnings)
    if commune.session.read_only:
        return _("Bản đánh giá này đã ký và xuất; muốn sửa, hãy mở lại để sửa trong ứng dụng.")
    if errors:
        return _("Còn {n} lỗi phải sửa trước khi hoàn tất.", n=len(errors))
    if warnings and not args.accept_warnings:
        return _("Còn {n} cảnh báo: xem lại rồi chạy lại với --accept-warnings để xác nhận.", n=len(warnings))  # fmt: skip
    return ""


def _sign(commune: CommuneController, args: argparse.Namespace) -> tuple[Finalised, str] | str:
    """Sign and write both files and mark the assessment signed; or why not."""
    from desktop.commands._organisation_signer import organisation_signer
    from desktop.finalise.export import WrongPassphrase, mark_finalised
    from forms.packages.token import TokenError
    from forms.pdf_signature import PdfSignatureError

    assert commune.current is not None
    if args.token:
        return _sign_on_token(commune, args)
    secret = passphrase()
    if not secret:
        return _("Cần mật khẩu khóa ký: đặt DTI_PASSPHRASE hoặc chạy trong cửa sổ dòng lệnh.")
    prepared = commune.prepare_export()
    try:
        with organisation_signer(args, None) as organisation:
            written, not_kept = prepared.write(secret, Path(args.out), organisation)
    except WrongPassphrase:
        return _("Sai mật khẩu khóa ký (hoặc tệp khóa bị hỏng). Hãy thử lại.")
    except (TokenError, PdfSignatureError) as exc:
        return f"[{exc.code}] {exc.message}"
    mark_finalised(commune.db, commune.current.id, written.package)
    return written, not_kept


def _sign_on_token(
    commune: CommuneController, args: argparse.Namespace
) -> tuple[Finalised, str] | str:
    """The package's CMS and the report's PAdES signature made on the USB token (one PIN),
    and the organisation's beside them when asked for (its own PIN, unless on the same token)."""
    from desktop.commands._organisation_signer import organisation_signer
    from desktop.commands._token_common import token_session
    from desktop.finalise.export import mark_finalised
    from forms.packages.token import TokenError
    from forms.pdf_signature import PdfSignatureError

    assert commune.current is not None
    prepared = commune.prepare_export()
    try:
        with token_session(args) as session:
            signer = session.signer(args.cert_id)
            with organisation_signer(args, session) as organisation:
                written, not_kept = prepared.write_with_token(signer, Path(args.out), organisation)
    except (TokenError, PdfSignatureError) as exc:
        return f"[{exc.code}] {exc.message}"
    mark_finalised(commune.db, commune.current.id, written.package)
    return written, not_kept


def _finalise(args: argparse.Namespace) -> int:
    from forms.problems import ProblemsError
    from local_db.errors import StorageError

    result: dict[str, Any] = {"ok": False, "errors": [], "warnings": []}

    def done(code: int, message: str) -> int:
        result["message"] = message
        if args.json:
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(message, file=sys.stderr if code else sys.stdout)
        return code

    _gui_app()
    try:
        with _commune(args) as commune:
            outcome = _blocked(commune, args, result) or _sign(commune, args)
    except LookupError:
        return done(EXIT_PROBLEMS, _("Thư mục dữ liệu chưa có bản đánh giá nào của đơn vị."))
    except (StorageError, OSError) as exc:
        return done(EXIT_PROBLEMS, str(exc))
    except ProblemsError as exc:
        result["errors"] = [_problem_json(p) for p in exc.problems]
        return done(EXIT_PROBLEMS, _("Không tạo được gói nộp:") + "\n" + "\n".join(str(p) for p in exc.problems))  # fmt: skip
    if isinstance(outcome, str):
        return done(EXIT_PROBLEMS, outcome)
    written, not_kept = outcome
    result.update(ok=True, package=str(written.package), report=str(written.report))
    if not_kept:
        result["not_kept"] = not_kept
    return done(EXIT_OK, _("Đã ký và ghi gói nộp {package} và báo cáo {report}", package=str(written.package), report=str(written.report)))  # fmt: skip


def _report(args: argparse.Namespace) -> int:
    from desktop.finalise.report import report_html, write_pdf
    from local_db.errors import StorageError

    _gui_app()
    try:
        with _commune(args) as commune:
            assert commune.session is not None
            html_text = report_html(commune.session, commune.report_info())
            path = write_pdf(html_text, Path(args.out), commune.report_title())
    except LookupError:
        return error(_("Thư mục dữ liệu chưa có bản đánh giá nào của đơn vị."))
    except (StorageError, OSError) as exc:
        return error(str(exc))
    print(_("Đã lưu báo cáo: {path}", path=str(path)))
    return EXIT_OK
