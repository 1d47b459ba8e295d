"""The collector window's ranking over both criteria sets (issue 16): one column per scored
pillar (none for an information block), "n/m" targets met for a set with targets."""

from __future__ import annotations

from desktop.collector.models import RankingModel
from desktop.collector.window import CollectorWindow
from desktop.qt import Qt
from desktop.tasks import TaskRunner
from local_db.collector import merge_paths, open_collector
from local_db.collector.reports import ranking_for_year
from tests.both_sets import answers_for, province_file, targets_met_for, trust_province
from tests.local_db.collector_support import Units

LEVELS = (4, 2, 0)


def test_ranking_model_and_window_over_both_sets(qtmodeltester, qtbot, tmp_path, both_sets):
    cs = both_sets
    units = Units(len(LEVELS), seed=5)
    data = province_file(cs, units.codes)  # the province's figures, None for the reference
    for code, level in zip(units.codes, LEVELS, strict=True):
        units.package(
            tmp_path / "p", code, criteria_set=cs, given=answers_for(cs, level), province_data=data
        )
    conn = open_collector(tmp_path / "c.sqlite")
    assert merge_paths(conn, [tmp_path / "p"], trust_province(units.trust), [cs]).accepted == 3
    model = RankingModel()
    model.set_ranking(ranking_for_year(conn, 2025, [cs]))
    qtmodeltester.check(model)
    heads = [
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.DisplayRole)
        for c in range(model.columnCount())
    ]
    assert [h for h in heads if h in {p.name for p in cs.pillars}] == [
        p.name for p in cs.pillars if not p.unscored
    ]
    if cs.targets():
        col = heads.index("Chỉ tiêu đạt")
        n = len(cs.targets())
        shown = [model.index(r, col).data() for r in range(model.rowCount())]
        assert shown == [f"{targets_met_for(cs, lv)}/{n}" for lv in LEVELS]
    else:
        assert "Chỉ tiêu đạt" not in heads
    conn.close()
    window = CollectorWindow(
        tmp_path / "c.sqlite", units.trust, [cs], TaskRunner(synchronous=True), year=2025
    )
    qtbot.addWidget(window)
    window.show()
    assert window.ranking_model.rowCount() == len(LEVELS)


def test_reviewer_screen_over_both_sets(qtbot, tmp_path, both_sets):
    """Every reviewable indicator shows; a 0-point target offers "met" instead of points, and
    unticking it overturns the commune's answer (issue 16)."""
    from desktop.collector.session import CollectorSession
    from desktop.review.reviewer import ReviewerScreen
    from forms.review.scoring import counted_only, reviewable, verified_score
    from local_db.collector import CollectorStore
    from local_db.review import collector as rc
    from tests.local_db.review_support import REVIEWER

    cs = both_sets
    units = Units(1, seed=6)
    path = units.package(
        tmp_path / "p", units.codes[0], criteria_set=cs, given=answers_for(cs, 4),
        province_data=province_file(cs, units.codes),
    )  # fmt: skip
    store = CollectorStore(tmp_path / "c.sqlite")
    store.merge([path], trust_province(units.trust), [cs])
    sha = store.conn.execute("SELECT manifest_sha256 FROM submissions").fetchone()[0]
    screen = ReviewerScreen(
        CollectorSession(store, TaskRunner(synchronous=True), officer="Trần Văn Bình"),
        sha,
        cs,
        REVIEWER,
    )
    qtbot.addWidget(screen)
    screen.show()
    for ind in reviewable(cs):
        screen.select(ind.code)
        assert screen.title.text().startswith(f"{ind.code}. ")
        assert screen.met.isVisible() is counted_only(ind)
    zero = [t for t in cs.targets() if counted_only(t)]
    if zero:
        screen.select(zero[0].code)
        assert screen.met.isChecked()  # met by the commune's answers
        screen.met.setChecked(False)
        assert screen.save_current()
        review = rc.load_review(store.conn, sha)
        assert review.items[zero[0].code].status.value == "adjusted"
        from desktop.review.items_model import SELF, VERIFIED

        row = screen.model.row_of(zero[0].code)
        cells = [screen.model.index(row, c).data() for c in (SELF, VERIFIED)]
        assert cells == ["Đạt", "Chưa đạt"]
        assert verified_score(cs, review).targets_met == len(cs.targets()) - 1
    store.close()
