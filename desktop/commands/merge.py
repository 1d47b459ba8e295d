"""`dti-desk merge --db FILE PATH... [--json]`: merge received packages and bundles."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from desktop.commands._collector_common import (
    EXIT_OK,
    EXIT_PROBLEMS,
    CommandError,
    add_criteria_argument,
    add_db_argument,
    criteria_sets,
    failed,
    load_trust,
    open_store,
)
from desktop.commands._output import add_verbose_argument, listing
from desktop.commands._trust_crl import print_stale
from forms.i18n import _
from forms.text import SHORT_LIST


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
    add_verbose_argument(parser)
    parser.set_defaults(func=_merge)


def _merge(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.workers is not None and args.workers < 0:
        return failed(
            args,
            CommandError(
                _("--workers phải là số không âm (0: không dùng tiến trình phụ)"), "bad_option"
            ),
        )
    try:
        trust = load_trust(args.trust, args.data_dir)
        sets = criteria_sets(args)
    except CommandError as exc:
        return failed(args, exc)
    from local_db.collector.db_url import is_url

    print_stale(trust.revocation())  # the CRLs imported into the registry (stderr)
    # only a database file this run made may be removed (never a server's database)
    created = not is_url(args.db) and not Path(args.db).exists()
    try:
        summary = _run(args, trust, sets)
    except CommandError as exc:
        if created:
            _remove_database(args.db)
        return failed(args, exc)
    refused = bool(summary.rejected or summary.bundles_rejected)
    if created and refused and summary.accepted == 0:
        # nothing stored but the refusals printed below: no empty database is left to
        # mistake for a merged one (a database that was there before is never removed)
        _remove_database(args.db)
    _report(args, summary)
    return EXIT_PROBLEMS if refused else EXIT_OK


def _run(args: argparse.Namespace, trust: Any, sets: list[Any]) -> Any:
    """Open the store, import --units, merge; every failure a ``CommandError`` with its code."""
    from forms.problems import ProblemsError
    from local_db.errors import StorageError

    store = open_store(args.db)
    try:
        if args.units:
            try:
                store.import_units_file(args.units)
            except ProblemsError as exc:
                raise CommandError(
                    "\n".join(str(p) for p in exc.problems), "units_invalid", exc.problems
                ) from exc
        return store.merge(args.paths, trust, sets, workers=args.workers)
    except StorageError as exc:  # the environment: disk full, database locked by another program
        raise CommandError(
            _(
                "Lỗi cơ sở dữ liệu khi tổng hợp: {error}. Các gói đã lưu vẫn còn; hãy chạy lại lệnh sau khi khắc phục.",
                error=str(exc),
            ),
            "storage_error",
        ) from exc
    finally:
        store.close()


def _remove_database(path: str) -> None:
    from local_db.paths import sqlite_files

    for part in sqlite_files(path):
        with contextlib.suppress(FileNotFoundError):
            part.unlink()


def _report(args: argparse.Namespace, summary: Any) -> None:
    if args.json:
        refused = bool(summary.rejected or summary.bundles_rejected)
        body = {"ok": not refused, **summary.to_json()}
        json.dump(body, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    print(
        _(
            "Đã xem {files} gói: {accepted} nhận mới, {duplicates} trùng, {superseded} bị thay thế, {conflicts} đơn vị có bài nộp mâu thuẫn, {rejected} bị từ chối.",
            files=summary.files, accepted=summary.accepted, duplicates=summary.duplicates,
            superseded=summary.superseded, conflicts=summary.conflicts, rejected=len(summary.rejected),
        )
    )  # fmt: skip
    _print_refusals([*summary.bundles_rejected, *summary.rejected], args)


def _print_refusals(rejections: list[Any], args: argparse.Namespace) -> None:
    """A line per refused file and reason; when there are many (299 packages of an unknown
    signer), a line per reason code naming a few of the files, each file again with --verbose."""
    pairs = [(rejection.file, reason) for rejection in rejections for reason in rejection.reasons]
    if args.verbose or len(pairs) <= SHORT_LIST:
        for file, reason in pairs:
            print(_("Từ chối {file}: {reason}", file=file, reason=reason.message), file=sys.stderr)
        return
    by_code: dict[str, list[tuple[str, Any]]] = {}
    for file, reason in pairs:
        by_code.setdefault(reason.code, []).append((file, reason))
    for code, found in by_code.items():
        files = [file for file, _reason in found]
        print(
            _("Từ chối {count} gói [{code}]: {files}", count=len(files), code=code,
              files=listing(files, args)),
            file=sys.stderr,
        )  # fmt: skip
        example, reason = found[0]
        print(_("  ví dụ {file}: {reason}", file=example, reason=reason.message), file=sys.stderr)
