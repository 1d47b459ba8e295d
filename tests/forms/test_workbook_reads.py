"""Hole 4 (workbooks taken from outside) and hole 12b (hidden sheets in a criteria workbook).

Criteria workbooks, units lists and published results tables are read once through
``forms.inbound`` before openpyxl sees them: a FIFO (nobody ever writes to it) or ``/dev/zero``
(never ends) given as any of them is refused at once with its reason code, instead of hanging
the app. A hidden or very hidden sheet in a criteria workbook is a warning naming it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import openpyxl
import pytest

from forms.criteria_io import check_criteria_file, load_criteria
from forms.criteria_xlsx import dump_xlsx, read_xlsx
from forms.problems import Level, ProblemsError
from forms.results_check import check_workbook
from forms.results_table import TableReadError, read_tables
from local_db.collector.units_file import read_units
from local_db.units import parse

from .sample_sets import tiny_set

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and /dev/zero are POSIX")


@pytest.fixture(params=["fifo", "dev_zero"])
def hostile(request, tmp_path):
    """(a path that is no regular file, the reason code forms.inbound gives it)."""
    if request.param == "fifo":
        path = tmp_path / "fifo"
        os.mkfifo(path)  # opened for reading without O_NONBLOCK, this waits for a writer forever
    else:
        path = tmp_path / "zero"
        path.symlink_to("/dev/zero")  # read to its end, this never stops
    return path, "not_regular_file"


def _as(path: Path, suffix: str) -> Path:
    """The hostile path under a name with the workbook's extension (readers go by it)."""
    named = path.with_name(path.name + suffix)
    os.rename(path, named) if not path.is_symlink() else named.symlink_to(os.readlink(path))
    return named


@posix_only
def test_hole4_fifo_or_dev_zero_as_criteria_workbook_is_refused(hostile):
    """Hole 4: a criteria workbook was opened with zipfile/openpyxl by path: a FIFO hung it."""
    path, code = hostile
    path = _as(path, ".xlsx")
    assert [p.code for p in check_criteria_file(path)] == [code]
    cs, problems = read_xlsx(path)
    assert cs is None and problems[0].where == path.name and path.name in problems[0].message


@posix_only
@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_hole4_fifo_or_dev_zero_as_units_list_is_refused(hostile, suffix):
    """Hole 4: the units list (xlsx or CSV) was read by path: a FIFO hung the import."""
    path, code = hostile
    path = _as(path, suffix)
    units, problems = parse(path)
    assert units == [] and [p.code for p in problems] == [f"units.{code}"]
    assert path.name in problems[0].message and problems[0].where == path.name


@posix_only
def test_hole4_fifo_or_dev_zero_as_units_json_is_refused(hostile):
    """Hole 4: `merge --units list.json` read the file with read_text: /dev/zero never ended."""
    path, code = hostile
    path = _as(path, ".json")
    with pytest.raises(ProblemsError) as info:
        read_units(path)
    assert [p.code for p in info.value.problems] == [f"units.{code}"]


@posix_only
def test_hole4_fifo_or_dev_zero_as_results_table_is_refused(hostile):
    """Hole 4: a published results table was handed to openpyxl by path: a FIFO hung it."""
    path, code = hostile
    path = _as(path, ".xlsx")
    with pytest.raises(TableReadError) as info:
        read_tables(path)
    assert info.value.code == code and path.name in info.value.message
    result = check_workbook(path)
    assert [f.kind for f in result.findings] == ["bad_file"]
    assert path.name in result.findings[0].message


def test_hole4_oversized_results_table_is_refused_before_reading(tmp_path, monkeypatch):
    """Hole 4: the size is checked before anything is read (a sparse file costs nothing)."""
    from forms import results_table

    path = tmp_path / "big.xlsx"
    with open(path, "wb") as handle:
        handle.truncate(results_table.MAX_WORKBOOK_BYTES + 1)
    with pytest.raises(TableReadError) as info:
        read_tables(path)
    assert info.value.code == "file_too_large"


@pytest.mark.parametrize(("state", "words"), [("hidden", "bị ẩn;"), ("veryHidden", "bị ẩn sâu")])
def test_hole12b_hidden_sheet_in_criteria_workbook_is_a_warning(tmp_path, state, words):
    """Hole 12b: a hidden sheet was read without a word, so a hidden "Chỉ tiêu" could hold the
    rules while the author looks at a visible copy; each hidden sheet is now a warning."""
    cs = tiny_set()
    path = tmp_path / "set.xlsx"
    dump_xlsx(cs, path)
    wb = openpyxl.load_workbook(path)
    wb["Chỉ tiêu"].sheet_state = state
    wb.create_sheet("Ghi chú").sheet_state = state
    wb.save(path)
    problems = check_criteria_file(path)
    assert [(p.code, p.level, p.where) for p in problems] == [
        ("hidden_sheet", Level.WARNING, "Chỉ tiêu"),
        ("hidden_sheet", Level.WARNING, "Ghi chú"),
    ]
    assert all(words in p.message and "set.xlsx" in p.message for p in problems)
    # a warning, not an error: the set still loads, and is the same set
    assert load_criteria(path) == cs


def test_visible_sheets_give_no_warning(tmp_path):
    path = tmp_path / "set.xlsx"
    dump_xlsx(tiny_set(), path)
    assert check_criteria_file(path) == []
