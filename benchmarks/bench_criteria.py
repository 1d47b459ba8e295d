"""How fast the criteria engine is: scoring a full assessment, validating it, compiling the workbook.

Run: ``.venv/bin/python benchmarks/bench_criteria.py``. Prints medians over many runs (make
bench); asserts nothing. Goals from the issue: scoring a full reference assessment < 1 ms,
compiling the reference workbook < 300 ms.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from forms.criteria import RuleKind  # noqa: E402
from forms.criteria_io import check_criteria_file, load_criteria  # noqa: E402
from forms.criteria_json import load_json  # noqa: E402
from forms.criteria_xlsx import dump_xlsx  # noqa: E402
from forms.reference import reference_json_path, reference_set, reference_xlsx_path  # noqa: E402
from forms.scoring import score  # noqa: E402
from forms.validation import validate  # noqa: E402


def full_assessment() -> dict[str, dict[str, object]]:
    """Every leaf of the reference set answered, with a realistic mix of values."""
    answers: dict[str, dict[str, object]] = {}
    for i, ind in enumerate(reference_set().leaves()):
        r = ind.rule
        if r.kind is RuleKind.YES_NO:
            answers[ind.code] = {r.field: i % 3 != 0}
        elif r.kind is RuleKind.CHOICE:
            answers[ind.code] = {r.field: r.choices[i % len(r.choices)].key}
        elif r.kind is RuleKind.COUNT_TIERS:
            answers[ind.code] = {r.field: i % 7}
        elif r.kind is RuleKind.PERCENT_TIERS:
            answers[ind.code] = {r.field: f"{(i * 13) % 101},5"}
        elif r.kind is RuleKind.RATIO:
            answers[ind.code] = {r.numerator: i % 5, r.denominator: 4 + i % 3}
        elif r.kind is RuleKind.DIRECT:
            answers[ind.code] = {r.field: str(ind.max_points / 2)}
    return answers


def measure(
    label: str, func: Callable[[], object], runs: int, goal_ms: float | None = None
) -> None:
    func()  # warm-up (imports, caches)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    median = statistics.median(times)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    goal = f"  goal < {goal_ms:g} ms: {'ok' if median < goal_ms else 'MISSED'}" if goal_ms else ""
    print(f"{label:<48} median {median:8.3f} ms   p95 {p95:8.3f} ms   ({runs} runs){goal}")


def main() -> None:
    cs = reference_set()
    answers = full_assessment()
    print(
        f"reference set: {cs.short_id}, {len(cs.leaves())} leaf indicators, {len(answers)} answered"
    )
    measure("score a full reference assessment", lambda: score(cs, answers), 2000, goal_ms=1.0)
    measure(
        "validate a full assessment (finalise check)",
        lambda: validate(cs, answers, year=2025, evidence_counts={}),
        500,
    )
    xlsx = str(reference_xlsx_path())
    measure(
        "compile the reference workbook (load_criteria)",
        lambda: load_criteria(xlsx),
        30,
        goal_ms=300.0,
    )
    measure(
        "check the reference workbook (check_criteria_file)", lambda: check_criteria_file(xlsx), 30
    )
    measure("load the compiled JSON", lambda: load_json(str(reference_json_path())), 200)
    with tempfile.TemporaryDirectory() as folder:
        measure(
            "write the workbook (dump_xlsx)", lambda: dump_xlsx(cs, Path(folder) / "x.xlsx"), 10
        )
    measure("content hash", lambda: cs.content_hash, 200)


if __name__ == "__main__":
    main()
