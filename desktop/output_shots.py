"""What users hand on, as images to look at: ``python -m desktop.output_shots --out DIR``.

``make screenshots`` runs it after ``desktop.screenshots``:
- the collector window at 1366×768 (the usual office laptop) on 3,321 demo units: the inbox,
  the ranking (with and without its charts) and a reviewer tab;
- the published ranking table in both layouts (overall, grouped), exported as the app does,
  converted by LibreOffice (``soffice --headless --convert-to pdf``) and rendered by
  ``pdftoppm``: what the province prints into its decision;
- the commune's PDF report (a draft), page by page.

LibreOffice and poppler-utils are installed by the screenshots target (not by ``make test``);
an image that needs a missing tool is skipped with a line saying which tool is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

LAPTOP = (1366, 768)
UNITS = 3321


def _pdf_pages(pdf: Path, out: Path, stem: str, first_only: bool = False) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        print("skipped: pdftoppm (poppler-utils) is not installed", file=sys.stderr)
        return []
    prefix = out / stem
    cmd = ["pdftoppm", "-r", "60", "-png", *(["-f", "1", "-l", "1"] if first_only else [])]
    subprocess.run([*cmd, str(pdf), str(prefix)], check=True, capture_output=True)
    return sorted(out.glob(f"{stem}-*.png"))


def _sheet_to_pdf(xlsx: Path, work: Path) -> Path | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        print("skipped: soffice (LibreOffice) is not installed", file=sys.stderr)
        return None
    profile = work / "lo-profile"  # a throwaway profile: never the user's own
    subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(work), str(xlsx)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = work / (xlsx.stem + ".pdf")
    return pdf if pdf.is_file() else None


def _collector(out: Path, work: Path) -> list[Path]:
    from desktop.collector.window import CollectorWindow
    from desktop.review.mount import open_review_for_file
    from desktop.tasks import TaskRunner
    from forms.packages.demo import write_demo
    from forms.packages.trust import TrustRegistry
    from forms.ranking_xlsx import Appendix, write_table
    from forms.reference import reference_set

    demo = write_demo(work / "demo", units=UNITS, evidence=1, year=2025)
    window = CollectorWindow(
        work / "collector.sqlite", TrustRegistry.load(demo.trust), [reference_set()],
        TaskRunner(synchronous=True), year=2025,
    )  # fmt: skip
    window.store.set_units([(u.code, u.name, u.kind, u.group) for u in demo.units])
    window.merge(demo.packages)
    window.resize(*LAPTOP)
    window.show()
    shots: list[Path] = []

    def shot(name: str) -> None:
        path = out / f"{name}.png"
        window.grab().save(str(path))
        shots.append(path)

    window.tabs.setCurrentIndex(0)
    shot("20-collector-1366x768-inbox")
    window.tabs.setCurrentIndex(1)
    shot("21-collector-1366x768-ranking")
    window.show_charts(False)  # the "Biểu đồ" button: the whole height for rows
    shot("21-collector-1366x768-ranking-rows")
    window.show_charts(True)
    first = window.inbox_model.rows[0]
    if open_review_for_file(window, first.file_sha256, keys_dir=work / "keys") is not None:
        shot("22-collector-1366x768-review")
    ranking = window.ranking
    window.close()
    if ranking is None:
        return shots
    decision = "Kèm theo Quyết định số 10/QĐ-UBND ngày 03/01/2026 của UBND tỉnh Phú Thọ"
    for layout in ("overall", "grouped"):
        xlsx = work / f"xep-hang-{layout}.xlsx"
        appendix = Appendix(layout=layout, appendix="PHỤ LỤC 3", decision=decision)
        write_table(ranking, xlsx, appendix)
        pdf = _sheet_to_pdf(xlsx, work)
        if pdf is not None:
            shots += _pdf_pages(pdf, out, f"23-ranking-{layout}", first_only=True)
    return shots


def _report(out: Path, work: Path) -> list[Path]:
    from desktop.assessment.session import AssessmentSession
    from desktop.assessment.store import DbStore
    from desktop.finalise.report import ReportInfo, report_html, write_pdf
    from desktop.screenshots import _sample
    from forms.reference import reference_set
    from local_db import assessments, open_database

    db = open_database(work / "commune")
    try:
        cs = reference_set()
        row = assessments.create(db, "25001", cs.year, cs)
        assert row.id is not None
        session = AssessmentSession(cs, DbStore(db, row.id), cs.year)
        _sample(session, 1.0)
        info = ReportInfo("25001", "Xã Hiền Quan", "Nguyễn Thị Lan",
                          "Công chức Văn phòng - Thống kê", "9A8E 6718 196C 34B4", 1, "bản nháp",
                          chairman_name="Hoàng Văn Minh")  # fmt: skip
        pdf = write_pdf(report_html(session, info, date.today()), work / "bao-cao.pdf", "Báo cáo")
    finally:
        db.close()
    return _pdf_pages(pdf, out, "24-report-page")


def render(out: Path) -> list[Path]:
    from desktop.app import _make_application

    _make_application(sys.argv[:1])
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "c").mkdir()
        (work / "r").mkdir()
        return _collector(out, work / "c") + _report(out, work / "r")


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(prog="python -m desktop.output_shots")
    parser.add_argument("--out", default="screenshots", type=Path)
    args = parser.parse_args(argv)
    for path in render(args.out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
