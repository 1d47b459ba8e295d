"""The review under applicability (issue 16): self and verified totals follow the set's
policy with the unit's kind and marks, an overturned mark applies in the verified score, and
the signed body records what it was computed with (version 2; other bodies stay version 1)."""

from __future__ import annotations

import json

import pytest

from forms.applicability import UnitFacts
from forms.criteria import NotApplicablePolicy
from forms.packages.trust import ROLE_REVIEW, TrustRegistry
from forms.review.verify import verify_review
from forms.scoring import score
from local_db.collector import merge_paths, open_collector
from local_db.collector.reports import set_units
from local_db.review import collector as rc
from local_db.review import overturns
from tests.forms.packages.helpers import ed_signer
from tests.forms.sample_sets import applicability_set
from tests.local_db.collector_support import Units, answers, clock
from tests.local_db.review_support import REVIEWER
from tests.local_db.test_collector_applicability import _package

MARKS = {"1.2": "Không họp vì Ban Chỉ đạo đang kiện toàn"}


def _issued(tmp_path, policy, *, overturn=False):
    cs = applicability_set(policy)
    u = Units(1, seed=11)
    [code] = u.codes
    conn = open_collector(str(tmp_path / "c.sqlite"))
    set_units(conn, [(code, "Xã A", "xã", "G")])
    path = _package(u, tmp_path, code, "xã", level=3, marks=MARKS, cs=cs)
    assert merge_paths(conn, [path], u.trust, [cs], clock=clock).accepted == 1
    (sha,) = conn.execute("SELECT manifest_sha256 FROM submissions").fetchone()
    rc.start_review(conn, sha, cs, REVIEWER)
    if overturn:
        overturns.set_overturned(conn, sha, "1.2", True, note="Có họp", who="Bình")
        rc.set_item(conn, sha, cs, "1.2", points="10", status="adjusted", comment="Có họp")
    signer = ed_signer(9)
    issued = rc.issue(conn, sha, cs, signer, tmp_path / "reviews")
    trust = TrustRegistry()
    trust.add_key(code, signer.public_raw, roles=(ROLE_REVIEW,))
    verdict = verify_review(issued.read_bytes(), criteria_sets={cs.content_hash: cs}, trust=trust)
    own = score(cs, answers(3), unit=UnitFacts("xã", code), marks=MARKS)
    return cs, verdict, own, code


@pytest.mark.parametrize("policy", list(NotApplicablePolicy))
def test_every_item_accepted_gives_the_packages_score(tmp_path, policy):
    cs, verdict, own, _code = _issued(tmp_path, policy)
    assert verdict.ok, verdict.reasons
    body = json.loads(verdict.body_bytes)
    assert body["format_version"] == 2
    assert body["applicability"] == {"unit_kind": "xã", "marks": MARKS, "overturned": []}
    for part in ("self", "verified"):
        assert body["summary"][part]["published_total"] == str(own.published_total)
        assert body["summary"][part]["classification"] == own.classification
    assert own.applicable_max < cs.total_points  # the test means something


@pytest.mark.parametrize("policy", list(NotApplicablePolicy))
def test_an_overturned_mark_counts_in_the_verified_total(tmp_path, policy):
    from forms.review.scoring import verified_score

    cs, verdict, own, code = _issued(tmp_path, policy, overturn=True)
    assert verdict.ok, verdict.reasons
    body = json.loads(verdict.body_bytes)
    assert body["applicability"]["overturned"] == ["1.2"]
    assert body["summary"]["self"]["published_total"] == str(own.published_total)
    got = verified_score(cs, verdict.review)
    expect = score(cs, answers(3), unit=UnitFacts("xã", code))  # 1.2 applies again
    assert got.applicable_max == expect.applicable_max == own.applicable_max + 10
    assert got.total == own.total + 10
    if policy is NotApplicablePolicy.RESCALE:
        assert got.scaled_total == got.total * cs.total_points / got.applicable_max
    assert body["summary"]["verified"]["published_total"] == str(got.published_total)


def test_a_version_2_body_without_applicability_is_refused(tmp_path):
    """An old reader refuses version 2 (its format check); this reader refuses a version 2
    body that does not say what it was computed with, and a version 1 that does."""
    from forms.review.shape import ShapeError, check_shape

    _cs, verdict, _own, _code = _issued(tmp_path, NotApplicablePolicy.RESCALE)
    body = json.loads(verdict.body_bytes)
    check_shape(body)
    del body["applicability"]
    with pytest.raises(ShapeError):
        check_shape(body)
    body = json.loads(verdict.body_bytes)
    body["format_version"] = 1
    with pytest.raises(ShapeError):
        check_shape(body)
