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
UNITS = 13  # more than forms.text.SHORT_LIST, so lists of them are cut short


def run(capsys: pytest.CaptureFixture[str], *argv: object) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    assert (
        main(["demo", "packages", "--units", str(UNITS), "--out", str(out), "--evidence", "0"]) == 0
    )
    return out


@pytest.fixture(autouse=True)
def _officer(monkeypatch: pytest.MonkeyPatch) -> None:
    """The review commands that write name the officer (``--officer`` or ``DTI_OFFICER``)."""
    monkeypatch.setenv("DTI_OFFICER", "Cán bộ tỉnh")


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
    assert code == 0 and len(rows) == UNITS
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


def _json_error(out: str) -> dict:
    body = json.loads(out)
    assert body["ok"] is False and body["code"] and body["message"], body
    return body


def test_failed_merge_leaves_no_database(demo: Path, tmp_path: Path, capsys) -> None:
    db = tmp_path / "new.sqlite"
    bad_trust = tmp_path / "trust.json"
    bad_trust.write_text("không phải JSON", encoding="utf-8")
    bad_units = tmp_path / "units.csv"
    bad_units.write_text("a,b\n1,2\n", encoding="utf-8")
    trust = demo / "trust.json"
    cases = [  # (argv, the code said on stdout or None for a merge summary)
        (["merge", "--db", db, tmp_path / "nowhere", "--trust", trust], None),  # every input refused
        (["merge", "--db", db, demo, "--trust", bad_trust], "trust_unreadable"),
        (["merge", "--db", db, demo, "--trust", tmp_path / "none.json"], "trust_missing"),
        (["merge", "--db", db, demo, "--trust", trust, "--units", bad_units], "units_invalid"),
        (["merge", "--db", db, demo, "--trust", trust, "--units", tmp_path / "x.csv"], "units_invalid"),
    ]  # fmt: skip
    for argv, code_said in cases:
        code, out, err = run(capsys, *argv, "--json")
        assert code == 1, (argv, out, err)
        body = json.loads(out)
        assert body["ok"] is False
        if code_said is None:
            assert (
                body["accepted"] == 0 and body["rejected"][0]["reasons"][0]["code"] == "not_found"
            )
        else:
            assert body["code"] == code_said, body
            assert err  # the person at the terminal still reads why
        assert not [p for p in tmp_path.iterdir() if p.name.startswith("new.sqlite")], argv
    body = _json_error(run(capsys, *cases[3][0], "--json")[1])
    assert body["problems"][0]["code"] == "units.header"


def test_failed_merge_keeps_an_existing_store(merged: Path, demo: Path, capsys) -> None:
    bad_units = merged.parent / "units.csv"
    bad_units.write_text("a,b\n1,2\n", encoding="utf-8")
    code, out, _ = run(capsys, "merge", "--db", merged, demo, "--trust", demo / "trust.json",
                       "--units", bad_units, "--json")  # fmt: skip
    assert code == 1 and _json_error(out)["code"] == "units_invalid"
    code, out, _ = run(capsys, "merge", "--db", merged, merged.parent / "nowhere", "--trust",
                       demo / "trust.json")  # fmt: skip
    assert code == 1 and merged.is_file()
    code, out, _ = run(capsys, "review", "list", "--db", merged, "--year", YEAR, "--json")
    assert len(json.loads(out)) == UNITS


def test_every_json_command_says_errors_in_json(demo: Path, tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    folder = tmp_path  # a folder where --db wants a file
    cases = [
        (["merge", "--db", folder, demo, "--trust", demo / "trust.json"], "db_is_folder"),
        (["merge", "--db", tmp_path / "a.sqlite", demo, "--trust", demo / "trust.json",
          "--workers", "-1"], "bad_option"),
        (["review", "list", "--db", folder, "--year", YEAR], "db_is_folder"),
        (["review", "list", "--db", tmp_path / "no" / "c.sqlite", "--year", YEAR], "folder_missing"),
        (["review", "list", "--db", tmp_path / "c.sqlite", "--year", YEAR, "--criteria", bad],
         "criteria_invalid"),
        (["review", "receive", "--db", tmp_path / "c.sqlite", bad, "--reviewers", bad],
         "reviewers_unreadable"),
        (["review", "verify", bad, "--reviewers", tmp_path / "none.json"], "reviewers_missing"),
        (["package", "verify", bad, "--trust", bad], "trust_unreadable"),
        (["trust", "--registry", bad, "list"], "trust_unreadable"),
    ]  # fmt: skip
    for argv, reason in cases:
        code, out, err = run(capsys, *argv, "--json")
        assert code == 1, (argv, out, err)
        assert _json_error(out)["code"] == reason, (argv, out)
        assert err
    # usage errors too, with the usage exit code
    with pytest.raises(SystemExit) as stopped:
        main(["merge", "--db", str(tmp_path / "a.sqlite"), "--json"])
    out, err = capsys.readouterr()
    assert stopped.value.code == 2 and _json_error(out)["code"] == "usage" and "cách dùng" in err
    # without --json, stdout stays empty: the error is for the person, on stderr
    code, out, err = run(capsys, "review", "list", "--db", folder, "--year", YEAR)
    assert code == 1 and out == "" and "thư mục" in err


def _cut(line: str, names: list[str]) -> None:
    """``line`` names the first SHORT_LIST of ``names``, then how many more, and how to see them."""
    from forms.text import SHORT_LIST

    assert all(n in line for n in names[:SHORT_LIST]), line
    assert not any(n in line for n in names[SHORT_LIST:]), line
    assert f"và {len(names) - SHORT_LIST} mục khác (thêm --verbose để in đủ)" in line, line


def test_ranking_note_names_a_few_units_and_a_count(merged: Path, tmp_path: Path, capsys) -> None:
    code, out, _ = run(capsys, "review", "list", "--db", merged, "--year", YEAR, "--json")
    codes = [row["unit"] for row in json.loads(out)]
    code, _out, err = run(capsys, "review", "set", "--db", merged, "--unit", codes[0], "--year",
                          YEAR, "--indicator", "1.1", "--points", "0")  # fmt: skip
    assert code == 0, err
    argv = ["export", "ranking", "--db", merged, "--year", YEAR, "-o", tmp_path / "bang.csv"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    [note] = [line for line in out.splitlines() if "chỉ có điểm tự đánh giá" in line]
    assert f"{UNITS} đơn vị chỉ có điểm tự đánh giá" in note
    _cut(note, sorted(codes))
    code, out, err = run(capsys, *argv, "--verbose")
    [note] = [line for line in out.splitlines() if "chỉ có điểm tự đánh giá" in line]
    assert all(c in note for c in codes) and "--verbose" not in note


def test_merge_groups_many_refusals_by_reason(demo: Path, tmp_path: Path, capsys) -> None:
    from forms.packages.trust import TrustRegistry

    nobody = tmp_path / "nobody.json"
    TrustRegistry().save(nobody)
    argv = ["merge", "--db", tmp_path / "c.sqlite", demo, "--trust", nobody]
    code, _out, err = run(capsys, *argv)
    assert code == 1
    lines = err.splitlines()
    assert len(lines) == 2, lines  # one reason for all of them: a line, and one example
    assert lines[0].startswith(f"Từ chối {UNITS} gói [signer_unknown]: ")
    _cut(lines[0], sorted(p.name for p in demo.glob("*.dtipkg")))
    assert lines[1].startswith("  ví dụ ")
    code, _out, err = run(capsys, *argv, "--verbose")
    assert code == 1 and len(err.splitlines()) == UNITS


def test_results_import_counts_the_units_it_cannot_match(merged: Path, tmp_path: Path, capsys):
    table = tmp_path / "bang.xlsx"
    argv = ["export", "ranking", "--db", merged, "--year", YEAR, "-o", table]
    assert run(capsys, *argv)[0] == 0
    # a database without a units list matches no name of the published table
    argv = ["results", "import", table, "--year", YEAR - 1, "--db", tmp_path / "other.sqlite"]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    [line] = [x for x in out.splitlines() if x.startswith("Không tìm thấy")]
    assert line.startswith(f"Không tìm thấy {UNITS} đơn vị trong danh sách đơn vị: ")
    assert "mục khác (thêm --verbose để in đủ)" in line
    code, out, err = run(capsys, *argv, "--verbose")
    assert sum(x.startswith("Không tìm thấy đơn vị “") for x in out.splitlines()) == UNITS


@pytest.mark.parametrize(
    ("value", "mode", "vi", "en"),
    [
        ("809.7375541125541125541125541", "half_up", "809,74", "809.74"),
        ("837.50", "half_up", "837,5", "837.5"),  # as published: no trailing zero
        ("45.00", "half_up", "45", "45"),
        ("1234.005", "half_up", "1.234,01", "1,234.01"),
        ("1234.005", "half_even", "1.234", "1,234"),  # the set's mode, not always half up
        (Decimal("7.5"), "half_up", "7,5", "7.5"),
    ],
)
def test_format_points_rounds_as_the_set_says(value, mode, vi: str, en: str) -> None:
    from desktop.format import format_points
    from forms.criteria import Rounding
    from forms.i18n import set_language

    assert format_points(value, Rounding(2, mode)) == vi
    set_language("en")
    assert format_points(value, Rounding(2, mode)) == en
