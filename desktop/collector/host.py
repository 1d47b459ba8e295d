"""What the collector window's parts (the data menu, the exports) use of the window.

A base class the window derives from, declaring those attributes, so ``data_menu`` and
``exports`` name the window's type without importing ``window`` (which imports them)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop.collector.session import CollectorSession
from desktop.qt import QDialog, QLabel, QMainWindow, QProgressBar, QSpinBox, Signal
from desktop.settings import Settings
from desktop.tasks import TaskRunner
from forms.criteria import CriteriaSet
from forms.ranking import Ranking
from local_db.collector import CollectorStore

AskSavePath = Callable[[str, str, str], str]


class CollectorHost(QMainWindow):
    exported = Signal(str)  # path written

    store: CollectorStore
    runner: TaskRunner
    db_path: Path  # the embedded SQLite file (the store may be a server instead)
    session: CollectorSession
    trust: Any
    trust_path: Path
    criteria_sets: list[CriteriaSet]
    settings: Settings | None
    status_label: QLabel
    progress: QProgressBar
    year_spin: QSpinBox
    ranking: Ranking | None
    ask_save_path: AskSavePath
    exec_dialog: Callable[[QDialog], bool]
    after_show: list[Callable[[], None]]  # run once the views show the next read
    bundle_signer: Callable[[], Any] | None = None  # returns a Signer, or None when cancelled
    collector_name: str = ""

    # what the window does with them, set by the window itself
    not_busy: Callable[[], None]  # progress hidden, the actions enabled again
    show_progress: Callable[[int, int], None]  # (done, total)
    switch_store: Callable[[CollectorStore], None]  # work on another database from now on
