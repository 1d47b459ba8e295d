"""`dti-desk export ranking` on a 300-unit demo: both layouts, Excel and CSV, pass `results check`."""

from __future__ import annotations

import json

import openpyxl
import pytest

from desktop.cli import main
from forms.packages.demo import write_demo

DECISION = "Kèm theo Quyết định số 10/QĐ-UBND ngày 03/01/2026 của UBND tỉnh Phú Thọ"


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo300")
    demo = write_demo(out / "packages", units=300, seed=11, evidence=1)
    db = out / "c.sqlite"
    code = main(
        ["merge", "--db", str(db), str(out / "packages"), "--trust", str(demo.trust),
         "--units", str(demo.units_json), "--json"]
    )  # fmt: skip
    assert code == 0
    return db


@pytest.mark.parametrize("layout", ["overall", "grouped"])
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_exported_table_passes_results_check(demo_db, tmp_path, capsys, layout, suffix):
    target = tmp_path / f"phu-luc{suffix}"
    code, out, err = run(
        capsys, "export", "ranking", "--db", demo_db, "--year", 2025, "-o", target,
        "--layout", layout, "--appendix", "PHỤ LỤC 3", "--decision", DECISION, "--rank-column",
    )  # fmt: skip
    assert code == 0, err
    assert "300" in out
    code, out, _err = run(capsys, "results", "check", target, "--summary", "--json")
    data = json.loads(out)
    assert (code, data["rows"], data["errors"]) == (0, 300, [])
    assert set(data["counts"]) <= {"total_rounding", "classification_borderline"}


def test_overall_is_the_default_and_sorted_by_total(demo_db, tmp_path, capsys):
    target = tmp_path / "phu-luc.xlsx"
    assert run(capsys, "export", "ranking", "--db", demo_db, "--year", 2025, "-o", target)[0] == 0
    ws = openpyxl.load_workbook(target).active
    assert [c.value for c in ws[3]][:2] == ["STT", "Tên đơn vị"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=303)]
    totals = [r[-2] for r in rows if r[-1] != "-"]
    assert totals == sorted(totals, reverse=True)
    stts = [r[0] for r in rows if r[-1] != "-"]
    # STT is the rank: 1 first, never above the row's place, equal for equal totals
    assert stts[0] == 1 and all(s <= i for i, s in enumerate(stts, start=1))
    pairs = zip(
        zip(stts, totals, strict=True), zip(stts[1:], totals[1:], strict=True), strict=False
    )
    assert all((a == b) == (ta == tb) for (a, ta), (b, tb) in pairs)
