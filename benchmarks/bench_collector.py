"""Collector numbers (printed, not asserted): merging N demo packages in one call against the
status quo of reading the same answers from N per-commune Excel workbooks with openpyxl.

Run: ``.venv/bin/python benchmarks/bench_collector.py [--sizes 1000,3321,10000]`` (``make bench``
does). Each merge runs in a fresh subprocess so its peak memory (this process and its
verification workers) is its own. Goals from the issue: merge 3,321 packages <= 2 s (first
bar <= 3 s), >= 20x faster than reading workbooks, linear growth, peak memory <= 250 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _peak_mb() -> tuple[float, float]:
    """Peak RSS of this process and of its largest waited-for child, in MB.

    On Linux ``ru_maxrss`` survives fork and exec: a child started by a process that had
    grown to 250 MB (generating 10,000 demo packages) reports 250 MB before doing anything.
    ``VmHWM`` belongs to the process's own address space, so it is the honest number for
    this process. Children (the verification workers) have only ``ru_maxrss``, which is
    therefore an upper bound including this process's size when they started."""
    scale = 1024 if sys.platform != "darwin" else 1024 * 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / scale / 1024
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    own = int(line.split()[1]) / 1024
    except OSError:
        pass
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / scale / 1024
    return own, children


def one_merge(folder: Path, workers: int | None) -> None:
    """Child process: merge every package of ``folder`` into a new database, print JSON."""
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import merge_paths, open_collector

    trust = TrustRegistry.load(folder / "trust.json")
    sets = [reference_set()]
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_collector(Path(tmp) / "collector.sqlite")
        started = time.perf_counter()
        summary = merge_paths(conn, [folder], trust, sets, workers=workers)
        elapsed = time.perf_counter() - started
        again_started = time.perf_counter()
        again = merge_paths(conn, [folder], trust, sets, workers=workers)
        again_elapsed = time.perf_counter() - again_started
        conn.close()
    own, children = _peak_mb()
    print(json.dumps({
        "seconds": elapsed, "accepted": summary.accepted, "rejected": len(summary.rejected),
        "again_seconds": again_elapsed, "again_duplicates": again.duplicates,
        "peak_mb": own, "worker_peak_mb": children,
    }))  # fmt: skip


def verify_only(folder: Path, limit: int) -> float:
    """Seconds to verify ``limit`` packages one by one (the packages engineer's verifier alone)."""
    from forms.packages.trust import TrustRegistry
    from forms.packages.verify import verify_package
    from forms.reference import reference_set

    trust = TrustRegistry.load(folder / "trust.json")
    sets = {reference_set().content_hash: reference_set()}
    paths = sorted(folder.glob("*.dtipkg"))[:limit]
    started = time.perf_counter()
    for path in paths:
        verify_package(path, criteria_sets=sets, trust=trust)
    return (time.perf_counter() - started) * len(list(folder.glob("*.dtipkg"))) / max(len(paths), 1)


def storage_only(folder: Path) -> float:
    """Seconds the merge takes when every verification is already known: the collector's own work
    (reading, hashing, one transaction per package, resolving the current submission)."""
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import merge_paths, open_collector
    from local_db.collector.verification import check_package

    trust = TrustRegistry.load(folder / "trust.json")
    sets = {reference_set().content_hash: reference_set()}
    verdicts = {
        path.name: check_package(path, trust, sets) for path in sorted(folder.glob("*.dtipkg"))
    }
    with tempfile.TemporaryDirectory() as tmp:
        conn = open_collector(Path(tmp) / "collector.sqlite")
        started = time.perf_counter()
        merge_paths(conn, [folder], trust, sets, verifier=lambda path, _t, _c: verdicts[path.name])
        elapsed = time.perf_counter() - started
        conn.close()
    return elapsed


def make_bundles(packages: Path, folder: Path, per_bundle: int = 100) -> tuple[int, float]:
    """The province's view: the same packages forwarded by collectors, ``per_bundle`` each
    (every collector merges its share and exports a signed bundle). Returns (bundles, seconds)."""
    from cryptography.hazmat.primitives.asymmetric import ed25519

    from forms.packages.signing import Ed25519Signer
    from forms.packages.trust import ROLE_BUNDLE, TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import merge_paths, open_collector
    from local_db.collector.bundles import export_bundle

    started = time.perf_counter()
    folder.mkdir(parents=True)
    trust = TrustRegistry.load(packages / "trust.json")
    signer = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    trust.add_key("tinh", signer.public_raw, "Cụm (benchmark)", roles=(ROLE_BUNDLE,))
    trust.save(folder / "trust.json")
    files = sorted(packages.glob("*.dtipkg"))
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        for start in range(0, len(files), per_bundle):
            conn = open_collector(Path(tmp) / f"cum-{count}.sqlite")
            merge_paths(
                conn, files[start : start + per_bundle], trust, [reference_set()], workers=0
            )
            export_bundle(conn, folder / f"cum-{count:03}.dtibundle", signer, year=2025,
                          collector_name=f"Cụm {count}", collector_unit="tinh")  # fmt: skip
            conn.close()
            count += 1
    return count, time.perf_counter() - started


def make_demo(folder: Path, units: int) -> float:
    from forms.packages.demo import write_demo

    started = time.perf_counter()
    write_demo(folder, units=units, seed=2025)
    return time.perf_counter() - started


def write_workbooks(folder: Path, packages: Path) -> None:
    """The status quo: one workbook per commune holding its answers, as offices e-mail them today."""
    from openpyxl import Workbook

    from forms.packages.zipsafe import SafeZip

    folder.mkdir(parents=True, exist_ok=True)
    for path in sorted(packages.glob("*.dtipkg")):
        with SafeZip(path) as zf:
            manifest = json.loads(zf.read("manifest.json", 1 << 24))
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("Tự đánh giá")
        ws.append(
            ["Mã đơn vị", manifest["unit"]["code"], manifest["unit"]["name"], manifest["year"]]
        )
        ws.append(["Chỉ tiêu", "Trường", "Giá trị", "Điểm"])
        for code, entry in sorted(manifest["answers"].items()):
            for key, value in sorted(entry["values"].items()):
                cell = (
                    json.dumps(value, ensure_ascii=False)
                    if isinstance(value, dict | list)
                    else value
                )
                ws.append([code, key, cell, manifest["scores"]["indicators"].get(code)])
        wb.save(folder / f"{manifest['unit']['code']}.xlsx")


def read_workbooks(folder: Path) -> tuple[float, int]:
    from openpyxl import load_workbook

    started = time.perf_counter()
    units = {}
    for path in sorted(folder.glob("*.xlsx")):
        wb = load_workbook(path, read_only=True, data_only=True)
        rows = wb.active.iter_rows(values_only=True)
        head = next(rows)
        next(rows)
        answers: dict[str, dict[str, object]] = {}
        for code, key, value, _points in rows:
            answers.setdefault(str(code), {})[str(key)] = value
        units[head[1]] = answers
        wb.close()
    return time.perf_counter() - started, len(units)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,3321,10000")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--child", metavar="DIR")
    args = parser.parse_args()
    if args.child:
        one_merge(Path(args.child), args.workers)
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"cpu count: {os.cpu_count()}, load average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )
    with tempfile.TemporaryDirectory(prefix="bench-collector-") as tmp:
        results = {}
        for n in sizes:
            folder = Path(tmp) / f"demo-{n}"
            made = make_demo(folder, n)
            command = [sys.executable, __file__, "--child", str(folder)]
            if args.workers is not None:
                command += ["--workers", str(args.workers)]
            out = subprocess.run(
                command, check=True, capture_output=True, text=True, cwd=ROOT
            ).stdout
            r = json.loads(out.strip().splitlines()[-1])
            results[n] = r
            print(
                f"merge {n:>6} packages: {r['seconds']:6.2f} s ({r['seconds'] / n * 1000:.2f} ms/package; "
                f"accepted {r['accepted']}, rejected {r['rejected']}), again (all duplicates): {r['again_seconds']:.2f} s; "
                f"peak memory {r['peak_mb']:.0f} MB + workers <= {r['worker_peak_mb']:.0f} MB each; demo generation {made:.1f} s"
            )
            if n == 3321 or n == sizes[0]:
                verify = verify_only(folder, 400)
                print(
                    f"  of which the packages verifier alone, one process (extrapolated): {verify:.2f} s"
                )
                print(
                    f"  the collector's own work (verification results given): {storage_only(folder):.2f} s"
                )
            if n == 3321:
                bundled = Path(tmp) / "bundles"
                count, built = make_bundles(folder, bundled)
                out = subprocess.run(
                    [sys.executable, __file__, "--child", str(bundled)],
                    check=True, capture_output=True, text=True, cwd=ROOT,
                ).stdout  # fmt: skip
                b = json.loads(out.strip().splitlines()[-1])
                print(
                    f"  the same packages in {count} collectors' bundles: {b['seconds']:.2f} s "
                    f"(accepted {b['accepted']}, rejected {b['rejected']}; bundles built in {built:.1f} s)"
                )
                books = Path(tmp) / "workbooks"
                write_workbooks(books, folder)
                seconds, count = read_workbooks(books)
                print(
                    f"status quo: reading {count} per-commune workbooks with openpyxl: {seconds:.2f} s"
                )
                print(f"ratio (workbooks / merge): {seconds / r['seconds']:.1f}x   (goal >= 20x)")
                print(
                    f"goal merge 3321 <= 2 s (first bar <= 3 s): {'met' if r['seconds'] <= 2 else ('first bar met' if r['seconds'] <= 3 else 'not met')}"
                )
        if len(results) > 1:
            per = {n: r["seconds"] / n * 1000 for n, r in results.items()}
            print("growth, ms per package: " + ", ".join(f"{n}: {v:.2f}" for n, v in per.items()))
        peak = max(r["peak_mb"] for r in results.values())
        print(f"peak memory of the merging process: {peak:.0f} MB (goal <= 250 MB)")


if __name__ == "__main__":
    main()
