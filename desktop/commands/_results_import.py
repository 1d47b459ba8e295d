"""`dti-desk results import FILE.xlsx --year Y --db FILE`: the collector's subcommand of the
`results` group (that group lives in ``results.py``, which calls ``register_import``)."""

from __future__ import annotations

import argparse

from desktop.commands._collector_common import (
    EXIT_OK,
    CommandError,
    add_db_argument,
    fail,
    open_store,
)
from desktop.commands._output import add_verbose_argument, listing
from forms.i18n import _
from forms.text import SHORT_LIST


def register_import(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import",
        help=_("nhập bảng kết quả đã công bố của một năm để so sánh với năm sau"),
        description=_(
            "Đọc bảng xếp hạng đã công bố (.xlsx) và lưu vào cơ sở dữ liệu tổng hợp, ghép với danh sách đơn vị theo tên."
        ),
    )
    parser.add_argument("file", metavar=_("TỆP.xlsx"), help=_("sổ tính chứa bảng xếp hạng"))
    parser.add_argument(
        "--year", type=int, required=True, metavar=_("NĂM"), help=_("năm của bảng kết quả")
    )
    add_db_argument(parser)
    add_verbose_argument(parser)
    parser.set_defaults(func=_import)


def _import(args: argparse.Namespace) -> int:
    from forms.results_table import TableReadError, read_tables

    try:
        tables = read_tables(args.file)
    except TableReadError as exc:
        return fail(exc.message)
    try:
        store = open_store(args.db)
    except CommandError as exc:
        return fail(str(exc))
    try:
        result = store.import_published(args.year, tables)
    finally:
        store.close()
    print(
        _(
            "Đã nhập {rows} dòng kết quả năm {year}; {matched} dòng khớp với danh sách đơn vị.",
            rows=result.rows,
            year=args.year,
            matched=result.matched,
        )
    )
    if args.verbose or len(result.unmatched) <= SHORT_LIST:
        for name in result.unmatched:
            print(_("Không tìm thấy đơn vị “{name}” trong danh sách đơn vị", name=name))
    else:
        print(
            _("Không tìm thấy {count} đơn vị trong danh sách đơn vị: {names}",
              count=len(result.unmatched), names=listing(list(result.unmatched), args))
        )  # fmt: skip
    return EXIT_OK
