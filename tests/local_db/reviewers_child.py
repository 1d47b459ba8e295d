"""Reviewer processes against one collector database (spawned by the concurrency tests and
``benchmarks/bench_postgres.py``): each officer reads an indicator, then saves an edit based
on the version it read, ``edits`` times; refusals are kept with the reason and who was named.

Also the issuing child: two officers issuing the same submission at once.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import time
from pathlib import Path
from typing import Any

CODES = ("1.1", "1.2", "2.1")  # a small overlapping set: most edits race another officer


def reviewer(
    target: str, sha: str, officer: str, seed: int, edits: int, barrier: Any, out: str
) -> None:
    from forms.problems import ProblemsError
    from local_db.collector import open_collector
    from local_db.review import collector as rc
    from tests.forms.sample_sets import tiny_set

    cs = tiny_set()
    rng = random.Random(seed)
    conn = open_collector(target)
    accepted: list[dict[str, Any]] = []
    refused: list[dict[str, Any]] = []
    latencies: list[float] = []
    barrier.wait()
    for n in range(edits):
        code = rng.choice(CODES)
        found = rc.load_item(conn, sha, code)
        assert found is not None
        _item, stamp = found
        points = rng.randint(0, int(cs.indicator(code).max_points))
        comment = f"{officer} #{n}"
        started = time.perf_counter()
        try:
            rc.set_item(conn, sha, cs, code, points=points, comment=comment,
                        based_on=stamp.version, officer=officer)  # fmt: skip
            accepted.append({"code": code, "version": stamp.version + 1, "comment": comment})
        except rc.StaleEdit as exc:
            refused.append({"code": code, "reason": exc.code, "named": exc.officer,
                            "message": str(exc), "based_on": stamp.version, "current": exc.version})  # fmt: skip
        except ProblemsError as exc:  # not expected: recorded so the test says it
            refused.append({"code": code, "reason": "problems", "named": "", "message": str(exc)})
        latencies.append(time.perf_counter() - started)
    conn.close()
    Path(out).write_text(
        json.dumps({"accepted": accepted, "refused": refused, "latencies": latencies}),
        encoding="utf-8",
    )


def run_reviewers(
    target: str, sha: str, folder: Path, processes: int = 5, edits: int = 200
) -> list[dict[str, Any]]:
    """``processes`` reviewer processes at once; their results, in officer order."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(processes)
    outs = [folder / f"reviewer-{i}.json" for i in range(processes)]
    children = [
        ctx.Process(
            target=reviewer,
            args=(target, sha, officer_of(i), 100 + i, edits, barrier, str(outs[i])),
        )
        for i in range(processes)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(300)
        assert child.exitcode == 0, f"reviewer process exited with {child.exitcode}"
    return [json.loads(out.read_text(encoding="utf-8")) for out in outs]


def officer_of(i: int) -> str:
    return f"Cán bộ thẩm định số {i + 1}"


def issuer(target: str, sha: str, officer: str, folder: str, barrier: Any, out: str) -> None:
    from local_db.collector import open_collector
    from local_db.review import collector as rc
    from tests.forms.sample_sets import tiny_set
    from tests.local_db.review_support import signer

    conn = open_collector(target)
    barrier.wait()
    try:
        path = rc.issue(conn, sha, tiny_set(), signer(2), folder, officer=officer)
        result = {"ok": True, "path": str(path)}
    except rc.ReviewError as exc:
        result = {"ok": False, "code": exc.code, "message": str(exc)}
    conn.close()
    Path(out).write_text(json.dumps(result), encoding="utf-8")


def run_issuers(target: str, sha: str, folder: Path) -> list[dict[str, Any]]:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    outs = [folder / f"issuer-{i}.json" for i in range(2)]
    children = [
        ctx.Process(
            target=issuer,
            args=(target, sha, officer_of(i), str(folder / "reviews"), barrier, str(outs[i])),
        )
        for i in range(2)
    ]
    for child in children:
        child.start()
    for child in children:
        child.join(120)
        assert child.exitcode == 0
    return [json.loads(out.read_text(encoding="utf-8")) for out in outs]
