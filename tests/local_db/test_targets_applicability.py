"""The ranking's targets met count only the targets that apply to the unit (issue 16)."""

from __future__ import annotations

from forms.packages.build import Submission, build_package
from forms.scoring import score
from local_db.collector import merge_paths, open_collector
from local_db.collector.targets import answered_targets
from tests.both_sets import answers_for, province_file, second_set, trust_province
from tests.forms.sample_sets import with_applicability
from tests.local_db.collector_support import FIXED, Units, sid_uuid


def test_a_target_not_applicable_by_kind_or_mark_is_not_counted(tmp_path):
    base = second_set()
    first, second = (t.code for t in base.targets()[:2])
    cs = with_applicability(base, applies={first: ["phường"]}, markable=[second])
    units = Units(3, seed=5)
    plain, marked, ward = units.codes
    paths = []
    for code, kind, marks in (
        (plain, "xã", {}),
        (marked, "xã", {second: "Xã không có chỉ tiêu này"}),
        (ward, "phường", {}),
    ):
        sub = Submission(
            unit_code=code, unit_name="Xã Hiền Quan", year=2025, criteria_set=cs,
            answers=answers_for(cs, 4), submission_id=sid_uuid(code), created_at=FIXED,
            unit_kind=kind, not_applicable=marks, province_data=province_file(cs, [code]),
        )  # fmt: skip
        paths.append(build_package(sub, units.signers[code], tmp_path / code))
    conn = open_collector(tmp_path / "c.sqlite")
    merge_paths(conn, paths, trust_province(units.trust), [cs])
    found = answered_targets(conn, 2025, cs)
    n = len(cs.targets())
    met = {code: found[code][1] for code in units.codes}
    assert first not in met[plain] and len(met[plain]) == n - 1  # a xã: the phường target not
    assert {first, second}.isdisjoint(met[marked]) and len(met[marked]) == n - 2
    assert len(met[ward]) == n  # a phường: every target applies
    # the count is the package's own score's
    from forms.applicability import UnitFacts

    own = score(cs, answers_for(cs, 4), unit=UnitFacts("xã", marked), marks={second: "x"})
    assert own.targets_met == len(met[marked])


def test_a_reviewed_unit_counts_only_the_targets_that_apply():
    """Regression: under an issued review every target was counted, so a 0-point target that
    does not apply to the unit counted as met when the reviewer's record said so."""
    from decimal import Decimal

    from local_db.collector.targets import Answered, reviewed_targets

    cs = second_set()
    zero = [t.code for t in cs.targets() if t.max_points == 0]
    assert zero, "the second set has 0-point targets"
    every = frozenset(t.code for t in cs.targets())
    points = {t.code: t.max_points for t in cs.targets()}  # every target with points reached
    flags = dict.fromkeys(zero, True)  # the reviewer recorded each 0-point target as met
    all_apply = Answered("sha", every, every)
    one_not = Answered("sha", every - {zero[0]}, every - {zero[0]})
    assert reviewed_targets(cs, all_apply, points, flags) == len(every)
    assert reviewed_targets(cs, one_not, points, flags) == len(every) - 1
    assert reviewed_targets(cs, one_not, {**points, zero[0]: Decimal(0)}, flags) == len(every) - 1
