"""The collector merge into PostgreSQL beside SQLite, in one run (printed, not asserted).

Run: ``.venv/bin/python benchmarks/bench_postgres.py [--units 3321]``. Generates the demo
packages once, starts a throwaway PostgreSQL cluster on a Unix socket (as the tests do,
tests/local_db/pg_cluster.py), then for each engine: the full merge (verification on worker
processes included), the same merge again (every package a duplicate), and the storage alone
(every verification known beforehand: the part the engine changes). Goal from issue 18: the
PostgreSQL merge within 1.5x of SQLite's.

Then, on each engine, the several-reviewers test (tests/local_db/test_review_concurrency.py):
five reviewer processes each saving 200 read-then-save edits on three indicators of one
submission; printed: accepted and refused edits, the wall time and the p95 save latency.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _timed_merges(target: str, folder: Path, verdicts: dict[str, Any]) -> dict[str, float]:
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import merge_paths, open_collector

    trust = TrustRegistry.load(folder / "trust.json")
    sets = [reference_set()]
    out: dict[str, float] = {}
    conn = open_collector(target)
    started = time.perf_counter()
    summary = merge_paths(conn, [folder], trust, sets)
    out["merge"] = time.perf_counter() - started
    out["accepted"] = summary.accepted
    started = time.perf_counter()
    merge_paths(conn, [folder], trust, sets)
    out["again"] = time.perf_counter() - started
    conn.close()
    return out


def _storage_only(target: str, folder: Path, verdicts: dict[str, Any]) -> float:
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import merge_paths, open_collector

    trust = TrustRegistry.load(folder / "trust.json")
    conn = open_collector(target)
    started = time.perf_counter()
    merge_paths(
        conn, [folder], trust, [reference_set()], verifier=lambda p, _t, _c: verdicts[p.name]
    )
    elapsed = time.perf_counter() - started
    conn.close()
    return elapsed


def _reviewers(target: str, folder: Path, processes: int, edits: int) -> dict[str, float]:
    """The five-reviewers test's run on ``target``: counts, wall time, save latencies."""
    from local_db.review import collector as rc
    from tests.local_db.review_support import (
        CS,
        REVIEWER,
        current_sha,
        first_assessment,
        make_world,
        submit,
    )
    from tests.local_db.reviewers_child import run_reviewers

    folder.mkdir(parents=True)
    world = make_world(folder, target)
    submit(world, first_assessment(world), "out1")
    sha = current_sha(world.conn)
    rc.start_review(world.conn, sha, CS, REVIEWER, officer="bench")
    world.close()
    started = time.perf_counter()
    results = run_reviewers(target, sha, folder, processes=processes, edits=edits)
    wall = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r["latencies"])
    return {
        "accepted": sum(len(r["accepted"]) for r in results),
        "refused": sum(len(r["refused"]) for r in results),
        "wall": wall,
        "p50": latencies[len(latencies) // 2] * 1000,
        "p95": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))] * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=3321)
    parser.add_argument("--reviewers", type=int, default=5)
    parser.add_argument("--edits", type=int, default=200)
    args = parser.parse_args()

    from forms.packages.demo import write_demo
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector.verification import check_package
    from tests.local_db.pg_cluster import Cluster

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        started = time.perf_counter()
        write_demo(folder, units=args.units, seed=2025)
        print(f"demo: {args.units} packages written in {time.perf_counter() - started:.1f} s")
        trust = TrustRegistry.load(folder / "trust.json")
        sets = {reference_set().content_hash: reference_set()}
        verdicts = {p.name: check_package(p, trust, sets) for p in sorted(folder.glob("*.dtipkg"))}
        started = time.perf_counter()
        cluster = Cluster().start()
        print(f"postgresql: cluster started in {time.perf_counter() - started:.1f} s")
        try:
            results = {}
            for engine in ("sqlite", "postgresql"):
                full = (
                    str(Path(tmp) / "full.sqlite") if engine == "sqlite" else cluster.new_database()
                )
                store = (
                    str(Path(tmp) / "store.sqlite")
                    if engine == "sqlite"
                    else cluster.new_database()
                )
                results[engine] = _timed_merges(full, folder, verdicts)
                results[engine]["storage"] = _storage_only(store, folder, verdicts)
            reviews = {}
            for engine in ("sqlite", "postgresql"):
                target = (
                    str(Path(tmp) / "reviews.sqlite")
                    if engine == "sqlite"
                    else cluster.new_database()
                )
                where = Path(tmp) / f"reviewers-{engine}"
                reviews[engine] = _reviewers(target, where, args.reviewers, args.edits)
        finally:
            cluster.stop()
    print(f"{'':12}{'merge':>10}{'again':>10}{'storage':>10}{'accepted':>10}")
    for engine, r in results.items():
        print(
            f"{engine:12}{r['merge']:>9.2f}s{r['again']:>9.2f}s{r['storage']:>9.2f}s{int(r['accepted']):>10}"
        )
    s, p = results["sqlite"], results["postgresql"]
    print(
        f"postgresql / sqlite: merge {p['merge'] / s['merge']:.2f}x, again {p['again'] / s['again']:.2f}x, "
        f"storage {p['storage'] / s['storage']:.2f}x (goal: merge within 1.5x)"
    )
    print(
        f"reviewers: {args.reviewers} processes x {args.edits} read-then-save edits on 3 indicators of one submission"
    )
    print(f"{'':12}{'accepted':>10}{'refused':>10}{'wall':>10}{'p50 save':>11}{'p95 save':>11}")
    for engine, r in reviews.items():
        print(
            f"{engine:12}{int(r['accepted']):>10}{int(r['refused']):>10}{r['wall']:>9.2f}s"
            f"{r['p50']:>9.1f}ms{r['p95']:>9.1f}ms"
        )


if __name__ == "__main__":
    main()
