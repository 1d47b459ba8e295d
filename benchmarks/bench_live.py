"""The change feed's costs and delays (printed, not asserted).

Run: ``.venv/bin/python benchmarks/bench_live.py [--units 600]``. Starts a throwaway cluster
(tests/local_db/pg_cluster.py), writes demo packages, then prints:

- the storage of a merge (verification known beforehand) into PostgreSQL with the feed's
  triggers and with them dropped, and how many notifications the merge sent;
- the delay from a commit in another process's connection to the listener's callback;
- how long ``Listener.stop`` takes;
- the cost of one ``PRAGMA data_version`` read (the SQLite poll).
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _store_once(url: str, folder: Path, verdicts: dict[str, Any], drop: bool) -> tuple[float, int]:
    import psycopg

    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import feed, merge_paths, open_collector

    conn = open_collector(url)
    if drop:
        with psycopg.connect(url, autocommit=True) as admin:
            for table in feed.FEED_TABLES:
                admin.execute(f"DROP TRIGGER IF EXISTS {feed.TRIGGER} ON {table}")
    with psycopg.connect(url, autocommit=True) as listen:
        listen.execute(f"LISTEN {feed.CHANNEL}")
        started = time.perf_counter()
        merge_paths(
            conn, [folder], TrustRegistry.load(folder / "trust.json"), [reference_set()],
            verifier=lambda p, _t, _c: verdicts[p.name],
        )  # fmt: skip
        took = time.perf_counter() - started
        notes = len(list(listen.notifies(timeout=1.0)))
    conn.close()
    return took, notes


def _latency(url: str, rounds: int = 20) -> list[float]:
    import psycopg

    from local_db.collector import feed

    arrived = threading.Event()
    listener = feed.Listener(url, arrived.set, lambda _s: None).start()
    listener.connected.wait(10)
    delays = []
    with psycopg.connect(url, autocommit=True) as writer:
        for i in range(rounds):
            arrived.clear()
            started = time.perf_counter()
            writer.execute("UPDATE units SET kind = %s", (str(i),))
            arrived.wait(5)
            delays.append(time.perf_counter() - started)
    started = time.perf_counter()
    listener.stop()
    delays.append(time.perf_counter() - started)  # the last one: stop()
    return delays


def _verdicts(folder: Path) -> dict[str, Any]:
    from forms.packages.trust import TrustRegistry
    from forms.reference import reference_set
    from local_db.collector.verification import check_package

    trust = TrustRegistry.load(folder / "trust.json")
    sets = {reference_set().content_hash: reference_set()}
    return {p.name: check_package(p, trust, sets) for p in sorted(folder.glob("*.dtipkg"))}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=600)
    args = parser.parse_args()
    from forms.packages.demo import write_demo
    from local_db.collector import open_collector
    from tests.local_db.pg_cluster import Cluster

    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    folder = tmp / "packages"
    write_demo(folder, units=args.units, seed=4, evidence=1)
    print(f"{args.units} demo packages in {folder}")
    verdicts = _verdicts(folder)
    cluster = Cluster().start()
    try:
        runs: dict[bool, list[float]] = {False: [], True: []}
        for _round in range(3):  # alternated, the best of three: the machine is shared
            for drop in (False, True):
                took, notes = _store_once(cluster.new_database(), folder, verdicts, drop)
                runs[drop].append(took)
                label = "without triggers" if drop else "with feed triggers"
                print(f"merge {label}: {took:.2f} s, {notes} notifications")
        print(f"best of 3: with {min(runs[False]):.2f} s, without {min(runs[True]):.2f} s")
        url = cluster.new_database()
        open_collector(url).close()
        delays = _latency(url)
        stop = delays.pop()
        print(
            f"commit -> listener callback: median {statistics.median(delays) * 1000:.1f} ms, "
            f"max {max(delays) * 1000:.1f} ms; Listener.stop: {stop * 1000:.0f} ms"
        )
    finally:
        cluster.stop()
    conn = sqlite3.connect(tmp / "c.sqlite")
    started = time.perf_counter()
    for _ in range(10000):
        conn.execute("PRAGMA data_version").fetchone()
    print(f"PRAGMA data_version: {(time.perf_counter() - started) / 10000 * 1e6:.1f} µs a read")


if __name__ == "__main__":
    main()
