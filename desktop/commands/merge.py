"""`dti-desk merge --db FILE PATH... [--json]`: merge received packages and bundles."""

from __future__ import annotations

import argparse
import json
import sys

from desktop.commands._collector_common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    CommandError,
    add_criteria_argument,
    add_db_argument,
    criteria_sets,
    fail,
    load_trust,
    open_store,
)
from forms.i18n import _


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "merge",
        help=_("tổng hợp các gói nộp (.dtipkg) và gói chuyển tiếp (.dtibundle)"),
        description=_(
            "Xác minh từng gói rồi lưu vào cơ sở dữ liệu tổng hợp; mỗi gói được lưu trọn vẹn hoặc không lưu gì. Gói bị từ chối được giữ trong danh sách cách ly kèm lý do. Chạy lại với cùng các gói không thay đổi gì. Mã thoát 1 nếu có gói bị từ chối."
        ),
    )
    add_db_argument(parser)
    parser.add_argument(
        "paths", nargs="+", metavar=_("ĐƯỜNG_DẪN"), help=_("tệp gói hoặc thư mục chứa gói")
    )
    parser.add_argument(
        "--trust",
        metavar=_("TỆP"),
        help=_("danh sách tin cậy (mặc định: trust.json trong thư mục dữ liệu)"),
    )
    parser.add_argument(
        "--units",
        metavar=_("TỆP"),
        help=_("nhập danh sách đơn vị (.xlsx, .csv, .json) trước khi tổng hợp"),
    )
    add_criteria_argument(parser)
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help=_(
            "số tiến trình phụ cùng xác minh gói khi có từ 400 gói mới (mặc định: số lõi CPU trừ một, tối đa 4; 0: chỉ dùng tiến trình này)"
        ),
    )
    parser.add_argument(
        "--json", action="store_true", help=_("in kết quả dưới dạng một đối tượng JSON")
    )
    parser.set_defaults(func=_merge)


def _merge(args: argparse.Namespace) -> int:
    from forms.problems import ProblemsError
    from local_db.errors import StorageError

    if args.workers is not None and args.workers < 0:
        return fail(_("--workers phải là số không âm (0: không dùng tiến trình phụ)"))
    try:
        trust = load_trust(args.trust, args.data_dir)
        sets = criteria_sets(args)
        store = open_store(args.db)
    except CommandError as exc:
        return fail(str(exc))
    try:
        if args.units:
            try:
                store.import_units_file(args.units)
            except ProblemsError as exc:
                return fail("\n".join(str(p) for p in exc.problems))
        summary = store.merge(args.paths, trust, sets, workers=args.workers)
    except StorageError as exc:  # the environment: disk full, database locked by another program
        return fail(
            _(
                "Lỗi cơ sở dữ liệu khi tổng hợp: {error}. Các gói đã lưu vẫn còn; hãy chạy lại lệnh sau khi khắc phục.",
                error=str(exc),
            )
        )
    finally:
        store.close()
    if args.json:
        json.dump(summary.to_json(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(
            _(
                "Đã xem {files} gói: {accepted} nhận mới, {duplicates} trùng, {superseded} bị thay thế, {conflicts} đơn vị có bài nộp mâu thuẫn, {rejected} bị từ chối.",
                files=summary.files, accepted=summary.accepted, duplicates=summary.duplicates,
                superseded=summary.superseded, conflicts=summary.conflicts, rejected=len(summary.rejected),
            )
        )  # fmt: skip
        for rejection in [*summary.bundles_rejected, *summary.rejected]:
            for reason in rejection.reasons:
                print(
                    _("Từ chối {file}: {reason}", file=rejection.file, reason=reason.message),
                    file=sys.stderr,
                )
    return EXIT_PROBLEMS if summary.rejected or summary.bundles_rejected else EXIT_OK
