"""The command line a province officer reads (issue 14): points rounded by the criteria set with
the Vietnamese decimal comma, long lists summarised, JSON errors with --json, no empty database
left by a failed merge, dd/mm/yyyy dates. Real commands on `demo packages` output."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

from desktop.cli import main

YEAR = 2025


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "packages", "--units", "4", "--out", str(out), "--evidence", "0"]) == 0
    return out


@pytest.fixture
def merged(demo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    db = tmp_path / "province.sqlite"
    code, _out, err = run(capsys, "merge", "--db", db, demo, "--trust", demo / "trust.json")
    assert code == 0, err
    return db


def _published(raw: str, point: str) -> str:
    """What a person should read for ``raw`` points under the reference set's rounding (2
    decimals, half up), trailing zeros dropped; worked out here, not by the app's formatter."""
    text = format(Decimal(raw).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP), "f")
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return text.replace(".", point)


@pytest.mark.parametrize(("lang", "point"), [("vi", ","), ("en", ".")])
def test_review_list_rounds_by_the_set(merged: Path, capsys, lang: str, point: str) -> None:
    code, out, _ = run(capsys, "review", "list", "--db", merged, "--year", YEAR, "--json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 4
    assert any(len(r["self_total"].partition(".")[2]) > 2 for r in rows)  # the stored value is long
    code, out, _ = run(capsys, "--lang", lang, "review", "list", "--db", merged, "--year", YEAR)
    assert code == 0
    lines = out.splitlines()
    for row, line in zip(rows, lines, strict=True):
        shown = _published(row["self_total"], point)
        assert f" {shown}," in line, (shown, line)
    wrong = "." if point == "," else ","
    assert not re.search(rf"\d\{wrong}\d{{3,}}", out), out  # no long decimals, no other point


@pytest.mark.parametrize(("lang", "shown"), [("vi", "7,5"), ("en", "7.5")])
def test_review_set_prints_the_decimal_comma(merged: Path, capsys, lang: str, shown: str) -> None:
    code, out, _ = run(capsys, "review", "list", "--db", merged, "--year", YEAR, "--json")
    unit = json.loads(out)[0]["unit"]
    code, out, err = run(capsys, "--lang", lang, "review", "set", "--db", merged, "--unit", unit,
                         "--year", YEAR, "--indicator", "1.1", "--points", "7,5")  # fmt: skip
    assert code == 0, err
    assert f" {shown} (" in out, out


def test_deadline_in_day_month_year(merged: Path, capsys) -> None:
    code, out, _ = run(capsys, "review", "list", "--db", merged, "--year", YEAR, "--json")
    unit = json.loads(out)[0]["unit"]
    target = ["--db", merged, "--unit", unit, "--year", YEAR]
    code, _out, err = run(capsys, "review", "set", *target, "--deadline", "15/01/2026")
    assert code == 0, err
    from local_db.collector import CollectorStore

    with CollectorStore(merged) as store:
        sha = store.current_of(unit, YEAR)
        assert sha is not None
        review = store.load_review(sha[0])
    assert review is not None and review.deadline == "2026-01-15"
    for bad in ("15/13/2026", "mai", "2026-02-30"):
        with pytest.raises(SystemExit) as stopped:
            main([str(a) for a in ["review", "set", *target, "--deadline", bad]])
        err = capsys.readouterr().err
        assert stopped.value.code == 2 and "--deadline" in err and bad in err, err
