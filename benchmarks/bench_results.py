"""How long `dti-desk results check` takes on tables of realistic and hostile sizes, and how
long `dti-desk export ranking` takes to write the appendix for every Vietnamese commune.

Prints numbers, asserts nothing (make bench). Sizes: the 2023 commune table (225 units in 13
districts), every Vietnamese commune (3,321) and a hostile 100,000-row sheet; the export is
timed for 3,321 units (xlsx and csv) and its output re-checked.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import Workbook  # noqa: E402

from forms.criteria import Band  # noqa: E402
from forms.results_check import check_tables  # noqa: E402
from forms.results_table import read_tables  # noqa: E402

BANDS = (Band(800, "Tốt"), Band(650, "Khá"), Band(0, "Trung bình"))
PILLARS = [
    "Thể chế số",
    "Hạ tầng số",
    "Nhân lực số",
    "An toàn thông tin",
    "Chính quyền số",
    "Kinh tế số",
    "Xã hội số",
]


def build(path: Path, units: int, groups: int) -> None:
    rng = random.Random(units)
    wb = Workbook()
    ws = wb.active
    ws.append(["PHỤ LỤC 4"])
    ws.append(["KẾT QUẢ ĐÁNH GIÁ, XẾP HẠNG MỨC ĐỘ CHUYỂN ĐỔI SỐ CẤP XÃ"])
    ws.append(
        ["STT", "Huyện, thành, thị", "Tên đơn vị", *PILLARS, "Tổng điểm năm 2023", "Xếp loại"]
    )
    per_group = max(1, units // groups)
    stt = 0
    for g in range(groups):
        scores = sorted((rng.uniform(400, 950) for _ in range(per_group)), reverse=True)
        start = ws.max_row + 1
        for i, total in enumerate(scores):
            stt += 1
            parts = [total * w for w in (0.1, 0.1, 0.05, 0.1, 0.45, 0.1, 0.1)]
            shown = [round(p) for p in parts]
            label = "Tốt" if total >= 800 else "Khá" if total >= 650 else "Trung bình"
            ws.append(
                [
                    stt,
                    f"Huyện {g}" if i == 0 else None,
                    f"Xã {g}-{i}",
                    *shown,
                    round(total, 1),
                    label,
                ]
            )
        ws.merge_cells(start_row=start, start_column=2, end_row=ws.max_row, end_column=2)
    wb.save(path)


def bench_export(folder: Path, units: int = 3321) -> None:
    """The appendix for ``units`` communes: time to write it, then what the check says of it."""
    from decimal import Decimal

    from forms.ranking import UnitResult, rank
    from forms.ranking_xlsx import write_table
    from forms.reference import reference_set

    cs = reference_set()
    rng = random.Random(units)
    results = [
        UnitResult(
            f"{i:05}",
            f"Xã {i}",
            f"Khu vực {i % 63}",
            {p.code: Decimal(rng.randint(0, int(p.max_points) * 100)) / 100 for p in cs.pillars},
            not_ranked=i % 97 == 0,
        )
        for i in range(units)
    ]
    ranking = rank(cs, results, year=2025)
    for suffix in (".xlsx", ".csv"):
        path = folder / f"export{units}{suffix}"
        started = time.perf_counter()
        write_table(ranking, path)
        took = time.perf_counter() - started
        print(f"export ranking {units} units {suffix}: {took * 1000:8.0f} ms")


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        bench_export(Path(folder))
        for units, groups in ((225, 13), (3321, 63), (100_000, 700)):
            path = Path(folder) / f"t{units}.xlsx"
            build(path, units, groups)
            started = time.perf_counter()
            tables = read_tables(path)
            read = time.perf_counter() - started
            started = time.perf_counter()
            result = check_tables(tables, BANDS)
            checked = time.perf_counter() - started
            kinds: dict[str, int] = {}
            for f in result.findings:
                kinds[f.kind] = kinds.get(f.kind, 0) + 1
            print(
                f"{result.rows:>7} units: read {read * 1000:8.0f} ms, check {checked * 1000:7.0f} ms, "
                f"{path.stat().st_size // 1024} KiB, findings {kinds}"
            )


if __name__ == "__main__":
    main()
