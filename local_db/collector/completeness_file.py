"""The completeness report as a file (xlsx or CSV), written atomically."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from forms.atomic import atomic_write, write_bytes_atomic
from forms.cells import append, csv_bytes, put
from local_db.collector.reports import CompletenessRow, status_label

# the report is an administrative document in Vietnamese, like the ranking table
HEADER = ["STT", "Mã", "Tên đơn vị", "Nhóm", "Tình trạng", "Chi tiết"]


def _rows(rows: Sequence[CompletenessRow]) -> list[list[object]]:
    return [
        [i, r.unit_code, r.name, r.group, status_label(r.status), r.detail]
        for i, r in enumerate(rows, start=1)
    ]


def write_completeness(rows: Sequence[CompletenessRow], path: Path | str, year: int) -> None:
    path = Path(path)
    if path.suffix.lower() == ".csv":
        data = csv_bytes([HEADER, *_rows(rows)])
        write_bytes_atomic(path, data)
        return
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    ws.title = f"Tình trạng nộp {year}"
    put(ws, 1, 1, f"TÌNH TRẠNG NỘP BÀI TỰ ĐÁNH GIÁ CHUYỂN ĐỔI SỐ NĂM {year}").font = Font(bold=True)
    ws.append([])
    append(ws, HEADER)
    for cell in ws[3]:
        cell.font = Font(bold=True)
    for row in _rows(rows):
        append(ws, row)  # names come from packages and the units list: text, never formulas
    for col, width in zip("ABCDEF", (6, 10, 30, 24, 30, 60), strict=True):
        ws.column_dimensions[col].width = width
    with atomic_write(path) as handle:
        wb.save(handle)
