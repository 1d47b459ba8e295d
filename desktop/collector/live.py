"""The collector window follows the other officers' writes (``local_db.collector.feed``).

``LiveFeed`` turns "someone else wrote" into the session's ``changed(ALL_YEARS)``, on the GUI
thread, so the views re-read exactly as after the window's own actions:

- PostgreSQL: a ``feed.Listener`` on its own connection and thread; its callbacks cross to the
  GUI thread through a queued signal. Writes of the window's own connections are left out (the
  session announced them already), so a refresh never causes another;
- SQLite: a ``QTimer`` every ``POLL_MS`` reads ``PRAGMA data_version`` on the window's
  connection; not while the session's own work runs (its merge commits in batches, announced
  once when done), and the baseline is read again after each ``changed``.

Several notifications close together (another officer's merge commits batch after batch) make
one refresh per ``SETTLE_MS``, the first ``SETTLE_MS`` after the first of them. A lost server is a status-bar sentence and a reconnection with
backoff, never an error dialog.
"""

from __future__ import annotations

import contextlib

from desktop.collector.session import CollectorSession
from desktop.qt import QObject, QTimer, Signal
from forms.i18n import _
from local_db.collector import feed

POLL_MS = 2000  # SQLite: how often data_version is read
# notifications this close together make one refresh: another officer's long merge commits
# batch after batch, the window re-reads at most once a second
SETTLE_MS = 1000


class LiveFeed(QObject):
    status = Signal(str)  # a sentence for the status bar (lost, back)
    _remote = Signal()  # from the listener's thread: something was written elsewhere
    _state = Signal(str)  # from the listener's thread: feed.LOST / feed.BACK

    def __init__(self, session: CollectorSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.listener: feed.Listener | None = None
        self._version: int | None = None
        self._poll = QTimer(self)
        self._poll.setInterval(POLL_MS)
        self._poll.timeout.connect(self.poll)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(self._announce)
        self._remote.connect(self._arrived)
        self._state.connect(self._tell)
        session.changed.connect(self._rebase)

    def start(self) -> None:
        """Follow the session's store (again, after ``stop``, for a new store)."""
        self.stop()
        store = self.session.store
        url = store.url
        if url is None:
            self._version = self._read_version()
            self._poll.start()
            return
        self.listener = feed.Listener(
            url, self._remote.emit, self._state.emit, lambda: set(store.backend_pids)
        ).start()

    def stop(self) -> bool:
        """Stop following; True when the listener's thread has ended (within ~0.5 s)."""
        self._poll.stop()
        self._settle.stop()
        listener, self.listener = self.listener, None
        return listener.stop() if listener is not None else True

    # --- SQLite ---------------------------------------------------------------------------

    def _read_version(self) -> int | None:
        store = self.session.store
        if store.closed:
            return None
        try:
            return store.data_version()
        except Exception:  # noqa: BLE001 - a locked or vanished file: the next poll tries again
            return None

    def poll(self) -> None:
        if self.session.runner.active:
            return  # the session's own work: announced when done (``_rebase`` then)
        version = self._read_version()
        if version is None:
            return
        if self._version is not None and version != self._version:
            self._version = version
            self._arrived()
        self._version = version

    def _rebase(self, _year: int) -> None:
        """After every ``changed`` (the session's own writes included): what is shown now is
        what the database holds, so only later writes count."""
        if self._poll.isActive():
            self._version = self._read_version()

    # --- both -----------------------------------------------------------------------------

    def _arrived(self) -> None:
        if not self._settle.isActive():
            self._settle.start()

    def _announce(self) -> None:
        with contextlib.suppress(RuntimeError):  # the store closed meanwhile
            self.session.external_change()

    def _tell(self, state: str) -> None:
        name = self.session.store.name
        if state == feed.LOST:
            self.status.emit(
                _(
                    "Mất kết nối tới cơ sở dữ liệu {name}; đang thử kết nối lại. Dữ liệu hiển thị có thể chưa mới nhất.",
                    name=name,
                )
            )
        else:
            self.status.emit(_("Đã kết nối lại cơ sở dữ liệu {name}.", name=name))
