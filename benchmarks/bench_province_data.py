"""How long a province data file takes to check, and what it adds to verifying a package.

A province of 3,321 units with ten supplied values each: ``verify_data`` of the whole file
(signature, canonical parse, every value against its field), and ``verify_package`` of one
format-3 package that carries it, the first time and again (the file's check is kept per
process by its hash, so a merge of many packages pays it once per worker).

    python benchmarks/bench_province_data.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forms.packages.build import build_package  # noqa: E402
from forms.packages.verify import verify_package  # noqa: E402
from forms.province_data.verify import verify_data  # noqa: E402
from tests.forms.packages.helpers import ed_signer, submission  # noqa: E402
from tests.province_data_helpers import province_trust, signed_data, supplied_set  # noqa: E402

UNITS = 3321


def main() -> None:
    cs = supplied_set()
    units = {f"{10000 + i}": {"1.2/b": 5 + i % 7} for i in range(UNITS)}
    start = time.perf_counter()
    raw = signed_data(cs, units)
    built = time.perf_counter() - start
    trust = province_trust()
    start = time.perf_counter()
    verdict = verify_data(raw, criteria_sets={cs.content_hash: cs}, trust=trust)
    checked = time.perf_counter() - start
    assert verdict.ok, verdict.reasons[:3]
    print(f"file: {UNITS} units, {len(raw) / 1e6:.2f} MB; build+sign {built * 1000:.0f} ms; verify {checked * 1000:.0f} ms")  # fmt: skip
    officer = ed_signer(5)
    trust.add_key("10000", officer.public_raw)
    answers = {"1.1": {"count": 3}, "1.2": {"a": 4, "b": 5}}
    with tempfile.TemporaryDirectory() as tmp:
        sub = replace(submission(criteria_set=cs, answers=answers, evidence=()), unit_code="10000", province_data=raw)  # fmt: skip
        path = build_package(sub, officer, Path(tmp))
        plain = build_package(replace(sub, province_data=None, answers={"1.1": {"count": 3}}), officer, Path(tmp) / "plain")  # fmt: skip
        sets = {cs.content_hash: cs}
        for label, target in (("format 3, first", path), ("format 3, again", path), ("format 2 (no file)", plain)):  # fmt: skip
            start = time.perf_counter()
            got = verify_package(target, criteria_sets=sets, trust=trust)
            took = time.perf_counter() - start
            print(f"verify_package {label}: {took * 1000:.1f} ms ({'ok' if got.ok else got.codes})")


if __name__ == "__main__":
    main()
