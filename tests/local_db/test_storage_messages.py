"""Hole 11: an open that fails says why: permission, disk full, in use, damaged; a restore is
offered only for a damaged file.

The checks run against the real thing: a folder the process may not write (root ignores
permission bits, so as root the child drops CAP_DAC_OVERRIDE with ``setpriv`` and obeys them
like any officer's account), a real full file system (a 2 MB tmpfs mounted in a private mount
namespace with ``unshare``, gone when the child exits) and a real SQLite lock held by another
process.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from local_db import DatabaseDamaged, DatabaseLocked, backup, open_database
from local_db.errors import (
    DatabaseBusy,
    DataFolderReadOnly,
    DiskError,
    DiskFull,
    storage_class,
)
from local_db.paths import DB_FILE

ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}

# Opens the data folder argv[1] and prints what came of it as JSON (the child's verdict).
OPEN_AND_REPORT = """
import json, sys
from pathlib import Path
from local_db import open_database
from local_db.errors import StorageError
try:
    open_database(Path(sys.argv[1])).close()
    print(json.dumps({"type": "opened"}))
except StorageError as error:
    print(json.dumps({"type": type(error).__name__, "code": getattr(error, "code", None), "message": str(error)}))
"""

# As OPEN_AND_REPORT, after filling the file system that holds the data folder to the last byte.
FILL_THEN_OPEN = """
import errno, sys
from pathlib import Path
from local_db import open_database
data = Path(sys.argv[1])
open_database(data).close()
with open(data.parent / "filler", "wb", buffering=0) as filler:
    try:
        while True:
            filler.write(b"\\0" * 4096)
    except OSError as error:
        assert error.errno == errno.ENOSPC, error
"""


def _obeying_permissions(command: list[str]) -> list[str]:
    """``command`` run so that file permission bits apply to it, even when the tests run as root."""
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")  # util-linux, installed with every Debian system
    assert setpriv, "setpriv (util-linux) is needed to drop root's permission override"
    caps = "-dac_override,-dac_read_search"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", "--", *command]


def _child_verdict(command: list[str]) -> dict[str, str]:
    done = subprocess.run(command, env=ENV, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _make_database(data_dir: Path) -> None:
    with open_database(data_dir):
        pass


def _assert_no_restore_offered(message: str) -> None:
    assert "restore" not in message and "bị hỏng" not in message and "WAL" not in message


@pytest.mark.parametrize("what", ["folder", "files", "database"])
def test_hole11_read_only_data_folder_is_not_reported_as_damaged_or_as_no_wal(
    data_dir: Path, what: str
) -> None:
    """A data folder the officer may only read (a write-protected USB stick, a copy from a CD,
    a folder of another account) was reported as "WAL not supported" or as a damaged database
    with a restore offered: restoring would not help and might overwrite a healthy file."""
    _make_database(data_dir)
    healthy = (data_dir / DB_FILE).read_bytes()
    if what == "folder":
        data_dir.chmod(0o555)
    else:  # every file, or only the database (SQLite opened it read-only without a word)
        for path in data_dir.iterdir():
            if path.is_file() and (what == "files" or path.name.startswith(DB_FILE)):
                path.chmod(0o444)
    try:
        verdict = _child_verdict(
            _obeying_permissions([sys.executable, "-c", OPEN_AND_REPORT, str(data_dir)])
        )
    finally:
        data_dir.chmod(0o755)
        for path in data_dir.iterdir():
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert verdict["type"] == "DataFolderReadOnly", verdict
    assert verdict["code"] == "db.read_only"
    assert str(data_dir) in verdict["message"] and "chỉ cho phép đọc" in verdict["message"]
    _assert_no_restore_offered(verdict["message"])
    assert (data_dir / DB_FILE).read_bytes() == healthy


def _in_private_tmpfs(folder: Path, script: str, data_dir: Path) -> list[str]:
    """A command running ``script`` with a 2 MB tmpfs on ``folder``, in a mount namespace of its
    own: the mount is invisible outside the child and disappears with it."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare (util-linux) is needed to mount a small file system")
    namespace = ["--mount", "--propagation", "private"]
    if os.geteuid() != 0:
        namespace = ["--user", "--map-root-user", *namespace]
    probe = subprocess.run([unshare, *namespace, "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip(f"no mount namespace here: {probe.stderr!r}")
    shell = 'mount -t tmpfs -o size=2m dti-test "$1" && "$2" -c "$3" "$4" && "$2" -c "$5" "$4"'
    return [unshare, *namespace, "sh", "-c", shell, "sh", str(folder), sys.executable,
            script, str(data_dir), OPEN_AND_REPORT]  # fmt: skip


def test_hole11_full_disk_at_reopen_is_reported_as_disk_full_not_as_no_wal(
    tmp_path: Path,
) -> None:
    """The disk filled up while the app was closed; the next start said the folder "does not
    support WAL" and sent the officer looking for another folder instead of freeing space."""
    small = tmp_path / "small-disk"
    small.mkdir()
    verdict = _child_verdict(_in_private_tmpfs(small, FILL_THEN_OPEN, small / "data"))
    assert verdict["type"] == "DiskFull", verdict
    assert verdict["code"] == "db.disk_full"
    assert str(small / "data") in verdict["message"] and "đầy" in verdict["message"]
    _assert_no_restore_offered(verdict["message"])


@pytest.fixture
def short_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLite waits 10 s for a lock before giving up; the verdict is the same after 0.3 s."""
    monkeypatch.setattr(backup, "READ_TIMEOUT_S", 0.3, raising=False)


HOLD_SQLITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("PRAGMA locking_mode = EXCLUSIVE")
conn.execute("BEGIN EXCLUSIVE")
print("held", flush=True)
sys.stdin.readline()
"""


def _holding_sqlite_lock(path: Path) -> subprocess.Popen[str]:
    """Another program (backup tool, antivirus, a database browser) holding the file's lock."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SQLITE_LOCK, str(path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_hole11_database_held_by_another_program_is_in_use_not_damaged(
    data_dir: Path, short_wait: None
) -> None:
    """A database another program kept locked at start-up was declared damaged ("database is
    locked" as the damage) with a restore offered over a healthy file."""
    _make_database(data_dir)
    holder = _holding_sqlite_lock(data_dir / DB_FILE)
    try:
        with pytest.raises(DatabaseBusy) as caught:
            open_database(data_dir)
        report = backup.check(data_dir)  # `dti-desk db check` says the same
    finally:
        holder.communicate("\n", timeout=30)
    assert caught.value.code == "db.locked"
    assert str(data_dir) in str(caught.value) and "chương trình khác" in str(caught.value)
    _assert_no_restore_offered(str(caught.value))
    assert [p.code for p in report.problems] == ["db.locked"]
    _assert_no_restore_offered(report.problems[0].message)
    with open_database(data_dir) as db:  # once the other program let go, all is well
        assert db.is_open


def test_another_dti_desk_holding_the_folder_says_in_use(data_dir: Path) -> None:
    with open_database(data_dir), pytest.raises(DatabaseLocked) as caught:
        open_database(data_dir)
    assert caught.value.code == "db.locked" and "đang được" in str(caught.value)
    _assert_no_restore_offered(str(caught.value))


def test_garbage_database_is_damaged_and_still_offers_the_restore(data_dir: Path) -> None:
    _make_database(data_dir)
    good = backup.backups(data_dir, backup.AUTO)[0]
    (data_dir / DB_FILE).write_bytes(b"\x00garbage, not SQLite\xff" * 500)
    for suffix in ("-wal", "-shm"):
        Path(f"{data_dir / DB_FILE}{suffix}").unlink(missing_ok=True)
    with pytest.raises(DatabaseDamaged) as caught:
        open_database(data_dir)
    assert caught.value.code == "db.damaged" and caught.value.backup == good
    assert f"dti-desk db restore {good}" in str(caught.value)


def _sqlite_error(code: int, text: str) -> sqlite3.Error:
    error = sqlite3.OperationalError(text)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]  # as SQLite sets it
    return error


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (OSError(errno.EACCES, "Permission denied"), DataFolderReadOnly),
        (OSError(errno.EPERM, "Operation not permitted"), DataFolderReadOnly),
        (OSError(errno.EROFS, "Read-only file system"), DataFolderReadOnly),
        (OSError(errno.ENOSPC, "No space left on device"), DiskFull),
        (OSError(errno.EIO, "Input/output error"), DiskError),
        (_sqlite_error(1544, "attempt to write a readonly database"), DataFolderReadOnly),
        (_sqlite_error(13, "database or disk is full"), DiskFull),
        (_sqlite_error(5, "database is locked"), DatabaseBusy),
        (_sqlite_error(6, "database table is locked"), DatabaseBusy),
        (_sqlite_error(11, "database disk image is malformed"), DatabaseDamaged),
        (_sqlite_error(26, "file is not a database"), DatabaseDamaged),
        (_sqlite_error(522, "disk I/O error"), DiskError),
        (_sqlite_error(1, "no such table: x"), None),  # a bug, not the environment
    ],
)
def test_errors_are_sorted_by_what_the_officer_can_do(
    error: BaseException, kind: type | None
) -> None:
    assert storage_class(error) is kind
