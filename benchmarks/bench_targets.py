"""Ranking a set that classes on targets: the cost of counting each unit's targets met.

Run: ``/work/main/.venv/bin/python benchmarks/bench_targets.py [--units N] [--evidence-mb M]``.
Merges N signed packages of the second test set (``tests/fixtures/criteria``), each carrying
one evidence file of M MB (incompressible), then times ``ranking_for_year`` for that set (it
reads every current package's manifest in place, ``local_db.collector.targets``) beside the
same ranking without the count (``results_for_year`` without the set). Prints the numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.packages.build import Submission, build_package  # noqa: E402
from forms.packages.contents import EvidenceFile  # noqa: E402
from local_db.collector import merge_paths, open_collector  # noqa: E402
from local_db.collector.reports import ranking_for_year, results_for_year  # noqa: E402
from tests.both_sets import answers_for, second_set  # noqa: E402
from tests.local_db.collector_support import FIXED, Units, sid_uuid  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=300)
    parser.add_argument("--evidence-mb", type=float, default=2.0)
    args = parser.parse_args()
    cs = second_set()
    units = Units(args.units, seed=21)
    blob = os.urandom(int(args.evidence_mb * 1024 * 1024))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "p"
        out.mkdir()
        start = time.perf_counter()
        for i, code in enumerate(units.codes):
            sub = Submission(
                unit_code=code, unit_name=f"Xã {code}", year=2025, criteria_set=cs,
                answers=answers_for(cs, i % 5), submission_id=sid_uuid(code), created_at=FIXED,
                evidence=(EvidenceFile("2.2", "bien-ban.pdf", content=b"%PDF-1.4\n" + blob),),
            )  # fmt: skip
            path = build_package(sub, units.signers[code], out / code)
            path.rename(out / f"{code}.dtipkg")
            (out / code).rmdir()
        built = time.perf_counter() - start
        conn = open_collector(Path(tmp) / "c.sqlite")
        start = time.perf_counter()
        merge_paths(conn, [out], units.trust, [cs])
        merged = time.perf_counter() - start
        start = time.perf_counter()
        plain = results_for_year(conn, 2025, cs.content_hash)
        without = time.perf_counter() - start
        start = time.perf_counter()
        ranking = ranking_for_year(conn, 2025, [cs])
        with_targets = time.perf_counter() - start
        assert len(ranking.rows) == len(plain) == args.units
        size = (Path(tmp) / "c.sqlite").stat().st_size / 1e6
    print(f"{args.units} packages, {args.evidence_mb} MB evidence each, database {size:.0f} MB")
    print(f"build {built:.1f} s, merge {merged:.1f} s")
    print(f"results without the targets count: {without * 1000:.0f} ms")
    print(
        f"ranking with targets met counted: {with_targets * 1000:.0f} ms "
        f"({with_targets / args.units * 1000:.2f} ms per unit)"
    )


if __name__ == "__main__":
    main()
