"""The Windows-only storage paths, driven on Linux through their functions with fakes (the
hosted Windows runner of .github/workflows/windows.yml runs them for real)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from local_db.location import DRIVE_REMOTE, drive_is_remote
from local_db.lock import msvcrt_lock

LK_NBLCK, LK_UNLCK = 2, 0  # msvcrt's values


def test_the_lock_takes_one_byte_far_beyond_the_pid_and_leaves_the_file_at_its_start(
    tmp_path: Path,
) -> None:
    calls: list[tuple[int, int, int, int]] = []

    def locking(fd: int, mode: int, size: int) -> None:
        calls.append((fd, mode, size, os.lseek(fd, 0, os.SEEK_CUR)))

    fd = os.open(tmp_path / "dti-desk.lock", os.O_RDWR | os.O_CREAT)
    try:
        msvcrt_lock(fd, locking, LK_NBLCK)
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0  # the pid is then written at the start
        msvcrt_lock(fd, locking, LK_UNLCK)
    finally:
        os.close(fd)
    assert calls == [(fd, LK_NBLCK, 1, 1 << 20), (fd, LK_UNLCK, 1, 1 << 20)]


def test_a_refused_lock_still_puts_the_file_back_at_its_start(tmp_path: Path) -> None:
    def locking(fd: int, mode: int, size: int) -> None:
        raise PermissionError(13, "another dti-desk holds it")

    fd = os.open(tmp_path / "dti-desk.lock", os.O_RDWR | os.O_CREAT)
    try:
        with pytest.raises(PermissionError):
            msvcrt_lock(fd, locking, LK_NBLCK)
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0
    finally:
        os.close(fd)


def test_a_mapped_network_drive_is_remote_and_a_local_one_is_not() -> None:
    asked: list[str] = []

    def drive_type(root: str) -> int:
        asked.append(root)
        return DRIVE_REMOTE if root == "Z:\\" else 3  # DRIVE_FIXED

    assert drive_is_remote("Z:", drive_type) is True
    assert drive_is_remote("C:", drive_type) is False
    assert drive_is_remote("", drive_type) is False  # no drive letter: never asked
    assert asked == ["Z:\\", "C:\\"]
