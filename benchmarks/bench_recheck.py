"""Re-checking rejected packages (printed, not asserted): a province merges N demo packages
with a trust list missing every tenth unit's key, then loads the full list and re-checks.

Run: ``.venv/bin/python benchmarks/bench_recheck.py [--units 3321]``. Prints the merge through
``CollectorStore.merge`` (which records where the rejected files are), the same merge by
``merge_paths`` alone (the cost of recording is the difference), and the re-check.
"""

from __future__ import annotations

import argparse
import base64
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from forms.packages.demo import write_demo
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import CollectorStore, merge_paths, open_collector

    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    args = parser.parse_args()
    sets = [reference_set()]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        demo = write_demo(work / "demo", units=args.units, evidence=1, year=2025)
        full = TrustRegistry.load(demo.trust)
        partial = TrustRegistry()
        keys = {entry.unit: base64.b64decode(entry.public) for entry in full.entries}
        for i, unit in enumerate(demo.units):
            if i % 10:  # every tenth unit's key is missing
                partial.add_key(unit.code, keys[unit.code])
        folder = work / "demo"

        conn = open_collector(work / "plain.sqlite")
        started = time.perf_counter()
        plain = merge_paths(conn, [folder], partial, sets)
        plain_s = time.perf_counter() - started
        conn.close()

        with CollectorStore(work / "tinh.sqlite") as store:
            started = time.perf_counter()
            summary = store.merge([folder], partial, sets)
            merge_s = time.perf_counter() - started
            started = time.perf_counter()
            out = store.recheck_rejected(full, sets)
            recheck_s = time.perf_counter() - started
        print(f"units: {args.units}, rejected as signer_unknown: {len(summary.rejected)}")
        print(f"merge_paths alone: {plain_s:.2f} s ({plain.accepted} accepted)")
        print(f"CollectorStore.merge (records rejected paths): {merge_s:.2f} s")
        print(
            f"recheck_rejected: {recheck_s:.2f} s, {out.checked} checked, {out.accepted} accepted, "
            f"{len(out.missing)} missing"
        )


if __name__ == "__main__":
    main()
