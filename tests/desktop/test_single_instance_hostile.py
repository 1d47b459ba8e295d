"""Hole 10: the single-instance channel cannot be jammed, hung or guessed.

Real sockets throughout: a raw socket that connects and says nothing, a listener that never
answers. Each test waits for the outcome on a worker thread with a generous limit, so the code
before the fix (which hung) fails the test instead of hanging the run.
"""

from __future__ import annotations

import shutil
import socket
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from desktop import single_instance
from desktop.single_instance import KEY_FILE, FileReceiver, forward, forward_when_up

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="Unix sockets; pipes: see module")

WAIT = 20.0  # seconds: far above what a hand-over takes, far below "hangs"


@pytest.fixture(autouse=True)
def _own_socket_folder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A socket folder of the test's own (short: a Unix socket path is at most 108 bytes), so
    no test touches the one a running app or a parallel test run uses."""
    base = Path(tempfile.mkdtemp(prefix="dti-si-"))
    monkeypatch.setattr(single_instance, "SOCKET_BASE", base, raising=False)
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _finishes(work: Callable[[], object], seconds: float = WAIT) -> tuple[bool, object]:
    """(finished, result) of ``work`` run on a daemon thread for at most ``seconds``."""
    result: list[object] = []
    worker = threading.Thread(target=lambda: result.append(work()), daemon=True)
    worker.start()
    worker.join(seconds)
    return (not worker.is_alive(), result[0] if result else None)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


@pytest.fixture
def package(tmp_path: Path) -> Path:
    file = tmp_path / "xã-08001.dtipkg"
    file.write_bytes(b"PK")
    return file


def test_hole10_silent_connection_does_not_block_a_later_hand_over(
    qtbot, monkeypatch: pytest.MonkeyPatch, data: Path, package: Path
) -> None:
    """Anyone able to connect used to jam the app: one connection that sends nothing held the
    listening thread in the handshake, and every later `dti-desk open` hung behind it."""
    # the server gives up on a silent caller only after a minute: the hand-over below must
    # get through while the silent ones are still connected, not after they time out
    monkeypatch.setattr(single_instance, "CONNECTION_TIMEOUT", 60.0, raising=False)
    receiver = FileReceiver(data)
    silent = []
    try:
        for _ in range(3):
            raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            raw.connect(receiver._address)
            silent.append(raw)
        # 15 s per step, not the default 3: on a loaded 2-core machine (a CI run beside four
        # other jobs) the handshake alone took over 5 s and the test failed for the load, not
        # for a blocked listener; a blocked one would hold the caller the silent ones' 60 s
        with qtbot.waitSignal(receiver.file_received, timeout=45_000) as got:
            finished, handed = _finishes(lambda: forward(data, package, timeout=15.0), 40.0)
        assert finished and handed is True
        assert got.args == [str(package.resolve())]
    finally:
        for raw in silent:
            raw.close()
        receiver.close()


def test_hole10_client_against_a_listener_that_never_answers_returns(
    data: Path, package: Path
) -> None:
    """A listener that accepts nothing and answers nothing (a hung app, or a squatter on the
    address) used to hang `dti-desk open` for ever: the client had no timeout at all."""
    receiver = FileReceiver(data)  # the address the app would use, then a mute one there
    address = receiver._address
    receiver.close()
    mute = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        Path(address).unlink(missing_ok=True)
        mute.bind(address)
        mute.listen(8)  # connections are queued by the kernel and never accepted
        finished, handed = _finishes(lambda: forward(data, package, timeout=0.5))
    finally:
        mute.close()
    assert finished, "forward() hung on a listener that never answers"
    assert handed is False


def test_hole10_channel_address_is_random_and_in_a_private_folder(data: Path) -> None:
    """The address was a hash of the data folder's path in the shared temp folder: anyone who
    knew the path could find the socket (or take the name first)."""
    first = FileReceiver(data)
    first_address = first._address
    first.close()
    (data / KEY_FILE).unlink()  # a new key: the same data folder gets a new address
    second = FileReceiver(data)
    try:
        assert second._address != first_address
        folder = Path(second._address).parent
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((data / KEY_FILE).stat().st_mode) == 0o600
    finally:
        second.close()


def test_a_socket_folder_open_to_others_is_refused(
    _own_socket_folder: Path, data: Path, package: Path
) -> None:
    """A folder planted (or loosened) in the shared temp folder is not trusted to hold the socket."""
    planted = _own_socket_folder / f"dti-desk-{single_instance.os.getuid()}"
    planted.mkdir(mode=0o777)
    planted.chmod(0o777)
    with pytest.raises(OSError):
        FileReceiver(data)
    assert forward(data, package) is False


def test_a_flood_of_silent_callers_is_bounded(
    qtbot, monkeypatch: pytest.MonkeyPatch, data: Path, package: Path
) -> None:
    """More silent callers than handler slots: the extra ones are dropped at once, and once the
    silent ones time out a real hand-over gets through again."""
    monkeypatch.setattr(single_instance, "CONNECTION_TIMEOUT", 0.5)
    monkeypatch.setattr(single_instance, "MAX_HANDLERS", 2)
    receiver = FileReceiver(data)
    silent = []
    try:
        for _ in range(4):
            raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            raw.connect(receiver._address)
            silent.append(raw)
        with qtbot.waitSignal(receiver.file_received, timeout=int(WAIT * 1000)):
            finished, handed = _finishes(lambda: forward_when_up(data, package, wait=WAIT / 2))
        assert finished and handed is True
    finally:
        for raw in silent:
            raw.close()
        receiver.close()
