"""`dti-desk export ranking|completeness|bundle`: the collector's and the province's outputs."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from contextlib import ExitStack
from pathlib import Path

from desktop.commands._collector_common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    EXIT_USAGE,
    CommandError,
    add_criteria_argument,
    add_db_argument,
    criteria_sets,
    fail,
    open_db,
)
from desktop.commands._output import add_verbose_argument, listing
from desktop.commands._token_common import add_token_arguments, token_signer
from forms.i18n import _


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "export",
        help=_("xuất bảng xếp hạng, báo cáo tình trạng nộp, gói chuyển tiếp"),
        description=_("Xuất kết quả từ cơ sở dữ liệu tổng hợp."),
    )
    commands = group.add_subparsers(
        dest="export_command", metavar=_("LỆNH"), parser_class=type(group)
    )

    ranking = commands.add_parser(
        "ranking",
        help=_("bảng xếp hạng theo mẫu phụ lục (.xlsx hoặc .csv)"),
        description=_(
            "Xếp hạng các bài nộp hiện hành của một năm và ghi bảng theo mẫu phụ lục của quyết định công bố."
        ),
    )
    add_db_argument(ranking)
    ranking.add_argument(
        "--year", type=int, required=True, metavar=_("NĂM"), help=_("năm đánh giá")
    )
    ranking.add_argument(
        "-o", "--output", required=True, metavar=_("TỆP"), help=_("tệp .xlsx hoặc .csv")
    )
    ranking.add_argument(
        "--set",
        metavar=_("MÃ_BĂM"),
        help=_("đầu mã băm của bộ tiêu chí, khi trong năm có nhiều bộ"),
    )
    ranking.add_argument(
        "--group-header",
        default="Khu vực",
        metavar=_("TÊN"),
        help=_("tiêu đề cột nhóm (mặc định: Khu vực)"),
    )
    _add_appendix_arguments(ranking)
    add_criteria_argument(ranking)
    add_verbose_argument(ranking)
    ranking.set_defaults(func=_ranking)

    completeness = commands.add_parser(
        "completeness",
        help=_("báo cáo đơn vị đã nộp, chưa nộp, chưa xác minh, mâu thuẫn"),
        description=_(
            "Liệt kê mọi đơn vị trong danh sách với tình trạng bài nộp của năm (.xlsx hoặc .csv)."
        ),
    )
    add_db_argument(completeness)
    completeness.add_argument(
        "--year", type=int, required=True, metavar=_("NĂM"), help=_("năm đánh giá")
    )
    completeness.add_argument(
        "-o", "--output", required=True, metavar=_("TỆP"), help=_("tệp .xlsx hoặc .csv")
    )
    completeness.set_defaults(func=_completeness)

    bundle = commands.add_parser(
        "bundle",
        help=_("gói chuyển tiếp (.dtibundle) các bài nộp hiện hành, có chữ ký đơn vị tổng hợp"),
        description=_(
            "Gom nguyên vẹn các gói hiện hành của một năm vào một gói chuyển tiếp và ký. Mật khẩu khóa lấy từ biến môi trường DTI_PASSPHRASE hoặc được hỏi."
        ),
    )
    add_db_argument(bundle)
    bundle.add_argument("--year", type=int, required=True, metavar=_("NĂM"), help=_("năm đánh giá"))
    bundle.add_argument("-o", "--output", required=True, metavar=_("TỆP"), help=_("tệp .dtibundle"))
    bundle.add_argument("--name", required=True, metavar=_("TÊN"), help=_("tên đơn vị tổng hợp"))
    bundle.add_argument(
        "--collector-unit", default="", metavar=_("MÃ"), help=_("mã đơn vị tổng hợp")
    )
    bundle.add_argument("--group", metavar=_("NHÓM"), help=_("chỉ các đơn vị của nhóm này"))
    bundle.add_argument(
        "--key-dir",
        metavar=_("THƯ_MỤC"),
        help=_("thư mục khóa ký (mặc định: keys trong thư mục dữ liệu)"),
    )
    bundle.add_argument(
        "--p12", metavar=_("TỆP"), help=_("ký bằng chứng thư số trong tệp .p12/.pfx thay cho khóa")
    )
    add_token_arguments(bundle)
    bundle.set_defaults(func=_bundle)


def _add_appendix_arguments(ranking: argparse.ArgumentParser) -> None:
    ranking.add_argument(
        "--layout",
        choices=("overall", "grouped"),
        default="overall",
        help=_(
            "overall: mọi đơn vị theo tổng điểm, STT là thứ hạng (mặc định); grouped: theo từng nhóm, cột nhóm gộp ô"
        ),
    )
    lines = (  # the lines above the table, as the decision prints them
        ("--appendix", _("dòng phụ lục, ví dụ “PHỤ LỤC 3”")),
        ("--title", _("tiêu đề bảng (mặc định: KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG … NĂM <năm>)")),
        (
            "--decision",
            _(
                "dòng “Kèm theo Quyết định số …/QĐ-UBND ngày … của UBND tỉnh …”, in trong ngoặc dưới tiêu đề"
            ),
        ),
    )
    for flag, text in lines:
        ranking.add_argument(flag, default="", metavar=_("DÒNG"), help=text)
    ranking.add_argument(
        "--rank-column", action="store_true", help=_("thêm cột “Xếp hạng” (thứ hạng toàn tỉnh)")
    )


def _appendix(args: argparse.Namespace):
    from forms.ranking_xlsx import Appendix

    return Appendix(
        layout=args.layout,
        appendix=args.appendix,
        title=args.title,
        decision=args.decision,
        rank_column=args.rank_column,
        group_header=args.group_header,
    )


def _check_output(path: str, suffixes: tuple[str, ...]) -> None:
    target = Path(path)
    if target.suffix.lower() not in suffixes:
        raise CommandError(
            _("Tệp kết quả {path} phải có đuôi {suffixes}", path=path, suffixes=" ".join(suffixes))
        )
    if not target.parent.is_dir():
        raise CommandError(_("Không có thư mục {path}", path=str(target.parent)))


def _ranking(args: argparse.Namespace) -> int:
    from forms.problems import ProblemsError
    from forms.ranking_xlsx import write_table
    from local_db.collector.reports import ranking_for_year
    from local_db.review.standing import ranking_note

    try:
        _check_output(args.output, (".xlsx", ".csv"))
        sets = criteria_sets(args)
        conn = open_db(args.db)
    except CommandError as exc:
        return fail(str(exc))
    try:
        ranking = ranking_for_year(conn, args.year, sets, args.set)
        write_table(ranking, args.output, _appendix(args))
        # review: which units are ranked on self-assessed points (a few codes, or --verbose)
        note = ranking_note(conn, args.year, lambda codes: listing(codes, args))
    except ProblemsError as exc:
        return fail("\n".join(str(p) for p in exc.problems))
    except OSError as exc:
        return fail(
            _("Không ghi được {path}: {error}", path=args.output, error=exc.strerror or str(exc))
        )
    finally:
        conn.close()
    print(
        _(
            "Đã ghi bảng xếp hạng {count} đơn vị vào {path}",
            count=len(ranking.rows),
            path=args.output,
        )
    )
    if note:
        print(note)
    return EXIT_OK


def _completeness(args: argparse.Namespace) -> int:
    from local_db.collector.completeness_file import write_completeness
    from local_db.collector.reports import completeness, completeness_counts

    try:
        _check_output(args.output, (".xlsx", ".csv"))
        conn = open_db(args.db)
    except CommandError as exc:
        return fail(str(exc))
    try:
        rows = completeness(conn, args.year)
        write_completeness(rows, args.output, args.year)
    except OSError as exc:
        return fail(
            _("Không ghi được {path}: {error}", path=args.output, error=exc.strerror or str(exc))
        )
    finally:
        conn.close()
    counts = completeness_counts(rows)
    print(
        _(
            "{total} đơn vị: {complete} đã nộp hợp lệ, {missing} chưa nộp, {unverified} chưa xác minh được, {conflict} mâu thuẫn.",
            total=len(rows), complete=counts["complete"], missing=counts["missing"],
            unverified=counts["unverified"], conflict=counts["conflict"],
        )
    )  # fmt: skip
    return EXIT_OK if counts["complete"] == len(rows) else EXIT_PROBLEMS


def _passphrase() -> str:
    passphrase = os.environ.get("DTI_PASSPHRASE")
    if passphrase is None:
        if not sys.stdin.isatty():
            raise CommandError(_("Cần mật khẩu khóa ký: đặt biến môi trường DTI_PASSPHRASE"))
        passphrase = getpass.getpass(_("Mật khẩu khóa ký: "))
    return passphrase


def _p12_signer(path: str):
    from forms.packages.signing import Pkcs12Signer

    passphrase = _passphrase()
    try:
        return Pkcs12Signer.from_pkcs12(Path(path).read_bytes(), passphrase.encode("utf-8") or None)
    except (OSError, ValueError) as exc:
        raise CommandError(
            _("Không dùng được chứng thư số {path}: {error}", path=path, error=str(exc))
        ) from exc


def _signer(args: argparse.Namespace):
    if args.p12:
        return _p12_signer(args.p12)
    from forms.packages import keys

    if args.key_dir:
        keys_dir = Path(args.key_dir)
    else:
        from local_db.paths import KEYS_DIR, resolve_data_dir

        keys_dir = resolve_data_dir(args.data_dir) / KEYS_DIR
    if not keys.key_exists(keys_dir):  # say so before asking for a passphrase of no key
        raise CommandError(
            _(
                "Chưa có khóa ký trong {path}. Tạo khóa bằng lệnh: dti-desk keys create "
                "(hoặc chỉ ra khóa khác bằng --key-dir, hay chứng thư số bằng --p12)",
                path=str(keys_dir),
            )
        )
    passphrase = _passphrase()
    try:
        return keys.load_signer(keys_dir, passphrase)
    except (keys.KeyFileError, OSError, ValueError) as exc:
        raise CommandError(
            _("Không mở được khóa ký trong {path}: {error}", path=str(keys_dir), error=str(exc))
        ) from exc


def _bundle(args: argparse.Namespace) -> int:
    from forms.packages.token import TokenError

    with ExitStack() as stack:
        try:
            _check_output(args.output, (".dtibundle",))
            signer = stack.enter_context(token_signer(args)) if args.token else _signer(args)
        except CommandError as exc:
            return fail(str(exc))
        except TokenError as exc:
            return fail(f"[{exc.code}] {exc.message}")
        return _write_bundle(args, signer)


def _write_bundle(args: argparse.Namespace, signer) -> int:
    from local_db.collector.bundles import export_bundle

    try:
        conn = open_db(args.db)
    except CommandError as exc:
        return fail(str(exc))
    try:
        count = export_bundle(
            conn,
            args.output,
            signer,
            year=args.year,
            collector_name=args.name,
            collector_unit=args.collector_unit,
            group=args.group,
        )
    except OSError as exc:
        return fail(
            _("Không ghi được {path}: {error}", path=args.output, error=exc.strerror or str(exc))
        )
    finally:
        conn.close()
    if count == 0:
        Path(args.output).unlink(missing_ok=True)
        return fail(
            _("Không có bài nộp hiện hành nào của năm {year} để chuyển tiếp", year=args.year)
        )
    print(_("Đã ghi {count} gói vào gói chuyển tiếp {path}", count=count, path=args.output))
    return EXIT_OK


__all__ = ["EXIT_USAGE", "register"]
