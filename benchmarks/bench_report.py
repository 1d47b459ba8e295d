"""The PDF report: time of ``report_html`` and ``write_pdf`` for the reference set fully
answered, one evidence file per indicator (printed, not asserted).

Run: ``QT_QPA_PLATFORM=offscreen python benchmarks/bench_report.py [--out DIR]`` (``make bench``
does). ``--out`` keeps the PDF (``bao-cao.pdf``) to look at.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
RUNS = 3


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from desktop.app import _make_application
    from desktop.assessment.session import AssessmentSession
    from desktop.assessment.store import DbStore
    from desktop.finalise.report import ReportInfo, report_html, write_pdf
    from desktop.screenshots import _sample
    from forms.reference import reference_set
    from local_db import assessments, open_database

    _make_application(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        db = open_database(base / "data")
        cs = reference_set()
        row = assessments.create(db, "25001", cs.year, cs)
        session = AssessmentSession(cs, DbStore(db, row.id), cs.year)
        _sample(session, 1.0)
        for n, ind in enumerate(cs.leaves()):
            sample = base / f"Biên bản {n:02d}.pdf"
            sample.write_bytes(b"%PDF-1.4\n%% evidence " + str(n).encode() + b"\n%%EOF\n")
            session.attach_stored(
                session.store.attach(ind.code, str(sample), {"number": f"{n}/BB"})
            )
        info = ReportInfo("25001", "Xã Hiền Quan", "Nguyễn Thị Lan", "Công chức Văn phòng - Thống kê",
                          "9A8E 6718 196C 34B4", 1, "bản nháp")  # fmt: skip
        today = date(2026, 12, 3)
        out = (args.out or base) / "bao-cao.pdf"
        out.parent.mkdir(parents=True, exist_ok=True)
        html_ms: list[float] = []
        pdf_ms: list[float] = []
        for _ in range(RUNS):
            t0 = time.perf_counter()
            html_text = report_html(session, info, today)
            html_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            write_pdf(html_text, out, "Báo cáo")
            pdf_ms.append((time.perf_counter() - t0) * 1000)
        db.close()
    print(
        f"PDF report, reference set fully answered ({len(cs.leaves())} indicators, as many files):"
    )
    print(f"  report_html: median {statistics.median(html_ms):7.1f} ms")
    print(
        f"  write_pdf  : median {statistics.median(pdf_ms):7.1f} ms  ({out.stat().st_size // 1024} KiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
