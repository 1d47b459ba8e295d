"""The set's carry-forward mapping (sheet "Chuyển tiếp", JSON ``carry_forward``): optional, read
both ways, checked by row, and absent from the content hash of a set without one."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from forms.criteria import CarryLink, to_dict
from forms.criteria_json import from_dict
from forms.criteria_xlsx import dump_xlsx, read_xlsx
from forms.problems import ProblemsError
from forms.reference import reference_set
from tests.forms.carry_sets import renumbered
from tests.forms.sample_sets import tiny_set

BAD = (
    CarryLink("1.1", "count", "1.3", "so_luong"),  # fine
    CarryLink("1.1", "count", "9.9", "x"),  # no such indicator
    CarryLink("1.1", "count", "1.2", "c"),  # no such field
    CarryLink("1.2", "a", "1.3", "so_luong"),  # the same target again
    CarryLink("", "a", "1.2", "a"),  # last year's code empty
    CarryLink("2.1", "choice", "2.2", "x"),  # a parent, not answered
)


def test_without_a_mapping_the_json_and_the_hash_are_what_they_were():
    cs = reference_set()
    assert "carry_forward" not in to_dict(cs)
    assert from_dict(to_dict(cs)).content_hash == cs.content_hash
    assert to_dict(
        dataclasses.replace(cs, carry_forward=(CarryLink("1.2", "a", "1.2", "so_luong"),))
    )["carry_forward"] == [
        {"from_code": "1.2", "from_field": "a", "to_code": "1.2", "to_field": "so_luong"}
    ]


def test_json_round_trip_keeps_the_mapping_and_its_hash():
    cs = renumbered()
    again = from_dict(json.loads(json.dumps(to_dict(cs))))
    assert again.carry_forward == cs.carry_forward
    assert (
        again.content_hash
        == cs.content_hash
        != dataclasses.replace(cs, carry_forward=()).content_hash
    )


def test_json_problems_name_the_row():
    data = to_dict(dataclasses.replace(renumbered(), carry_forward=BAD))
    data["carry_forward"].append({"from_code": "1.1", "to_code": "1.3", "to_field": "so_luong"})
    with pytest.raises(ProblemsError) as caught:
        from_dict(data)
    found = {(p.code, p.where) for p in caught.value.problems}
    assert found == {
        ("carry_unknown_indicator", "carry_forward[1].to_code"),
        ("carry_unknown_field", "carry_forward[2].to_field"),
        ("carry_duplicate", "carry_forward[3].to_field"),
        ("carry_empty", "carry_forward[4].from_code"),
        ("carry_unknown_indicator", "carry_forward[5].to_code"),
        ("missing", "carry_forward[6].from_field"),
    }


def test_json_mapping_of_the_wrong_shape_is_refused():
    data = to_dict(tiny_set())
    data["carry_forward"] = {"1.1": "1.3"}
    with pytest.raises(ProblemsError) as caught:
        from_dict(data)
    assert [(p.code, p.where) for p in caught.value.problems] == [("wrong_type", "carry_forward")]


def test_workbook_round_trip_and_no_sheet_without_a_mapping(tmp_path: Path):
    import openpyxl

    path = tmp_path / "bo.xlsx"
    dump_xlsx(renumbered(), path)
    assert "Chuyển tiếp" in openpyxl.load_workbook(path).sheetnames
    cs, problems = read_xlsx(path)
    assert problems == [] and cs is not None
    assert cs.carry_forward == renumbered().carry_forward
    dump_xlsx(tiny_set(), path)
    assert "Chuyển tiếp" not in openpyxl.load_workbook(path).sheetnames
    cs, problems = read_xlsx(path)
    assert problems == [] and cs is not None and cs.carry_forward == ()


def test_workbook_problems_name_the_cell(tmp_path: Path):
    path = tmp_path / "bo.xlsx"
    dump_xlsx(dataclasses.replace(renumbered(), carry_forward=BAD), path)
    _cs, problems = read_xlsx(path)
    found = {(p.code, p.where) for p in problems}
    assert ("carry_unknown_indicator", "Chuyển tiếp!C3") in found
    assert ("carry_unknown_field", "Chuyển tiếp!D4") in found
    assert ("carry_duplicate", "Chuyển tiếp!D5") in found
    assert ("empty_cell", "Chuyển tiếp!A6") in found
    assert ("carry_unknown_indicator", "Chuyển tiếp!C7") in found
