"""`dti-desk schema ...`: check, compile and show criteria sets (the "schema" of an assessment).

Province staff author the set in Excel; `check` lists every problem (sheet!cell or JSON path),
`compile` turns a clean workbook into the JSON the app ships, `show` prints the tree.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from forms.i18n import _

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "schema",
        help=_("bộ tiêu chí: kiểm tra, biên dịch, xem"),
        description=_(
            "Làm việc với bộ tiêu chí đánh giá (sổ tính Excel .xlsx do tỉnh soạn, hoặc bản JSON đã biên dịch)."
        ),
    )
    commands = group.add_subparsers(
        dest="schema_command", metavar=_("LỆNH"), parser_class=type(group)
    )

    check = commands.add_parser(
        "check",
        help=_("liệt kê mọi lỗi của một bộ tiêu chí"),
        description=_(
            "Đọc bộ tiêu chí (.xlsx hoặc .json) và liệt kê mọi lỗi kèm vị trí (trang!ô hoặc đường dẫn JSON). Mã thoát 1 nếu có lỗi."
        ),
    )
    check.add_argument("file", metavar=_("TỆP"), help=_("bộ tiêu chí .xlsx hoặc .json"))
    check.add_argument(
        "--json", action="store_true", help=_("in kết quả dưới dạng một đối tượng JSON")
    )
    check.set_defaults(func=_check)

    compile_ = commands.add_parser(
        "compile",
        help=_("biên dịch sổ tính bộ tiêu chí thành JSON"),
        description=_(
            "Kiểm tra bộ tiêu chí rồi ghi bản JSON (hoặc sổ tính .xlsx nếu tên tệp ra kết thúc bằng .xlsx). Không ghi gì nếu có lỗi."
        ),
    )
    compile_.add_argument("file", metavar=_("TỆP"), help=_("bộ tiêu chí .xlsx hoặc .json"))
    compile_.add_argument(
        "-o",
        "--output",
        required=True,
        metavar=_("TỆP_RA"),
        help=_("tệp kết quả (.json hoặc .xlsx)"),
    )
    compile_.set_defaults(func=_compile)

    show = commands.add_parser(
        "show",
        help=_("in cây trụ cột, chỉ tiêu với điểm tối đa"),
        description=_(
            "In bộ tiêu chí dạng cây: trụ cột, chỉ tiêu, chỉ tiêu con, điểm tối đa và cách chấm."
        ),
    )
    show.add_argument(
        "file",
        metavar=_("TỆP"),
        nargs="?",
        help=_("bộ tiêu chí .xlsx hoặc .json (mặc định: bộ tham khảo kèm theo)"),
    )
    show.add_argument(
        "--rules", action="store_true", help=_("in cả cách chấm điểm của từng chỉ tiêu")
    )
    show.set_defaults(func=_show)

    from desktop.commands import schema_import

    schema_import.register(commands)


def _print_problems(problems: list) -> None:
    for problem in problems:
        print(str(problem))


def _errors(problems: list) -> list:
    """What blocks loading; a warning (a hidden sheet, say) is printed but does not block."""
    from forms.problems import Level

    return [p for p in problems if p.level == Level.ERROR]


def _print_warnings(problems: list) -> None:
    if problems:
        _print_problems(problems)
        print(
            _("{n} cảnh báo (không chặn việc nạp bộ tiêu chí).", n=len(problems)), file=sys.stderr
        )


def _check(args: argparse.Namespace) -> int:
    from forms.criteria_io import check_criteria_file, load_criteria

    problems = check_criteria_file(args.file)
    errors = _errors(problems)
    if args.json:
        payload: dict = {"file": args.file, "problems": [p.to_json() for p in problems]}
        if not errors:
            cs = load_criteria(args.file)
            payload.update(
                set_id=cs.set_id,
                year=cs.year,
                version=cs.version,
                content_hash=cs.content_hash,
                indicators=len(cs.leaves()),
            )
        json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return EXIT_PROBLEMS if errors else EXIT_OK
    if errors:
        _print_problems(problems)
        print(_("{n} lỗi trong {file}.", n=len(errors), file=args.file), file=sys.stderr)
        return EXIT_PROBLEMS
    _print_warnings(problems)
    cs = load_criteria(args.file)
    print(_summary(cs))
    return EXIT_OK


def _summary(cs) -> str:
    from forms.rule_text import format_number

    return _(
        "Hợp lệ: {id}: {pillars} trụ cột, {indicators} chỉ tiêu, tổng {total} điểm.",
        id=cs.short_id,
        pillars=len(cs.pillars),
        indicators=len(cs.leaves()),
        total=format_number(cs.total_points),
    )


def _compile(args: argparse.Namespace) -> int:
    from forms.criteria_io import check_criteria_file, load_criteria
    from forms.criteria_json import dump_json
    from forms.criteria_xlsx import dump_xlsx

    output = Path(args.output)
    suffix = output.suffix.lower()
    if suffix not in (".json", ".xlsx"):
        print(
            _("Tệp ra phải có đuôi .json hoặc .xlsx: {file}", file=args.output),
            file=sys.stderr,
        )
        return EXIT_USAGE
    problems = check_criteria_file(args.file)
    if _errors(problems):
        _print_problems(problems)
        print(
            _("{n} lỗi: không ghi {output}.", n=len(_errors(problems)), output=args.output),
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    _print_warnings(problems)
    if not output.parent.is_dir():
        print(
            _("Thư mục {folder} không tồn tại.", folder=str(output.parent)),
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    cs = load_criteria(args.file)
    try:
        if suffix == ".json":
            dump_json(cs, output)
        else:
            dump_xlsx(cs, output)
    except OSError as exc:
        print(
            _("Không ghi được {output}: {error}", output=args.output, error=exc.strerror or exc),
            file=sys.stderr,
        )
        return EXIT_PROBLEMS
    print(_("Đã ghi {output}: {summary}", output=args.output, summary=_summary(cs)))
    return EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from forms.criteria_io import check_criteria_file, load_criteria
    from forms.reference import reference_set
    from forms.rule_text import describe_rule, format_number, rule_kind_name

    if args.file:
        problems = check_criteria_file(args.file)
        if _errors(problems):
            _print_problems(problems)
            return EXIT_PROBLEMS
        _print_warnings(problems)
        cs = load_criteria(args.file)
    else:
        cs = reference_set()
    print(cs.title)
    print(_summary(cs))
    if cs.reference:
        print(_("Đây là bộ tiêu chí THAM KHẢO, cần thay bằng bộ chính thức của tỉnh."))
    bands = "; ".join(f"{b.label} ≥ {format_number(b.minimum)}" for b in cs.bands)
    print(_("Xếp loại: {bands}", bands=bands))

    def line(ind, depth: int) -> None:
        indent = "    " * depth
        print(
            _(
                "{indent}{code} {name} — {points} điểm [{kind}]",
                indent=indent,
                code=ind.code,
                name=ind.name,
                points=format_number(ind.max_points),
                kind=rule_kind_name(ind.rule.kind),
            )
        )
        if args.rules:
            print(f"{indent}    ↳ {describe_rule(ind)}")
        for child in ind.children:
            line(child, depth + 1)

    for pillar in cs.pillars:
        print(
            _(
                "{code}. {name} — {points} điểm",
                code=pillar.code,
                name=pillar.name,
                points=format_number(pillar.max_points),
            )
        )
        for ind in pillar.indicators:
            line(ind, 1)
    return EXIT_OK
