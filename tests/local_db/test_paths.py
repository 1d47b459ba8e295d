"""Where data lives: --data-dir, DTI_DATA_DIR, portable mode, OS folders; network folders refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from local_db import UnsafeLocation, resolve_data_dir
from local_db.location import check_location, is_unc, linux_fs_type, wal_works
from local_db.paths import PORTABLE_MARKER, user_data_dir


def test_cli_value_wins(tmp_path: Path) -> None:
    exe = tmp_path / "usb"
    exe.mkdir()
    (exe / PORTABLE_MARKER).touch()
    env = {"DTI_DATA_DIR": str(tmp_path / "env")}
    assert resolve_data_dir(str(tmp_path / "cli"), exe_dir=exe, env=env) == tmp_path / "cli"


def test_environment_variable_next(tmp_path: Path) -> None:
    env = {"DTI_DATA_DIR": str(tmp_path / "env")}
    assert resolve_data_dir(None, exe_dir=None, env=env) == tmp_path / "env"


def test_portable_marker_keeps_data_beside_the_executable(tmp_path: Path) -> None:
    exe = tmp_path / "usb"
    exe.mkdir()
    assert resolve_data_dir(None, exe_dir=exe, env={}, platform="win32") != exe / "data"
    (exe / PORTABLE_MARKER).touch()
    assert resolve_data_dir(None, exe_dir=exe, env={}, platform="win32") == exe / "data"


@pytest.mark.parametrize(
    ("platform", "env", "expected_tail"),
    [
        (
            "win32",
            {"LOCALAPPDATA": "/profiles/lan/AppData/Local"},
            "/profiles/lan/AppData/Local/dti-desk",
        ),
        ("linux", {"XDG_DATA_HOME": "/home/lan/.data"}, "/home/lan/.data/dti-desk"),
        ("linux", {"XDG_DATA_HOME": "relative/ignored"}, ".local/share/dti-desk"),
        ("linux", {}, ".local/share/dti-desk"),
        ("darwin", {}, "Library/Application Support/dti-desk"),
    ],
)
def test_os_user_folders(platform: str, env: dict[str, str], expected_tail: str) -> None:
    assert user_data_dir(env, platform).as_posix().endswith(expected_tail)
    assert resolve_data_dir(None, exe_dir=None, env=env, platform=platform) == user_data_dir(
        env, platform
    )


@pytest.mark.parametrize(
    ("path", "unc"),
    [
        (r"\\server\share\dti", True),
        ("//server/share/dti", True),
        (r"\\?\C:\data", False),  # extended-length local path
        (r"C:\Users\lan\AppData\Local\dti-desk", False),
        ("/home/lan/.local/share/dti-desk", False),
    ],
)
def test_unc_paths(path: str, unc: bool) -> None:
    assert is_unc(path) == unc


def test_unc_folder_is_refused_with_a_clear_message() -> None:
    with pytest.raises(UnsafeLocation, match="thư mục mạng"):
        check_location(Path(r"\\may-chu\chia-se\dti"), platform="win32")


MOUNTS = """\
/dev/sda1 / ext4 rw,relatime 0 0
server:/export /mnt/nfs nfs4 rw 0 0
//pc-van-thu/share /mnt/van\\040thu cifs rw 0 0
/dev/sdb1 /mnt/nfs/local ext4 rw 0 0
"""


@pytest.mark.parametrize(
    ("path", "fs"),
    [
        ("/home/lan", "ext4"),
        ("/mnt/nfs/dti", "nfs4"),
        ("/mnt/van thu/dti", "cifs"),
        ("/mnt/nfs/local/x", "ext4"),
        ("/mnt/nfsx", "ext4"),
    ],
)
def test_linux_mount_lookup(path: str, fs: str) -> None:
    assert linux_fs_type(Path(path), MOUNTS) == fs


def test_local_folder_passes_and_wal_probe_cleans_up(tmp_path: Path) -> None:
    assert wal_works(tmp_path)
    check_location(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_folder_where_wal_cannot_work_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    real_connect = sqlite3.connect

    class NoWal:  # what a network file system answers: journal_mode stays "delete"
        def __init__(self, *args: object, **kwargs: object) -> None:
            self.conn = real_connect(*args, **kwargs)

        def execute(self, sql: str, *args: object):
            if "journal_mode" in sql:
                return self.conn.execute("PRAGMA journal_mode = DELETE")
            return self.conn.execute(sql, *args)

        def commit(self) -> None:
            self.conn.commit()

        def close(self) -> None:
            self.conn.close()

    monkeypatch.setattr("local_db.location.sqlite3.connect", NoWal)
    with pytest.raises(UnsafeLocation, match="WAL"):
        check_location(tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_probe_files_left_by_a_crash_are_removed_at_open(data_dir: Path) -> None:
    import os
    import time

    from local_db import open_database

    data_dir.mkdir(parents=True)
    stale = data_dir / ".wal-probe-dead.sqlite-wal"
    stale.write_bytes(b"x")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    fresh = data_dir / ".wal-probe-live.sqlite"  # another process probing right now
    fresh.write_bytes(b"x")
    with open_database(data_dir):
        assert not stale.exists() and fresh.exists()


def test_the_core_names_the_reviewers_file_as_storage_does():
    """forms cannot import local_db: the one name the core needs is held equal here."""
    from forms.packages import trust
    from local_db import paths

    assert trust.REVIEWERS_FILE == paths.REVIEWERS_FILE
