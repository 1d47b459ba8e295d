"""Carry-forward speed: matching last year's assessment to this year's set (``carry.plan``, run
on the GUI thread when the dialog opens) and writing every offer (``carry.apply``, run on the
task runner), on the demo commune: 2024 under reference set 1.0, 2025 under set 1.1.

Run: ``.venv/bin/python benchmarks/bench_carry.py [--runs N] [--dir DIR]``. Goal: the plan
within 100 ms (the dialog opens without a visible pause); the write is off the GUI thread.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.reference import reference_set, released_sets  # noqa: E402
from local_db import assessments, carry, open_database  # noqa: E402
from local_db.demo_commune import DEMO_OFFICER, make_demo_commune  # noqa: E402


def run(folder: Path, runs: int) -> None:
    plans, applies = [], []
    for index in range(runs):
        data = folder / f"data{index}"
        demo = make_demo_commune(data, "mat khau dai", released_sets()[0], year=2024)
        db = open_database(data, user=DEMO_OFFICER)
        try:
            now = assessments.create(db, demo.unit_code, 2025, reference_set()).id
            assert now is not None
            start = time.perf_counter()
            plan = carry.plan(db, now)
            plans.append(time.perf_counter() - start)
            assert plan is not None
            fields = [o for o in plan.fields if o.offered]
            files = [o for o in plan.evidence if o.offered]
            start = time.perf_counter()
            result = carry.apply(db, now, fields, files, from_year=plan.from_year)
            applies.append(time.perf_counter() - start)
        finally:
            db.close()
    print(f"offers: {len(plan.fields)} values ({len(fields)} offered), {len(plan.evidence)} files")
    print(f"written: {result.fields} values, {result.evidence} files")
    print(f"plan  median {statistics.median(plans) * 1000:.1f} ms, max {max(plans) * 1000:.1f} ms")
    print(
        f"apply median {statistics.median(applies) * 1000:.1f} ms, max {max(applies) * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    if args.dir:
        run(args.dir, args.runs)
    else:
        with tempfile.TemporaryDirectory() as folder:
            run(Path(folder), args.runs)


if __name__ == "__main__":
    main()
