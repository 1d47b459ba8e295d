"""The supersede/conflict rules, as a pure function of the set of submissions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from local_db.collector.resolve import Node, resolve

A1 = Node("a1", "A1", 1, None)
A1b = Node("a1b", "A1b", 1, None)
A2 = Node("a2", "A2", 2, "A1")
A3 = Node("a3", "A3", 3, "A2")


def test_single_submission_is_current():
    r = resolve([A1])
    assert (r.current, r.conflict, r.states) == ("a1", (), {"a1": "current"})


def test_higher_revision_pointing_at_it_supersedes():
    r = resolve([A1, A2, A3])
    assert r.current == "a3" and r.states == {
        "a1": "superseded",
        "a2": "superseded",
        "a3": "current",
    }


def test_same_revision_twice_is_a_conflict_neither_chosen():
    r = resolve([A1, A1b])
    assert r.current is None and r.conflict == ("a1", "a1b")
    assert r.states == {"a1": "conflict", "a1b": "conflict"}


def test_a_decision_settles_a_conflict_until_a_proper_revision_arrives():
    r = resolve([A1, A1b], chosen="a1b")
    assert r.current == "a1b" and r.states["a1"] == "passed_over"
    # the commune then sends revision 2 superseding A1b: the chain wins, the stale choice is ignored
    r = resolve([A1, A1b, Node("b2", "B2", 2, "A1b")], chosen="a1b")
    assert r.current is None and r.conflict == ("a1", "b2")


def test_pointer_must_be_to_a_lower_revision_and_known():
    assert resolve([A1, Node("x", "X", 1, "A1")]).conflict == ("a1", "x")  # not a higher revision
    assert resolve([A1, A3]).conflict == ("a1", "a3")  # A2 missing: wait for it, do not guess
    assert resolve([A1, A3, A2]).current == "a3"


def test_same_submission_id_different_content_conflicts():
    assert resolve([A1, Node("a1-edited", "A1", 1, None)]).conflict == ("a1", "a1-edited")


nodes = st.lists(
    st.builds(
        Node,
        key=st.sampled_from([f"k{i}" for i in range(8)]),
        submission_id=st.sampled_from(["S1", "S2", "S3", "S4"]),
        revision=st.integers(1, 4),
        supersedes=st.sampled_from([None, "S1", "S2", "S3", "S4"]),
    ),
    max_size=8,
    unique_by=lambda n: n.key,
)


@given(nodes, st.randoms())
def test_order_and_repeats_do_not_matter(items, rnd):
    shuffled = items + items[: len(items) // 2]
    rnd.shuffle(shuffled)
    assert resolve(shuffled) == resolve(items)
    r = resolve(items)
    if items:
        assert (r.current is None) == bool(r.conflict)
        assert set(r.states) == {n.key for n in items}
