"""Storage speed: autosave latency of one edit, and loading an assessment of ~80 indicators.

Run: ``.venv/bin/python benchmarks/bench_storage.py [--edits N] [--dir DIR]``. Goals: autosave
p95 <= 10 ms (every edit is a committed, fsynced transaction: WAL + synchronous=FULL), loading
an assessment of the reference set (79 indicators) <= 50 ms. ``--dir`` measures a given disk
(e.g. a USB stick) instead of the temp folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.criteria import CriteriaSet, FieldKind  # noqa: E402
from forms.reference import reference_set  # noqa: E402
from forms.scoring import score  # noqa: E402
from local_db import answers, assessments, audit, criteria_store, evidence, open_database  # noqa: E402


def _value(kind: FieldKind, i: int, choices: list[str]) -> Any:
    return {
        FieldKind.BOOL: i % 2 == 0,
        FieldKind.CHOICE: choices[i % len(choices)] if choices else "",
        FieldKind.COUNT: i % 7,
        FieldKind.PERCENT: (i * 13) % 101,
        FieldKind.NUMBER: str(i % 10),
        FieldKind.DATE: f"2025-{1 + i % 12:02d}-15",
        FieldKind.TEXT: f"Ghi chú số {i}",
        FieldKind.DOCREF: {
            "number": f"{i}/QĐ-UBND",
            "date": "2025-03-04",
            "issuer": "UBND xã",
            "summary": "Kế hoạch",
        },
    }[kind]


def full_answers(cs: CriteriaSet, seed: int = 0) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = {}
    for n, indicator in enumerate(cs.leaves()):
        choices = [c.key for c in indicator.rule.choices]
        result[indicator.code] = {
            f.key: _value(f.kind, n + seed, choices) for f in indicator.fields
        }
    return result


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000  # noqa: E731
    return f"p50 {p(0.50):6.2f} ms   p95 {p(0.95):6.2f} ms   max {ordered[-1] * 1000:6.2f} ms   (n={len(samples)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--edits", type=int, default=500)
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(dir=args.dir))
    cs = reference_set()
    leaves = cs.leaves()
    print(f"data folder {base}; criteria set {cs.short_id}: {len(cs.indicators())} indicators, "
          f"{sum(len(i.fields) for i in leaves)} fields")  # fmt: skip

    start = time.perf_counter()
    db = open_database(base / "data", user="bench")
    print(f"open (new database): {(time.perf_counter() - start) * 1000:.1f} ms")
    try:
        draft = assessments.create(db, "08101", 2025, cs)
        assert draft.id is not None
        # autosave: one field edited at a time, as the officer types; every edit changes the
        # value (an unchanged value is a no-op without a commit and would flatter the numbers)
        typed = (FieldKind.COUNT, FieldKind.NUMBER, FieldKind.PERCENT, FieldKind.TEXT)
        editable = [(ind.code, f) for ind in leaves for f in ind.fields if f.kind in typed]
        latencies = []
        for i in range(args.edits):
            code, field = editable[i % len(editable)]
            value = {FieldKind.COUNT: i, FieldKind.NUMBER: str(i), FieldKind.PERCENT: i % 101}.get(
                field.kind, f"Ghi chú {i}"
            )
            t0 = time.perf_counter()
            answers.set_value(db, draft.id, code, field.key, value, points=i % 20)
            latencies.append(time.perf_counter() - t0)
        changed = len(audit.entries(db, draft.id, "answer"))
        print(
            f"autosave one edit (committed, fsynced; {changed} audited changes):  {percentiles(latencies)}   goal p95 <= 10 ms"
        )

        answers.set_many(db, draft.id, full_answers(cs, seed=1))
        for code in [ind.code for ind in leaves][:20]:
            answers.set_note(db, draft.id, code, f"Ghi chú cho chỉ tiêu {code}")
        sample = base / "Biên bản.pdf"
        for n in range(20):
            sample.write_bytes(b"%PDF-1.4\n" + str(n).encode() * 5000 + b"\n%%EOF\n")
            evidence.attach(db, draft.id, leaves[n].code, sample)

        loads = []
        for _ in range(50):
            t0 = time.perf_counter()
            loaded = answers.load(db, draft.id)
            loads.append(time.perf_counter() - t0)
        fields = sum(len(v) for v in loaded.answers.values())
        print(f"load assessment ({len(loaded.answers)} indicators, {fields} fields, 20 notes, 20 files): "
              f"{percentiles(loads)}   goal <= 50 ms")  # fmt: skip

        opens = []
        for _ in range(20):
            t0 = time.perf_counter()
            loaded = answers.load(db, draft.id)
            criteria = criteria_store.load(db, loaded.assessment.criteria_hash)
            score(criteria, loaded.answers)
            opens.append(time.perf_counter() - t0)
        print(f"open in editor (load + criteria set from db + score):  {percentiles(opens)}")
    finally:
        t0 = time.perf_counter()
        db.close()
        print(f"close (incl. daily backup): {(time.perf_counter() - t0) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
