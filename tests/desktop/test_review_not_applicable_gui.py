"""The reviewer sees the commune's "không áp dụng" marks with their reasons and can
overturn one (issue 16); an issued review takes no change."""

from __future__ import annotations

from local_db.collector.store import CollectorStore
from tests.local_db.collector_support import Units
from tests.local_db.test_collector_applicability import OUT_OF, _merged_three


def test_marks_are_listed_with_reasons_and_overturned_through_the_store(qtbot, tmp_path):
    from desktop.review.not_applicable import NotApplicablePanel
    from local_db.review import collector as rc
    from tests.local_db.review_support import REVIEWER

    u = Units(3, seed=7)
    conn, sha = _merged_three(tmp_path, u)
    rc.start_review(conn, sha, OUT_OF, REVIEWER)
    conn.close()
    store = CollectorStore(tmp_path / "c.sqlite")
    panel = NotApplicablePanel(store, sha, OUT_OF)
    qtbot.addWidget(panel)
    panel.show()
    assert panel.isVisible()
    texts = [w.text() for w in panel.findChildren(type(panel.message))]
    assert any("1.2" in t and "Ban Chỉ đạo đang kiện toàn" in t for t in texts)
    with qtbot.waitSignal(panel.changed) as signal:
        panel.boxes["1.2"].setChecked(True)
    assert signal.args == ["1.2"]
    assert store.overturned_marks(sha) == {"1.2": ""}
    panel.boxes["1.2"].setChecked(False)
    assert store.overturned_marks(sha) == {}


def test_a_submission_without_marks_shows_no_panel(qtbot, tmp_path):
    from desktop.review.not_applicable import NotApplicablePanel

    u = Units(3, seed=7)
    conn, _sha = _merged_three(tmp_path, u)
    other = conn.execute(
        "SELECT manifest_sha256 FROM submissions WHERE unit_code=?", (u.codes[0],)
    ).fetchone()[0]
    conn.close()
    panel = NotApplicablePanel(CollectorStore(tmp_path / "c.sqlite"), other, OUT_OF)
    qtbot.addWidget(panel)
    assert panel.isHidden() and panel.boxes == {}  # hidden: nothing to review here


def test_the_panel_sends_the_version_it_read_and_shows_a_refusal(qtbot, tmp_path):
    """Another officer (another connection) overturns the mark after the panel read it: the
    panel's change is refused naming them, the box shows theirs, and re-applying succeeds."""
    from desktop.review.not_applicable import NotApplicablePanel
    from local_db.collector import open_collector
    from local_db.review import collector as rc
    from local_db.review import overturns
    from local_db.review.versions import audit_rows
    from tests.local_db.review_support import REVIEWER

    u = Units(3, seed=7)
    conn, sha = _merged_three(tmp_path, u)
    rc.start_review(conn, sha, OUT_OF, REVIEWER)
    conn.close()
    store = CollectorStore(tmp_path / "c.sqlite")
    panel = NotApplicablePanel(store, sha, OUT_OF, officer=lambda: "Lan")
    qtbot.addWidget(panel)
    panel.show()
    other = open_collector(str(tmp_path / "c.sqlite"))
    overturns.set_overturned(other, sha, "1.2", True, note="Có họp", officer="Bình")
    overturns.set_overturned(other, sha, "1.2", False, officer="Bình")  # back to accepted
    # Lan, on what she read (version 0), overturns it: refused, naming Bình
    panel.boxes["1.2"].setChecked(True)
    assert "Bình" in panel.message.text() and panel.reapply_button.isVisible()
    assert not panel.boxes["1.2"].isChecked()  # the newer value (accepted) is shown
    assert store.overturned_marks(sha) == {}
    with qtbot.waitSignal(panel.changed):
        panel.reapply()
    assert store.overturned_marks(sha) == {"1.2": ""} and panel.boxes["1.2"].isChecked()
    assert not panel.reapply_button.isVisible()
    rows = audit_rows(other, f"{sha}/overturn/")
    assert [(r.version, r.officer) for r in rows] == [(1, "Bình"), (2, "Bình"), (3, "Lan")]
    other.close()
