"""The whole review loop from the command line on demo data and the shipped reference set:
`demo packages` → `merge` → `review set`/`export` (.dtireview) → `review verify` → `review
import` into the commune's data folder (--data-dir).

Regression (issue 14): `review import` into a fresh commune folder said `criteria_unknown`
for the shipped reference set that `review verify` accepts, because the commune side looked
criteria sets up only in its own database.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from desktop.cli import main
from forms.packages import keys
from forms.packages.build import build_package
from forms.packages.demo import demo_answers, demo_key, demo_units
from forms.packages.signing import Ed25519Signer
from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from forms.reference import reference_set
from forms.scoring import score
from local_db import answers, assessments, open_database
from local_db.review import commune

SEED, YEAR = 7, 2025


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def commune_package(folder: Path, out: Path, code: str, name: str) -> Path:
    """The commune of demo unit ``code`` assesses itself with the reference set in its own
    data folder and signs its package with the demo key the demo trust list holds."""
    cs = reference_set()
    with open_database(folder, user="Nguyễn Thị Lan") as db:
        row = assessments.create(db, code, YEAR, cs)
        assert row.id is not None
        values = demo_answers(cs, random.Random(1), YEAR)
        result = score(cs, values)
        answers.set_many(db, row.id, values, {c: result.indicators[c] for c in values})
        assessments.finalise(db, row.id)
        assessments.mark_signed(db, row.id)
        sub = commune.response_submission(db, row.id, unit_name=name, officer_name="Nguyễn Thị Lan")
        path = build_package(sub, Ed25519Signer(demo_key(SEED, code)), out)
        assessments.mark_exported(db, row.id)
    return path


@pytest.fixture
def loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> dict[str, Path | str]:
    demo = tmp_path / "demo"
    code, _out, err = run(capsys, "demo", "packages", "--units", 3, "--out", demo, "--seed", SEED,
                               "--evidence", 0)  # fmt: skip
    assert code == 0, err
    first = demo_units(3, SEED)[0]
    # the first unit's package is the one its commune signs on its own computer
    for old in demo.glob(f"{first.code}_*.dtipkg"):
        old.unlink()
    commune_package(tmp_path / "commune", demo, first.code, first.name)
    public = keys.create_key(tmp_path / "rkeys", "mat-khau", "Sở KH&CN")
    monkeypatch.setenv("DTI_PASSPHRASE", "mat-khau")
    monkeypatch.setenv("DTI_OFFICER", "Trần Văn Bình")  # named in the collector's audit
    reviewers = TrustRegistry()
    for unit in demo_units(3, SEED):
        reviewers.add_key(unit.code, public.public_key, roles=(ROLE_REVIEW,))
    reviewers.save(tmp_path / "reviewers.json")
    (tmp_path / "reviews").mkdir()
    return {"tmp": tmp_path, "demo": demo, "unit": first.code,
            "other": demo_units(3, SEED)[1].code}  # fmt: skip


def _issue(capsys, tmp: Path, unit: str) -> Path:
    db = tmp / "province.sqlite"
    target = ["--db", db, "--unit", unit, "--year", YEAR]
    code, out, err = run(capsys, "review", "set", *target, "--indicator", "1.1", "--points",
                         "0", "--comment", "Chưa có quyết định", "--name", "Trần Văn Bình")  # fmt: skip
    assert code == 0, err
    code, out, err = run(capsys, "review", "set", *target, "--indicator", "1.2", "--status",
                         "explanation_requested", "--comment", "Bổ sung danh sách")  # fmt: skip
    assert code == 0, err
    before = set((tmp / "reviews").iterdir())
    code, out, err = run(capsys, "review", "export", *target, "--deadline", "15/01/2026",
                         "-o", tmp / "reviews", "--key-dir", tmp / "rkeys")  # fmt: skip
    assert code == 0, err
    [file] = set((tmp / "reviews").iterdir()) - before
    return file


def test_review_loop_on_demo_data(loop, capsys) -> None:
    tmp, demo = Path(loop["tmp"]), Path(loop["demo"])
    db = tmp / "province.sqlite"
    code, out, err = run(capsys, "merge", "--db", db, demo, "--trust", demo / "trust.json",
                         "--units", demo / "units.csv")  # fmt: skip
    assert code == 0, (out, err)
    file = _issue(capsys, tmp, str(loop["unit"]))

    # the province (no commune folder) and the commune agree that the file is good
    code, out, err = run(capsys, "review", "verify", file, "--reviewers", tmp / "reviewers.json",
                         "--json")  # fmt: skip
    verdict = json.loads(out)
    assert code == 0 and verdict["ok"], verdict
    assert verdict["flagged"] == ["1.2"] and "1.1" in verdict["adjusted"]
    code, out, err = run(capsys, "--data-dir", tmp / "commune", "review", "import", file,
                         "--reviewers", tmp / "reviewers.json")  # fmt: skip
    assert code == 0, err
    assert "1.2: Bổ sung danh sách" in out and "15/01/2026" in out
    with open_database(tmp / "commune") as cdb:
        [row] = assessments.history(cdb, str(loop["unit"]), YEAR)
        assert row.id is not None and commune.latest_review(cdb, row.id) is not None


def test_fresh_commune_folder_knows_the_shipped_set(loop, capsys) -> None:
    """A folder that never held the reference set: the review of a unit it never assessed is
    refused as not this machine's submission, not as an unknown criteria set."""
    tmp, demo = Path(loop["tmp"]), Path(loop["demo"])
    db = tmp / "province.sqlite"
    assert run(capsys, "merge", "--db", db, demo, "--trust", demo / "trust.json")[0] == 0
    file = _issue(capsys, tmp, str(loop["other"]))
    fresh = tmp / "fresh"
    code, out, err = run(capsys, "--data-dir", fresh, "review", "verify", file, "--reviewers",
                         tmp / "reviewers.json")  # fmt: skip
    assert code == 0, out
    code, out, err = run(capsys, "--data-dir", fresh, "review", "import", file, "--reviewers",
                         tmp / "reviewers.json")  # fmt: skip
    assert code == 1
    assert "[criteria_unknown]" not in err and "[submission_unknown]" in err, err
    assert not fresh.exists()  # a refused import leaves no empty commune database behind
    # a commune folder with a database that never held the reference set: the same answer
    from local_db.paths import DB_FILE

    open_database(fresh).close()
    assert (fresh / DB_FILE).is_file()
    code, out, err = run(capsys, "--data-dir", fresh, "review", "import", file, "--reviewers",
                         tmp / "reviewers.json")  # fmt: skip
    assert code == 1
    assert "[criteria_unknown]" not in err and "[submission_unknown]" in err, err
