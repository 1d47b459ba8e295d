"""The collector under a set with applicability (issue 16): the unit's kind against the
units list, the marks a package carries, and the ranking by the set's policy."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from forms.criteria import NotApplicablePolicy
from forms.packages.build import Submission, build_package
from local_db.collector import merge_paths, open_collector
from local_db.collector.reports import ranking_for_year, set_units
from tests.forms.sample_sets import applicability_set
from tests.local_db.collector_support import FIXED, Units, answers, clock, sid_uuid

OUT_OF = applicability_set(NotApplicablePolicy.OUT_OF_APPLICABLE)


def _package(u, out, code, kind, *, level=4, marks=None, cs=OUT_OF):
    sub = Submission(
        unit_code=code, unit_name=f"Đơn vị {code}", year=2025, criteria_set=cs,
        answers=answers(level), submission_id=sid_uuid(f"na-{code}-{kind}"),
        officer_name="Nguyễn Văn An", officer_position="Công chức", created_at=FIXED,
        unit_kind=kind, not_applicable=marks or {},
    )  # fmt: skip
    return build_package(sub, u.signers[code], out / code)


@pytest.fixture
def u():
    return Units(3, seed=7)


def test_a_kind_contradicting_the_units_list_is_rejected(tmp_path, u):
    conn = open_collector(str(tmp_path / "c.sqlite"))
    a, b, c = u.codes
    set_units(conn, [(a, "Xã A", "xã", "G"), (b, "Phường B", "phường", "G"), (c, "C", "", "G")])
    paths = [
        _package(u, tmp_path, a, "phường"),  # the list says xã
        _package(u, tmp_path, b, "phường"),
        _package(u, tmp_path, c, "xã"),  # listed without a kind: the package's stands
    ]
    summary = merge_paths(conn, paths, u.trust, [OUT_OF], clock=clock)
    assert summary.accepted == 2
    [rejection] = summary.rejected
    [reason] = rejection.reasons
    assert reason.code == "unit_kind_mismatch"
    assert a in reason.message and "phường" in reason.message and "xã" in reason.message


def test_ranking_compares_percentages_of_what_applies(tmp_path, u):
    conn = open_collector(str(tmp_path / "c.sqlite"))
    a, b, c = u.codes
    set_units(
        conn, [(a, "Xã A", "xã", "G"), (b, "Phường B", "phường", "G"), (c, "Xã C", "xã", "G")]
    )
    marks = {"1.2": "Không họp vì Ban Chỉ đạo đang kiện toàn"}
    paths = [
        _package(u, tmp_path, a, "xã"),  # full marks of what applies to a xã: 45 of 45
        _package(
            u, tmp_path, b, "phường", level=3
        ),  # a phường (all but pillar 3: 52), 3 of 4 levels
        _package(u, tmp_path, c, "xã", marks=marks),  # 1.2 marked: 35 of 35
    ]
    assert merge_paths(conn, paths, u.trust, [OUT_OF], clock=clock).accepted == 3
    ranking = ranking_for_year(conn, 2025, [OUT_OF])
    rows = {r.unit_code: r for r in ranking.rows}
    assert rows[a].applicable_max == 45 and rows[a].percent == 100
    assert rows[c].applicable_max == 35 and rows[c].percent == 100
    assert rows[a].rank == rows[c].rank == 1
    assert rows[b].rank == 3 and rows[b].applicable_max == 52
    assert rows[b].percent == round(rows[b].total * 100 / 52, 2)


def _merged_three(tmp_path, u, target=None):
    conn = open_collector(target or str(tmp_path / "c.sqlite"))
    a, b, c = u.codes
    set_units(
        conn, [(a, "Xã A", "xã", "G"), (b, "Phường B", "phường", "G"), (c, "Xã C", "xã", "G")]
    )
    marks = {"1.2": "Không họp vì Ban Chỉ đạo đang kiện toàn"}
    paths = [
        _package(u, tmp_path, a, "xã", level=3),
        _package(u, tmp_path, b, "phường", level=3),
        _package(u, tmp_path, c, "xã", marks=marks),
    ]
    assert merge_paths(conn, paths, u.trust, [OUT_OF], clock=clock).accepted == 3
    sha = conn.execute(
        "SELECT manifest_sha256 FROM submissions WHERE unit_code=?", (c,)
    ).fetchone()[0]
    return conn, sha


def test_the_reviewer_overturns_a_mark_and_the_ranking_follows_once_issued(tmp_path, u):
    from local_db.review import collector as rc
    from local_db.review import overturns
    from local_db.review.schema import ReviewError
    from tests.forms.packages.helpers import ed_signer
    from tests.local_db.review_support import REVIEWER

    conn, sha = _merged_three(tmp_path, u)
    c = u.codes[2]
    assert overturns.marks(conn, sha) == {"1.2": "Không họp vì Ban Chỉ đạo đang kiện toàn"}
    rc.start_review(conn, sha, OUT_OF, REVIEWER)
    with pytest.raises(ReviewError):
        overturns.set_overturned(conn, sha, "1.1", True)  # not marked by the commune
    overturns.set_overturned(conn, sha, "1.2", True, note="Có họp: biên bản số 3", who="Bình")
    assert overturns.overturned(conn, sha) == {"1.2": "Có họp: biên bản số 3"}
    rc.set_item(conn, sha, OUT_OF, "1.2", points="5", status="adjusted", comment="Có 1 cuộc họp")
    draft = {r.unit_code: r for r in ranking_for_year(conn, 2025, [OUT_OF]).rows}
    assert draft[c].applicable_max == 35  # a draft review changes nothing yet
    rc.issue(conn, sha, OUT_OF, ed_signer(9), tmp_path / "reviews")
    rows = {r.unit_code: r for r in ranking_for_year(conn, 2025, [OUT_OF]).rows}
    assert rows[c].applicable_max == 45  # 1.2 applies again
    assert rows[c].total == 40 and rows[c].percent == round(D(40) * 100 / 45, 2)
    with pytest.raises(ReviewError):  # an issued review is frozen
        overturns.set_overturned(conn, sha, "1.2", False)
