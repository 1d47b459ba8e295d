"""The collector window's ranking over both criteria sets (issue 16): one column per scored
pillar (none for an information block), "n/m" targets met for a set with targets."""

from __future__ import annotations

from desktop.collector.models import RankingModel
from desktop.collector.window import CollectorWindow
from desktop.qt import Qt
from desktop.tasks import TaskRunner
from local_db.collector import merge_paths, open_collector
from local_db.collector.reports import ranking_for_year
from tests.both_sets import answers_for, targets_met_for
from tests.local_db.collector_support import Units

LEVELS = (4, 2, 0)


def test_ranking_model_and_window_over_both_sets(qtmodeltester, qtbot, tmp_path, both_sets):
    cs = both_sets
    units = Units(len(LEVELS), seed=5)
    for code, level in zip(units.codes, LEVELS, strict=True):
        units.package(tmp_path / "p", code, criteria_set=cs, given=answers_for(cs, level))
    conn = open_collector(tmp_path / "c.sqlite")
    merge_paths(conn, [tmp_path / "p"], units.trust, [cs])
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
