"""`dti-desk results ...`: published ranking tables.

A command group: `check` re-checks a table from the yearly decision; the collector's
`results import` joins it here later.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from desktop.commands._output import add_verbose_argument, listing
from forms.i18n import _

if TYPE_CHECKING:
    from forms.results_check import CheckResult, Finding

EXIT_OK, EXIT_PROBLEMS = 0, 1


def register(subparsers: argparse._SubParsersAction) -> None:
    group = subparsers.add_parser(
        "results",
        help=_("bảng kết quả xếp hạng đã công bố"),
        description=_(
            "Làm việc với bảng kết quả đánh giá, xếp hạng (phụ lục của quyết định công bố)."
        ),
    )
    commands = group.add_subparsers(
        dest="results_command", metavar=_("LỆNH"), parser_class=type(group)
    )
    check = commands.add_parser(
        "check",
        help=_("kiểm tra một bảng xếp hạng: tổng điểm, xếp loại, thứ tự, đơn vị trùng, ô sai"),
        description=_(
            "Đọc bảng xếp hạng trong sổ tính Excel (.xlsx) và liệt kê mọi chỗ sai: tổng điểm lệch quá mức làm tròn, xếp loại không khớp các mức, sai thứ tự, đơn vị trùng, ô trống hoặc không phải số. Mã thoát 1 nếu có lỗi."
        ),
    )
    check.add_argument(
        "file", metavar=_("TỆP"), help=_("sổ tính .xlsx hoặc tệp .csv chứa bảng xếp hạng")
    )
    check.add_argument(
        "--json", action="store_true", help=_("in kết quả dưới dạng một đối tượng JSON")
    )
    check.add_argument(
        "--bands",
        metavar=_("TỆP"),
        help=_(
            'mức xếp loại: một bộ tiêu chí (.json/.xlsx) hoặc danh sách JSON [{"minimum": 800, "label": "Tốt"}, ...] (mặc định: của bộ tiêu chí tham khảo)'
        ),
    )
    check.add_argument(
        "--sheet",
        metavar=_("TRANG"),
        help=_("chỉ kiểm tra trang tính này (mặc định: mọi trang có bảng)"),
    )
    check.add_argument(
        "--summary",
        action="store_true",
        help=_("chỉ in số phát hiện theo loại, danh sách lỗi và số ghi chú"),
    )
    add_verbose_argument(check)
    check.set_defaults(func=_check)
    # `results import` belongs to the collector (desktop/commands/_results_import.py)
    from desktop.commands._results_import import register_import

    register_import(commands)


def _check(args: argparse.Namespace) -> int:
    from forms.results_check import (
        BandsError,
        bad_file,
        bands_on_targets,
        check_workbook,
        default_bands,
        load_bands,
    )

    try:
        bands = load_bands(args.bands) if args.bands else default_bands()
    except BandsError as exc:
        result = bad_file(exc.message, args.bands)
    else:
        on_targets = bool(args.bands) and bands_on_targets(args.bands)
        result = check_workbook(args.file, bands, sheet=args.sheet, on_targets=on_targets)
    if args.json:
        data = result.summary_json() if args.summary else result.to_json()
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif any(f.kind == "bad_file" for f in result.findings):
        for finding in result.findings:
            print(_("Lỗi: {message}", message=finding.message), file=sys.stderr)
    elif args.summary:
        _print_summary(result)
    else:
        _print_report(result, args)
    return EXIT_OK if result.ok else EXIT_PROBLEMS


def _line(finding: Finding) -> str:
    severity = _("LỖI") if finding.severity == "error" else _("ghi chú")
    unit = finding.unit or "?"
    if finding.stt is not None:
        return _(
            "[{severity}] STT {stt} · {unit}: {message}",
            severity=severity,
            stt=finding.stt,
            unit=unit,
            message=finding.message,
        )
    return _(
        "[{severity}] {unit}: {message}", severity=severity, unit=unit, message=finding.message
    )


def _print_report(result: CheckResult, args: argparse.Namespace) -> None:
    """Every finding a line, but notes that many rows share one line for all of them (each
    a line again with --verbose)."""
    grouped = {} if args.verbose else result.grouped_notes()
    for finding in result.findings:
        if finding.kind not in grouped:
            print(_line(finding))
    for kind, findings in grouped.items():
        print(_grouped_line(kind, findings, args))
    _print_totals(result)


def _grouped_line(kind: str, findings: list[Finding], args: argparse.Namespace) -> str:
    from forms.results_check import KIND_NAMES

    rows = [str(f.stt) if f.stt is not None else f.unit or "?" for f in findings]
    return _(
        "[ghi chú] {count} dòng {kind} (STT {rows})",
        count=len(findings),
        kind=_(KIND_NAMES[kind]),
        rows=listing(rows, args, limit=20),
    )


def _print_summary(result: CheckResult) -> None:
    """Counts by kind, then every error; notes only counted."""
    from forms.results_check import KIND_NAMES

    _print_totals(result)
    for kind, count in result.counts().items():
        print(_("  {kind} ({code}): {count}", kind=_(KIND_NAMES[kind]), code=kind, count=count))
    for finding in result.errors:
        print(_line(finding))
    if result.notes:
        print(_("{count} ghi chú không in ra; bỏ --summary để xem.", count=len(result.notes)))


def _print_totals(result: CheckResult) -> None:
    errors, notes = len(result.errors), len(result.notes)
    if errors or notes:
        print(
            _(
                "Đã đọc {rows} đơn vị: {errors} lỗi, {notes} ghi chú.",
                rows=result.rows,
                errors=errors,
                notes=notes,
            )
        )
    else:
        print(_("Đã đọc {rows} đơn vị: không có vấn đề nào.", rows=result.rows))
