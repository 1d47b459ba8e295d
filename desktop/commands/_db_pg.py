"""`dti-desk db check|backup --db postgresql://…`: the collector database on a PostgreSQL
server (``local_db.collector.pg_admin``). The URL's password is never printed."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from desktop.commands._output import json_error
from forms.i18n import _

EXIT_OK, EXIT_PROBLEMS = 0, 1


def _failed(args: argparse.Namespace, code: str, message: str) -> int:
    if getattr(args, "json", False):
        json_error(code, message)
    print(_("Lỗi: {message}", message=message), file=sys.stderr)
    return EXIT_PROBLEMS


def check(args: argparse.Namespace) -> int:
    from local_db.collector import pg_admin

    try:
        report = pg_admin.check(args.db)
    except pg_admin.PgAdminError as exc:
        return _failed(args, exc.code, str(exc))
    if args.json:
        body = {
            "ok": report.ok, "database": report.database, "version": report.version,
            "counts": report.counts, "problems": [p.to_json() for p in report.problems],
        }  # fmt: skip
        json.dump(body, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK if report.ok else EXIT_PROBLEMS
    if report.ok:
        print(_("Cơ sở dữ liệu tốt: {path} (cấu trúc phiên bản {version}).", path=report.database, version=report.version))  # fmt: skip
        for table, count in report.counts.items():
            print(f"  {table}: {count}")
    else:
        print(_("Cơ sở dữ liệu CÓ LỖI: {path}", path=report.database))
    for problem in report.problems:
        print(f"  - {problem.message}")
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def backup(args: argparse.Namespace) -> int:
    from local_db.collector import pg_admin
    from local_db.collector.db_url import masked

    if not args.to:
        return _failed(args, "usage", _("Sao lưu PostgreSQL cần tệp đích: thêm -o TỆP."))
    try:
        made = pg_admin.backup(args.db, Path(args.to))
    except pg_admin.PgAdminError as exc:
        return _failed(args, exc.code, str(exc))
    print(_("Đã sao lưu {db} vào {path}", db=masked(args.db), path=str(made)))
    return EXIT_OK
