"""`dti-desk units import FILE` / `units list`: the province's list of communes and wards."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from forms.i18n import _

EXIT_OK, EXIT_PROBLEMS = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "units",
        help=_("danh sách đơn vị hành chính (xã, phường, đặc khu)"),
        description=_("Nhập và xem danh sách đơn vị hành chính do tỉnh cung cấp."),
    )
    commands = group.add_subparsers(
        dest="units_command", metavar=_("LỆNH"), parser_class=type(group)
    )
    do_import = commands.add_parser(
        "import",
        help=_("nhập danh sách đơn vị từ tệp .xlsx hoặc .csv"),
        description=_(
            "Nhập danh sách đơn vị (cột Mã, Tên, Loại, Nhóm, Tỉnh). Nếu có dòng lỗi thì không nhập gì và liệt kê các dòng lỗi; mã thoát 1."
        ),
    )
    do_import.add_argument("file", metavar=_("TỆP"), help=_("tệp .xlsx hoặc .csv"))
    do_import.set_defaults(func=_import)
    listing = commands.add_parser(
        "list",
        help=_("liệt kê các đơn vị"),
        description=_("Liệt kê các đơn vị; --search tìm theo tên không cần gõ dấu, hoặc theo mã."),
    )
    listing.add_argument(
        "--search", metavar=_("CHỮ"), default="", help=_("tìm theo tên (không cần dấu) hoặc mã")
    )
    listing.set_defaults(func=_list)


def _open(args: argparse.Namespace):
    from local_db import open_database, resolve_data_dir

    return open_database(resolve_data_dir(getattr(args, "data_dir", None)))


def _import(args: argparse.Namespace) -> int:
    from local_db import StorageError, units

    path = Path(args.file)
    try:
        with _open(args) as db:
            report = units.import_units(db, path)
    except StorageError as error:
        print(_("Lỗi: {message}", message=str(error)), file=sys.stderr)
        return EXIT_PROBLEMS
    for problem in report.problems:
        print(f"{problem}", file=sys.stderr)
    if not report.written:
        print(
            _(
                "Không nhập đơn vị nào từ {file}: hãy sửa các lỗi trên rồi nhập lại.",
                file=path.name,
            ),
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    print(
        _(
            "Đã nhập {file}: thêm {added}, cập nhật {updated}, không đổi {unchanged}.",
            file=path.name,
            added=report.added,
            updated=report.updated,
            unchanged=report.unchanged,
        )
    )
    return EXIT_OK


def _list(args: argparse.Namespace) -> int:
    from local_db import StorageError, units

    try:
        with _open(args) as db:
            found = units.search(db, args.search, limit=0)
    except StorageError as error:
        print(_("Lỗi: {message}", message=str(error)), file=sys.stderr)
        return EXIT_PROBLEMS
    for unit in found:
        print("\t".join((unit.code, unit.name, unit.kind, unit.group_name)))
    if not found:
        print(_("Không có đơn vị nào."), file=sys.stderr)
    return EXIT_OK
