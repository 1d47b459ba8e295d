"""Finalise the demo commune and print the cost, and the package size before and after
de-duplication (issue 15, "A lean package").

Run: ``.venv/bin/python benchmarks/bench_finalise.py [--scan-kb N]``. Prints the time of each
step of finalise (the submission and the report's HTML, the key's scrypt, printing the PDF,
zipping and signing) and in total, as "Ký và xuất gói nộp" and ``dti-desk finalise`` run them
(``PreparedExport.write``); then the package's size in the format-1 layout (one entry per
attachment, PDFs stored) against format 2 (each content once, compressed where that helps),
for the demo commune and for one scan of ``--scan-kb`` KiB cited by 65 indicators.
"""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from desktop.commune_controller import CommuneController  # noqa: E402
from desktop.finalise.report_pdf import write_pdf  # noqa: E402
from desktop.qt import QGuiApplication  # noqa: E402
from desktop.settings import Settings  # noqa: E402
from desktop.tasks import TaskRunner  # noqa: E402
from forms.packages import keys  # noqa: E402
from forms.packages.build import EvidenceFile, build_package  # noqa: E402
from forms.packages.format import MANIFEST_NAME, ZIP_DATE_TIME  # noqa: E402
from forms.reference import reference_set  # noqa: E402
from local_db.database import open_database  # noqa: E402
from local_db.demo_commune import make_demo_commune  # noqa: E402
from local_db.paths import KEYS_DIR  # noqa: E402

PASSPHRASE = "bench passphrase"
# format 1 stored these as they were, and deflated everything else (build.py before issue 15)
_V1_STORED = (".pdf", ".jpg", ".jpeg", ".png", ".zip", ".docx", ".xlsx", ".odt", ".ods")


def v1_layout_size(package: Path) -> int:
    """The same package laid out as format 1 did: one entry per attachment."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(package) as zin, zipfile.ZipFile(buffer, "w") as zout:
        manifest = json.loads(zin.read(MANIFEST_NAME))
        for index, item in enumerate(manifest["evidence"], start=1):
            name = f"evidence/{item['indicator']}/{index:03d}-{item['original_name']}"
            stored = name.lower().endswith(_V1_STORED)
            info = zipfile.ZipInfo(name, ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            zout.writestr(info, zin.read(item["path"]))
        for info in zin.infolist():
            if not info.filename.startswith("evidence/") and info.filename != "report.pdf":
                zout.writestr(info, zin.read(info))
    return len(buffer.getvalue())


def timed(label: str, work, *args):
    start = time.perf_counter()
    result = work(*args)
    print(f"  {label}: {(time.perf_counter() - start) * 1000:.0f} ms")
    return result


def bench_demo(tmp: Path) -> None:
    data = tmp / "data"
    start = time.perf_counter()
    made = make_demo_commune(data, PASSPHRASE, reference_set())
    print(
        f"demo commune: {made.citations} attachments from {made.evidence_files} files, "
        f"made in {time.perf_counter() - start:.2f} s"
    )
    db = open_database(data)
    try:
        commune = CommuneController(
            db, Settings(tmp / "settings.ini"), TaskRunner(synchronous=True), data / KEYS_DIR
        )
        commune.open_session()
        print("finalise, step by step:")
        prepared = timed("submission and report HTML", commune.prepare_export)
        signer = timed("key decryption (scrypt)", keys.load_signer, data / KEYS_DIR, PASSPHRASE)
        pdf = timed("PDF report", write_pdf, prepared.report_html, tmp / "r.pdf", prepared.title)
        sub = dataclasses.replace(prepared.submission, report=pdf.read_bytes())
        timed("package (hash, zip, sign)", build_package, sub, signer, tmp / "steps")
        start = time.perf_counter()
        done, _not_kept = prepared.write(PASSPHRASE, tmp / "out")
        total = time.perf_counter() - start
    finally:
        db.close()
    size = done.package.stat().st_size
    with zipfile.ZipFile(done.package) as zf:
        report_stored = zf.getinfo("report.pdf").compress_size
    print(f"finalise total (sign + package + PDF, as the button runs it): {total:.2f} s")
    print(
        f"demo package: format 1 layout {v1_layout_size(done.package) / 1024:.0f} KiB, "
        f"format 2 {size / 1024:.0f} KiB, {(size - report_stored) / 1024:.0f} KiB without the PDF "
        f"report it now carries (format 1 had none)"
    )


def bench_scan(tmp: Path, scan_kb: int) -> None:
    """One scanned plan (incompressible, as JPEG pages are) cited by 65 indicators."""
    from forms.packages.signing import Ed25519Signer
    from tests.forms.packages.helpers import submission

    scan = b"%PDF-1.4\n" + random.Random(1).randbytes(scan_kb * 1024)
    codes = ["1.1", "1.2", "2.1", "2.2.1", "2.2.2", "3.1"]
    evidence = tuple(
        EvidenceFile(codes[i % len(codes)], f"Kế hoạch {i}.pdf", content=scan) for i in range(65)
    )
    signer = Ed25519Signer(keys.generate_key())
    start = time.perf_counter()
    path = build_package(submission(evidence=evidence), signer, tmp / "scan")
    built = time.perf_counter() - start
    print(
        f"one {scan_kb} KiB scan cited 65 times: format 1 layout "
        f"{v1_layout_size(path) / 2**20:.1f} MiB, format 2 {path.stat().st_size / 2**20:.2f} MiB "
        f"(built in {built * 1000:.0f} ms)"
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scan-kb", type=int, default=1024)
    args = parser.parse_args()
    print(f"cpu count: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")  # fmt: skip
    _app = QGuiApplication.instance() or QGuiApplication(["bench"])
    with tempfile.TemporaryDirectory(prefix="dti-bench-finalise-") as tmp:
        bench_demo(Path(tmp))
        bench_scan(Path(tmp), args.scan_kb)
    return 0


if __name__ == "__main__":
    sys.exit(main())
