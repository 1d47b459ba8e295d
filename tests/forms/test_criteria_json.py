"""The compiled JSON form: round trip, structural problems with JSON paths, file problems."""

from __future__ import annotations

import json
import unicodedata

import pytest

from forms.criteria import to_dict
from forms.criteria_json import dump_json, dumps, from_dict, load_json
from forms.problems import ProblemsError

from .sample_sets import tiny_set


def _problems(data) -> list[tuple[str, str]]:
    with pytest.raises(ProblemsError) as caught:
        from_dict(data)
    return [(p.code, p.where) for p in caught.value.problems]


def test_round_trip():
    cs = tiny_set()
    again = from_dict(json.loads(dumps(cs)))
    assert again == cs
    assert again.content_hash == cs.content_hash


def test_numbers_may_be_written_as_numbers_or_text():
    data = to_dict(tiny_set())
    data["pillars"][0]["max_points"] = 30  # int instead of "30"
    data["pillars"][0]["indicators"][0]["max_points"] = 20.0
    data["pillars"][2]["indicators"][0]["max_points"] = "8,0"  # decimal comma
    assert from_dict(data).content_hash == tiny_set().content_hash


def test_wrong_types_give_paths_and_no_cascade():
    data = to_dict(tiny_set())
    data["pillars"][0]["indicators"][0]["max_points"] = "hai mươi"
    data["year"] = "2025"
    data["pillars"][1]["indicators"][1]["children"][0]["rule"]["kind"] = "maybe"
    data["bands"][0]["minimum"] = None
    data["reference"] = "yes"
    assert sorted(_problems(data)) == sorted(
        [
            ("wrong_type", "pillars[0].indicators[0].max_points"),
            ("wrong_type", "year"),
            ("unknown_value", "pillars[1].indicators[1].children[0].rule.kind"),
            ("missing", "bands[0].minimum"),
            ("wrong_type", "reference"),
        ]
    )


def test_structure_problems():
    data = to_dict(tiny_set())
    data["format"] = 99
    data["pillars"][1]["indicators"] = "none"
    data["pillars"][0]["indicators"][1]["fields"] = [1, {"key": "a", "kind": "count", "label": "A"}]
    del data["pillars"][2]["indicators"][0]["code"]
    found = _problems(data)
    assert ("format_version", "format") in found
    assert ("wrong_type", "pillars[1].indicators") in found
    assert ("wrong_type", "pillars[0].indicators[1].fields[0]") in found
    assert ("missing", "pillars[2].indicators[0].code") in found


@pytest.mark.parametrize("data", [None, [], "set", 3, {"format": 1}])
def test_not_a_set(data):
    assert _problems(data)  # a list of problems, not a crash


def test_deep_nesting_is_refused():
    data = to_dict(tiny_set())
    node = data["pillars"][1]["indicators"][1]
    for _ in range(6):
        child = json.loads(json.dumps(node))
        node["children"] = [child]
        node = child
    assert any(code == "too_deep" for code, _where in _problems(data))


def test_dump_json_is_pretty_nfc_and_atomic(tmp_path):
    from dataclasses import replace

    cs = tiny_set()
    decomposed = unicodedata.normalize("NFD", "Bộ thử nghiệm")
    assert decomposed != "Bộ thử nghiệm"
    path = tmp_path / "set.json"
    dump_json(replace(cs, title=decomposed), path)
    text = path.read_text(encoding="utf-8")
    assert "Bộ thử nghiệm" in text and decomposed not in text
    assert text.startswith("{\n  ")
    assert load_json(path).title == "Bộ thử nghiệm"
    assert [p.name for p in tmp_path.iterdir()] == ["set.json"]  # no temporary left behind


def test_dump_json_to_a_missing_folder_leaves_nothing(tmp_path):
    with pytest.raises(OSError):
        dump_json(tiny_set(), tmp_path / "no" / "set.json")
    assert list(tmp_path.iterdir()) == []


def test_file_problems(tmp_path):
    def codes(path):
        with pytest.raises(ProblemsError) as caught:
            load_json(path)
        return [(p.code, p.where) for p in caught.value.problems]

    assert codes(tmp_path / "none.json") == [("file_missing", "none.json")]
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": 1,\n "pillars": [}', encoding="utf-8")
    assert codes(bad) == [("bad_json", "bad.json:2:14")]
    latin = tmp_path / "latin.json"
    latin.write_bytes('{"title": "Bộ"}'.encode("utf-16"))
    assert codes(latin)[0][0] == "bad_json"
    folder = tmp_path / "folder.json"
    folder.mkdir()
    assert codes(folder)[0][0] in {"not_regular_file", "file_unreadable"}  # Linux, Windows


def test_hole4_a_fifo_or_device_as_criteria_json_is_refused_without_reading(tmp_path):
    """A criteria set is a file from outside: a FIFO hung the reader, /dev/zero filled memory."""
    import os

    fifo = tmp_path / "bo-tieu-chi.json"
    os.mkfifo(fifo)
    for path in (fifo, "/dev/zero"):
        with pytest.raises(ProblemsError) as caught:
            load_json(path)
        assert [p.code for p in caught.value.problems] == ["not_regular_file"]


def test_absurd_numbers_are_refused():
    data = to_dict(tiny_set())
    data["pillars"][0]["indicators"][0]["max_points"] = "1e999999"
    assert _problems(data) == [("out_of_range", "pillars[0].indicators[0].max_points")]
