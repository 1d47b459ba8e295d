"""Write resources/units/phu_tho_sample.xlsx from the .csv beside it (the two hold the same
units; tests/local_db/test_units.py checks it). Run after editing the CSV:
``.venv/bin/python tools/make_units_sample.py``."""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

FOLDER = Path(__file__).resolve().parent.parent / "resources" / "units"
WIDTHS = {"A": 10, "B": 28, "C": 10, "D": 16, "E": 14}


def main() -> int:
    rows = list(
        csv.reader((FOLDER / "phu_tho_sample.csv").read_text(encoding="utf-8").splitlines())
    )
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách đơn vị"
    for row in rows:
        sheet.append(row)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in WIDTHS.items():
        sheet.column_dimensions[column].width = width
    workbook.save(FOLDER / "phu_tho_sample.xlsx")
    print(f"{len(rows) - 1} units written to {FOLDER / 'phu_tho_sample.xlsx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
