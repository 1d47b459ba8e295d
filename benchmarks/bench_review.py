"""Review at province scale: start, adjust, sign, verify reviews; rank on verified points.

Run: ``.venv/bin/python benchmarks/bench_review.py [--units N]``. Merges N demo packages
(reference criteria set) into a collector database, then for every unit: starts a review,
adjusts three indicators and flags two, signs the .dtireview, verifies it as a commune would;
finally computes the verified totals and the ranking. Prints per-step costs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives.asymmetric import ed25519  # noqa: E402

from forms.packages.demo import write_demo  # noqa: E402
from forms.packages.signing import Ed25519Signer  # noqa: E402
from forms.packages.trust import (  # noqa: E402
    ANY_UNIT,  # noqa: E402
    ROLE_REVIEW,
    TrustRegistry,
)
from forms.reference import reference_set  # noqa: E402
from forms.review.model import Reviewer  # noqa: E402
from forms.review.scoring import reviewable  # noqa: E402
from forms.review.verify import verify_review  # noqa: E402
from local_db.collector import merge_paths, open_collector  # noqa: E402
from local_db.collector.reports import ranking_for_year, results_for_year  # noqa: E402
from local_db.review import collector as rc  # noqa: E402


def ms(seconds: float, count: int) -> str:
    return f"{seconds / max(count, 1) * 1000:.2f} ms each ({seconds:.2f} s for {count})"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=500)
    args = parser.parse_args()
    cs = reference_set()
    sets = {cs.content_hash: cs}
    leaves = [i.code for i in reviewable(cs)]
    signer = Ed25519Signer(ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    reviewers = TrustRegistry()
    reviewers.add_key(ANY_UNIT, signer.public_raw, roles=(ROLE_REVIEW,))
    with tempfile.TemporaryDirectory(prefix="dti-bench-review-") as tmp:
        demo = write_demo(Path(tmp) / "packages", units=args.units, seed=5, evidence=0)
        conn = open_collector(Path(tmp) / "c.sqlite")
        summary = merge_paths(
            conn, [p.parent for p in demo.packages[:1]], TrustRegistry.load(demo.trust), [cs]
        )
        print(f"merged {summary.accepted} packages ({len(leaves)} reviewable indicators each)")
        shas = [
            r[0]
            for r in conn.execute(
                "SELECT manifest_sha256 FROM current WHERE status='current' ORDER BY unit_code"
            )
        ]
        who = Reviewer("Trần Văn Bình", "Chuyên viên", "Sở Khoa học và Công nghệ")

        start = time.perf_counter()
        for sha in shas:
            rc.start_review(conn, sha, cs, who)
        print(
            f"start_review (reads the stored package, seeds items): {ms(time.perf_counter() - start, len(shas))}"
        )

        start = time.perf_counter()
        edits = 0
        for sha in shas:
            for code in leaves[:3]:
                rc.set_item(conn, sha, cs, code, points=0, comment="Chưa đủ minh chứng")
                edits += 1
            for code in leaves[3:5]:
                rc.set_item(
                    conn,
                    sha,
                    cs,
                    code,
                    status="explanation_requested",
                    comment="Đề nghị giải trình",
                )
                edits += 1
            rc.set_details(conn, sha, deadline="2026-03-01")
        print(f"set_item (one committed edit): {ms(time.perf_counter() - start, edits)}")

        out = Path(tmp) / "reviews"
        out.mkdir()
        start = time.perf_counter()
        files = [rc.issue(conn, sha, cs, signer, out) for sha in shas]
        print(f"issue (check, sign, write, freeze): {ms(time.perf_counter() - start, len(files))}")
        size = sum(f.stat().st_size for f in files) / len(files)
        print(f"review file size: {size / 1024:.1f} KB on average")

        start = time.perf_counter()
        ok = sum(verify_review(f, criteria_sets=sets, trust=reviewers).ok for f in files)
        print(f"verify_review: {ms(time.perf_counter() - start, len(files))}; {ok}/{len(files)} ok")

        start = time.perf_counter()
        verified = rc.verified_results(conn, 2025, cs.content_hash)
        mid = time.perf_counter()
        self_results = results_for_year(conn, 2025, cs.content_hash)
        mid2 = time.perf_counter()
        results = rc.apply_verified(conn, 2025, cs.content_hash, self_results)
        end = time.perf_counter()
        print(
            f"verified_results for {len(verified)} units: {(mid - start) * 1000:.1f} ms; "
            f"results_for_year (self-assessed rows): {(mid2 - mid) * 1000:.1f} ms; "
            f"apply_verified (reads verified_results again): {(end - mid2) * 1000:.1f} ms"
        )
        start = time.perf_counter()
        ranking = ranking_for_year(conn, 2025, [cs])
        print(
            f"ranking_for_year ({len(ranking.rows)} rows): {(time.perf_counter() - start) * 1000:.1f} ms"
        )
        assert len(results) == len(shas)
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
