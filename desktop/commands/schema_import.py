"""`dti-desk schema import-table FILE.docx|FILE.xlsx -o draft.xlsx`: the province's published
criteria table into a draft authoring workbook (forms.table_import does the reading)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

from desktop.commands._packages_common import error
from forms.i18n import _

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def register(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "import-table",
        help=_("đọc bảng tiêu chí đã ban hành (Word/Excel) thành sổ tính nháp"),
        description=_(
            "Đọc bảng bảy cột (STT, Chỉ số, Điểm tối đa, Cách xác định và tính điểm, Tài liệu kiểm chứng, Nguồn thu thập dữ liệu, Đơn vị phối hợp xác minh) trong tệp .docx hoặc .xlsx và ghi sổ tính bộ tiêu chí nháp. Dòng nào không chắc chắn được đánh dấu để người soạn viết cách chấm."
        ),
    )
    parser.add_argument("file", metavar=_("TỆP"), help=_("bảng tiêu chí .docx hoặc .xlsx"))
    parser.add_argument(
        "-o", "--output", required=True, metavar=_("TỆP_RA"), help=_("sổ tính nháp .xlsx")
    )
    parser.add_argument(
        "--year",
        type=int,
        default=dt.date.today().year,
        help=_("năm đánh giá của bộ tiêu chí (mặc định: năm nay)"),
    )
    parser.add_argument(
        "--json", action="store_true", help=_("in kết quả dưới dạng một đối tượng JSON")
    )
    parser.set_defaults(func=_import_table)


def _import_table(args: argparse.Namespace) -> int:
    from forms.table_import import TableRejected, import_table

    output = Path(args.output)
    if output.suffix.lower() != ".xlsx":
        message = _("Tệp ra phải có đuôi .xlsx: {file}", file=args.output)
        error(message, args, "usage")
        return EXIT_USAGE
    try:
        imported = import_table(args.file, year=args.year)
        imported.write(output)
    except TableRejected as exc:
        return error(exc.problem.message, args, exc.problem.code)
    except OSError as exc:
        return error(
            _("Không ghi được {output}: {error}", output=args.output, error=exc.strerror or exc),
            args,
            "write_failed",
        )
    if args.json:
        json.dump(imported.report(), sys.stdout, ensure_ascii=False, indent=2)
        print()
        return EXIT_OK
    for item in [*imported.report()["pillars"], *imported.report()["indicators"]]:
        if item["needs_author"]:
            print(
                _(
                    "{code} ({where}): {reason}",
                    code=item["code"],
                    where=item["where"],
                    reason=item["reason"],
                )
            )
    for row in imported.report()["unplaced"]:
        print(_("{where}: {reason}", where=row["where"], reason=row["reason"]))
    print(
        _(
            "Đã ghi {output}: {pillars} trụ cột, {indicators} chỉ tiêu, {flagged} dòng cần người soạn (đánh dấu vàng, trang “Cần người soạn”). Sửa xong, kiểm tra bằng: dti-desk schema check {output}",
            output=args.output,
            pillars=len(imported.outline.pillars),
            indicators=len(imported.outline.indicators()),
            flagged=imported.flagged(),
        )
    )
    return EXIT_OK
