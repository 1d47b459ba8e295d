"""`dti-desk db backup|restore|check`: the database's safety net from the command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from forms.i18n import _

EXIT_OK, EXIT_PROBLEMS = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "db",
        help=_("sao lưu, khôi phục, kiểm tra cơ sở dữ liệu"),
        description=_("Sao lưu, khôi phục và kiểm tra cơ sở dữ liệu trong thư mục dữ liệu."),
    )
    commands = group.add_subparsers(dest="db_command", metavar=_("LỆNH"), parser_class=type(group))
    backup = commands.add_parser(
        "backup",
        help=_("tạo một bản sao lưu ngay"),
        description=_(
            "Tạo bản sao lưu an toàn (kể cả khi ứng dụng đang mở) vào thư mục backups hoặc vào TỆP."
        ),
    )
    backup.add_argument("-o", "--to", metavar=_("TỆP"), help=_("lưu bản sao vào tệp này"))
    _add_pg_db(backup)
    backup.set_defaults(func=_backup)
    restore = commands.add_parser(
        "restore",
        help=_("khôi phục từ một bản sao lưu"),
        description=_(
            "Thay cơ sở dữ liệu bằng bản sao lưu TỆP. Cơ sở dữ liệu hiện tại được giữ lại trong thư mục backups. Hãy đóng ứng dụng trước."
        ),
    )
    restore.add_argument("file", metavar=_("TỆP"), help=_("tệp sao lưu .sqlite"))
    restore.set_defaults(func=_restore)
    check = commands.add_parser(
        "check",
        help=_("kiểm tra tính toàn vẹn của cơ sở dữ liệu"),
        description=_(
            "Kiểm tra toàn vẹn cơ sở dữ liệu và kho tệp minh chứng; mã thoát 1 nếu có lỗi."
        ),
    )
    _add_pg_db(check)
    check.add_argument(
        "--json",
        action="store_true",
        help=_("in kết quả dạng JSON (ok, version, counts, problems)"),
    )
    check.set_defaults(func=_check)


def _add_pg_db(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help=_(
            "cơ sở dữ liệu tổng hợp trên PostgreSQL (postgresql://NGƯỜI_DÙNG@MÁY/CSDL); mặc định: cơ sở dữ liệu của xã trong thư mục dữ liệu"
        ),
    )


def _postgres(args: argparse.Namespace) -> bool:
    from local_db.collector.db_url import is_url

    return is_url(getattr(args, "db", None))


def _data_dir(args: argparse.Namespace) -> Path:
    from local_db.paths import resolve_data_dir

    return resolve_data_dir(getattr(args, "data_dir", None))


def _fail(message: str) -> int:
    print(_("Lỗi: {message}", message=message), file=sys.stderr)
    return EXIT_PROBLEMS


def _backup(args: argparse.Namespace) -> int:
    from local_db import backup
    from local_db.errors import StorageError
    from local_db.paths import DB_FILE

    if args.db is not None:
        if not _postgres(args):
            return _fail(_("--db cần một địa chỉ postgresql://; tệp SQLite sao lưu bằng --to."))
        from desktop.commands import _db_pg

        return _db_pg.backup(args)
    data_dir = _data_dir(args)
    if not (data_dir / DB_FILE).exists():
        return _fail(_("Chưa có cơ sở dữ liệu trong thư mục {path}.", path=str(data_dir)))
    try:
        if args.to:
            made = backup.backup_to(data_dir / DB_FILE, Path(args.to))
        else:
            made = backup.make_backup(data_dir, backup.MANUAL)
    except (StorageError, OSError) as error:
        return _fail(str(error))
    print(_("Đã sao lưu vào {path}", path=str(made)))
    return EXIT_OK


def _restore(args: argparse.Namespace) -> int:
    from local_db import backup
    from local_db.errors import StorageError
    from local_db.lock import InstanceLock
    from local_db.paths import LOCK_FILE

    data_dir = _data_dir(args)
    source = Path(args.file)
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        lock = InstanceLock(data_dir / LOCK_FILE)
        lock.acquire()
        try:
            kept = backup.restore(data_dir, source)
        finally:
            lock.release()
    except (StorageError, OSError) as error:
        return _fail(str(error))
    print(_("Đã khôi phục từ {path}.", path=str(source)))
    if kept is not None:
        print(_("Cơ sở dữ liệu trước đó được giữ tại {path}", path=str(kept)))
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    from local_db import backup

    if args.db is not None:
        if not _postgres(args):
            return _fail(_("--db cần một địa chỉ postgresql://."))
        from desktop.commands import _db_pg

        return _db_pg.check(args)
    data_dir = _data_dir(args)
    report = backup.check(data_dir)
    if args.json:
        body = {
            "ok": report.ok, "database": str(report.path), "version": report.version,
            "counts": report.counts, "problems": [p.to_json() for p in report.problems],
        }  # fmt: skip
        json.dump(body, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK if report.ok else EXIT_PROBLEMS
    if report.ok:
        print(
            _(
                "Cơ sở dữ liệu tốt: {path} (cấu trúc phiên bản {version}).",
                path=str(report.path),
                version=report.version,
            )
        )
        for table, count in report.counts.items():
            print(f"  {table}: {count}")
    else:
        print(_("Cơ sở dữ liệu CÓ LỖI: {path}", path=str(report.path)))
    for problem in report.problems:
        print(f"  - {problem}")
    return EXIT_OK if report.ok else EXIT_PROBLEMS
