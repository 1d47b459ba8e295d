"""The second criteria set of the tests (``tests/fixtures/criteria``): its committed JSON is
what its generator writes, it passes every set check, and it survives the authoring workbook."""

from __future__ import annotations

from forms.criteria import ClassifyOn
from forms.criteria_json import dumps
from forms.criteria_xlsx import dump_xlsx, load_xlsx
from tests.both_sets import second_set
from tests.fixtures.criteria.build_second_set import JSON_PATH
from tests.fixtures.criteria.build_second_set import second_set as built


def test_the_committed_json_is_what_the_generator_writes():
    assert JSON_PATH.read_text(encoding="utf-8") == dumps(built()), (
        "run tests/fixtures/criteria/build_second_set.py and commit its output"
    )


def test_it_has_the_shape_the_reference_set_has_not():
    cs = second_set()
    scored = [p for p in cs.pillars if not p.unscored]
    assert len(scored) == 8 and [p.code for p in cs.pillars if p.unscored] == ["1"]
    assert 20 <= len(cs.indicators()) <= 47
    assert cs.classify_on is ClassifyOn.TARGETS
    targets = cs.targets()
    assert len(targets) == 6 and sum(1 for t in targets if t.max_points == 0) == 2
    over_block = [i for i in cs.leaves() if "/" in i.rule.denominator]
    assert {i.rule.denominator.split("/")[0] for i in over_block} == {"1.1"}
    assert cs.rounding.decimals == 1  # another rounding than the reference's 2


def test_the_workbook_round_trip_keeps_the_hash(tmp_path):
    cs = second_set()
    path = tmp_path / "bo-tieu-chi.xlsx"
    dump_xlsx(cs, path)
    assert load_xlsx(path).content_hash == cs.content_hash
