"""The inbound workbook before openpyxl reads it: its bytes read once and bounded, the zip refused
when it is not a workbook or unpacks to absurd sizes, and sheets the author cannot see named."""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from forms.i18n import _
from forms.inbound import InboundRejected, read_inbound
from forms.problems import Level, Problem

MAX_UNPACKED_BYTES = (
    16 * 2**20
)  # zip-bomb guard: a real set unpacks to ~0.3 MB (openpyxl may scan it all)
MAX_ZIP_ENTRIES = 2000
MAX_WORKBOOK_BYTES = 32 * 2**20  # the file itself (a real set is ~50 kB); read before unzipping


def inbound(path: Path) -> tuple[bytes | None, list[Problem]]:
    """The workbook's bytes, read once through ``forms.inbound`` (a FIFO, a device or a huge
    file is refused before anything is read), or the problem that refused it."""
    try:
        return read_inbound(path, MAX_WORKBOOK_BYTES), []
    except InboundRejected as exc:
        problem = exc.problem
        if problem.code == "file_unreadable" and not os.path.lexists(path):
            problem = Problem("file_missing", _("Không tìm thấy tệp {name}.", name=str(path)), "")
        return None, [replace(problem, where=path.name)]


def _not_xlsx(name: str) -> list[Problem]:
    return [
        Problem("not_xlsx", _("Tệp {name} không phải bảng tính Excel (.xlsx).", name=name), name)
    ]


def _entries_problems(entries: list[zipfile.ZipInfo], name: str) -> list[Problem]:
    if len(entries) > MAX_ZIP_ENTRIES:
        return [
            Problem(
                "too_large",
                _(
                    "Tệp {name} chứa quá nhiều thành phần ({n}); không phải bảng tính tiêu chí hợp lệ.",
                    name=name,
                    n=len(entries),
                ),
                name,
            )
        ]
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_UNPACKED_BYTES:
        return [
            Problem(
                "too_large",
                _(
                    "Tệp {name} giải nén ra quá lớn ({size} MB); không đọc để tránh treo máy.",
                    name=name,
                    size=unpacked // 2**20,
                ),
                name,
            )
        ]
    if not any(e.filename == "xl/workbook.xml" for e in entries):
        return _not_xlsx(name)
    return []


def guard_zip(data: bytes, name: str) -> list[Problem]:
    """Refuse files that are not a workbook, or that unpack to absurd sizes (zip bombs)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _entries_problems(archive.infolist(), name)
    except zipfile.BadZipFile:
        return _not_xlsx(name)


def hidden_sheets(wb: Any, name: str) -> list[Problem]:
    """Hole 12b: a sheet the author cannot see may hold what is read (a hidden "Chỉ tiêu"
    behind a visible copy), so each one is named; it is read like any other sheet."""
    problems = []
    for ws in wb.worksheets:
        state = getattr(ws, "sheet_state", "visible")
        if state == "visible":
            continue
        message = (
            _(
                "Trang “{sheet}” của {name} bị ẩn sâu (veryHidden, chỉ hiện lại được bằng VBA); hãy kiểm tra nội dung của nó trước khi dùng bộ tiêu chí.",
                sheet=ws.title,
                name=name,
            )
            if state == "veryHidden"
            else _(
                "Trang “{sheet}” của {name} bị ẩn; hãy hiện trang ra và kiểm tra nội dung trước khi dùng bộ tiêu chí.",
                sheet=ws.title,
                name=name,
            )
        )
        problems.append(Problem("hidden_sheet", message, ws.title, Level.WARNING))
    return problems
