"""Hole 5 (issue 12): formula injection in every spreadsheet the app writes for people.

A hostile commune (its own signed package names the unit), a units list or a criteria set can
carry names such as ``=HYPERLINK("http://x","a")``. Opened in Excel, such a name must show as
text: in xlsx no cell may be a formula (``<f>``) or anything but a string, in CSV every text cell
that starts with = + - @ tab or CR is prefixed with ``'`` (OWASP "CSV Injection").

Every export is listed in ``EXPORTS``; ``test_every_export_is_covered`` fails when a new
``dti-desk export`` subcommand or a new xlsx/CSV writer appears without being added here.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from forms.cells import FORMULA_STARTS, could_be_formula, csv_cell
from forms.criteria_xlsx import dump_xlsx
from forms.packages.build import Submission, build_package
from forms.ranking import UnitResult, rank
from forms.ranking_xlsx import GROUPED, Appendix, write_table
from local_db.collector import merge_paths, open_collector
from local_db.collector.completeness_file import write_completeness
from local_db.collector.reports import completeness, ranking_for_year, set_not_ranked, set_units
from tests.forms.sample_sets import tiny_set
from tests.local_db.collector_support import CS, FIXED, Units, answers, clock, sid_uuid

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = ['=HYPERLINK("http://x","a")', "+1+1", "-2+3", "@SUM(A1)", "\tX", "\rY"]
# more that openpyxl would otherwise turn into something else than text
ODD = ["#N/A", "=", "'=quoted", "a\x01b"]
# what a trusted commune can sign: the verifier refuses control characters in names (a tab, a
# CR or \x01 reach the writers only through tables built in memory, tested below)
SIGNABLE = [*HOSTILE[:4], "=1+1", "-5", "#N/A", "@x"]


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory):
    """A collector database whose unit, group and officer names are all hostile.

    Units 0-3 are named by the units list (names and groups hostile; the list's import strips
    tab/CR), units 4-7 only by their own signed package (names kept as sent, tab and CR too).
    """
    out = tmp_path_factory.mktemp("hostile")
    units = Units(8, seed=5)
    paths = []
    for i, code in enumerate(units.codes):
        sub = Submission(
            unit_code=code, unit_name=SIGNABLE[i], year=2025,
            criteria_set=CS, answers=answers(i % 5), revision=1, submission_id=sid_uuid(f"{code}-2025"),
            supersedes=None, officer_name=SIGNABLE[i], officer_position=SIGNABLE[(i + 1) % 8],
            created_at=FIXED,
        )  # fmt: skip
        paths.append(build_package(sub, units.signers[code], out / f"p{i}"))
    conn = open_collector(out / "c.sqlite")
    set_units(
        conn,
        [
            (units.codes[0], HOSTILE[0], "xã", HOSTILE[3]),
            (units.codes[1], HOSTILE[1], "xã", HOSTILE[3]),
            (units.codes[2], HOSTILE[2], "xã", HOSTILE[0]),
            (units.codes[3], HOSTILE[3], "xã", "#N/A"),
            ("99999", "=1+1", "xã", "-1"),  # listed, never sent: a "missing" row
        ],
    )
    set_not_ranked(conn, units.codes[1], True)
    summary = merge_paths(conn, paths, units.trust, [CS], clock=clock)
    assert summary.accepted == 8, summary
    return conn


def _ranking(conn):
    return ranking_for_year(conn, 2025, [CS])


def _export_ranking(conn, path: Path) -> None:
    write_table(_ranking(conn), path)


def _export_ranking_hostile_header(conn, path: Path) -> None:
    """The grouped layout (groups are named) with a hostile group header and appendix lines."""
    appendix = Appendix(
        layout=GROUPED,
        group_header="=1+2",
        appendix=HOSTILE[0],
        title=HOSTILE[2],
        decision=HOSTILE[3],
        rank_column=True,
    )
    write_table(_ranking(conn), path, appendix)


def _export_ranking_hostile_criteria(conn, path: Path) -> None:
    """The layout with a criteria set whose title, version and pillar names are hostile."""
    cs = tiny_set()
    cs = replace(
        cs,
        title=HOSTILE[0],
        version="-1",
        pillars=tuple(replace(p, name=HOSTILE[i]) for i, p in enumerate(cs.pillars)),
    )
    rows = [
        UnitResult(f"0{i}", name, HOSTILE[i % 2], {p.code: Decimal(i) for p in cs.pillars})
        for i, name in enumerate(HOSTILE + ODD)
    ]
    write_table(rank(cs, rows, year=2025), path)


def _export_completeness(conn, path: Path) -> None:
    write_completeness(completeness(conn, 2025), path, 2025)


def _export_criteria_workbook(conn, path: Path) -> None:
    cs = tiny_set()
    cs = replace(
        cs,
        title=HOSTILE[0],
        pillars=tuple(replace(p, name=HOSTILE[i]) for i, p in enumerate(cs.pillars)),
        bands=tuple(replace(b, label=HOSTILE[i]) for i, b in enumerate(cs.bands)),
    )
    dump_xlsx(cs, path)


# export -> (CLI subcommand or writer it stands for, writer module)
EXPORTS = {
    "ranking": (_export_ranking, "forms/ranking_xlsx.py"),
    "ranking-group-header": (_export_ranking_hostile_header, "forms/ranking_xlsx.py"),
    "ranking-criteria-text": (_export_ranking_hostile_criteria, "forms/ranking_xlsx.py"),
    "completeness": (_export_completeness, "local_db/collector/completeness_file.py"),
    "criteria-workbook": (_export_criteria_workbook, "forms/criteria_xlsx/writer.py"),
}
# writers that are not for a spreadsheet user, or not of user text, with the reason
NOT_SPREADSHEET_EXPORTS = {
    "bundle": "a signed .dtibundle (zip of packages), not a spreadsheet",
}
# files writing CSV/xlsx on their own terms
OTHER_WRITERS = {
    "forms/cells.py": "the shared rule itself",
    "forms/packages/demo.py": "demo units list: generated names, written through forms.cells",
    "forms/results_grid.py": "writes nothing: reads a CSV back, taking off forms.cells' quote",
}


def _sheet_cells(path: Path) -> list[tuple[str, str, str | None]]:
    """(sheet part, cell XML, its t= attribute) of every non-empty cell, read from the zip."""
    found = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if not re.fullmatch(r"xl/worksheets/sheet\d+\.xml", name):
                continue
            xml = archive.read(name).decode("utf-8")
            for cell in re.findall(r"<c\b[^>]*?(?:/>|>.*?</c>)", xml, flags=re.S):
                kind = re.search(r'\bt="([^"]+)"', cell.split(">", 1)[0])
                found.append((name, cell, kind.group(1) if kind else None))
    return found


def _assert_no_formula(path: Path) -> None:
    cells = _sheet_cells(path)
    assert cells
    formulas = [c for _n, c, _t in cells if "<f>" in c or "<f " in c]
    assert formulas == []
    for _name, cell, kind in cells:
        # a string is inline or shared; anything else must be a number (no t=, or t="n")
        assert kind in {"s", "inlineStr", "n", None}, cell
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                assert cell.data_type in {"s", "n"}, (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and could_be_formula(cell.value):
                    assert cell.quotePrefix, (ws.title, cell.coordinate)


def _assert_csv_neutralised(path: Path) -> None:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows
    for row in rows:
        for value in row:
            assert len(value) == 1 or not value.startswith(FORMULA_STARTS), (row, value)


XLSX_ONLY = {"criteria-workbook"}  # the criteria workbook has no CSV form


@pytest.mark.parametrize(
    ("export", "suffix"),
    [
        (e, s)
        for e in sorted(EXPORTS)
        for s in (".xlsx", ".csv")
        if s == ".xlsx" or e not in XLSX_ONLY
    ],
)
def test_hole5_hostile_names_are_text_in_every_export(hostile_db, tmp_path, export, suffix):
    """Hole 5: a unit/group/officer name such as =HYPERLINK(...) became a live formula in the
    ranking and completeness workbooks and was written raw to CSV."""
    path = tmp_path / f"out{suffix}"
    EXPORTS[export][0](hostile_db, path)
    if suffix == ".xlsx":
        _assert_no_formula(path)
    else:
        _assert_csv_neutralised(path)


def test_hole5_hostile_names_survive_as_text(hostile_db, tmp_path):
    """The names are kept (only neutralised), so the table still says who is who."""
    xlsx, table = tmp_path / "bang.xlsx", tmp_path / "bang.csv"
    _export_ranking(hostile_db, xlsx)
    _export_ranking(hostile_db, table)
    values = {c.value for row in openpyxl.load_workbook(xlsx).active.iter_rows() for c in row}
    assert {HOSTILE[0], HOSTILE[1], HOSTILE[3], "#N/A", "@x", "-5"} <= values
    in_memory = tmp_path / "bang-tu-bo.xlsx"  # names no verifier passed: the writer alone
    _export_ranking_hostile_criteria(hostile_db, in_memory)
    values = {c.value for row in openpyxl.load_workbook(in_memory).active.iter_rows() for c in row}
    assert {"\tX", "a\ufffdb"} <= values
    assert "\rY" in values or "\nY" in values  # XML readers turn a bare CR into LF
    text = table.read_text(encoding="utf-8-sig")
    assert '\'=HYPERLINK(""http://x"",""a"")' in text and "'+1+1" in text


def test_csv_numbers_stay_numbers_and_only_text_is_quoted():
    """Numbers the app computed are written as numbers (a negative one too); text is quoted."""
    assert csv_cell(Decimal("-5.00")) == Decimal("-5.00") and csv_cell(-5) == -5
    assert csv_cell("-5") == "'-5"  # a name that looks like a number is still a name
    assert csv_cell("Xã An") == "Xã An" and csv_cell("") == ""
    assert csv_cell("-") == "-"  # the published "not ranked" mark: one character, no formula
    assert [csv_cell(s) for s in HOSTILE] == ["'" + s for s in HOSTILE]


def test_every_export_is_covered():
    """A new `dti-desk export` subcommand or a new xlsx/CSV writer must be added to EXPORTS."""
    from desktop.cli import build_parser

    parser = build_parser()
    export = parser._subparsers._group_actions[0].choices["export"]  # noqa: SLF001
    subcommands = set(export._subparsers._group_actions[0].choices)  # noqa: SLF001
    assert subcommands == set(EXPORTS) & subcommands | set(NOT_SPREADSHEET_EXPORTS)
    assert {"ranking", "completeness"} <= set(EXPORTS)
    writers = set()
    for folder in ("forms", "local_db", "desktop"):
        for source in (ROOT / folder).rglob("*.py"):
            text = source.read_text(encoding="utf-8")
            if re.search(r"csv\.writer\(|\bWorkbook\(|\.to_csv\(|xlsxwriter|forms\.cells\b", text):
                writers.add(source.relative_to(ROOT).as_posix())
    covered = {module for _f, module in EXPORTS.values()}
    assert writers == covered | set(OTHER_WRITERS)
    for module in covered:
        assert "forms.cells" in (ROOT / module).read_text(encoding="utf-8"), module


def test_hole5_criteria_workbook_with_formula_like_names_round_trips(tmp_path):
    """Hole 5: dump_xlsx wrote a set's "=..." title as a formula, so the workbook it wrote was
    refused by its own reader (and ran the formula in Excel); it must come back unchanged."""
    from forms.criteria_xlsx import read_xlsx

    cs = tiny_set()
    cs = replace(
        cs,
        title=HOSTILE[0],
        pillars=tuple(replace(p, name=HOSTILE[i + 1]) for i, p in enumerate(cs.pillars)),
    )
    dump_xlsx(cs, tmp_path / "set.xlsx")
    back, problems = read_xlsx(tmp_path / "set.xlsx")
    assert problems == [] and back == cs
