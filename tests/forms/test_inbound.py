"""forms.inbound: the one way to read a file from outside (issue 12, hole 4)."""

import os
import threading

import pytest

from forms.inbound import InboundRejected, open_inbound, read_bounded, read_inbound


def _code(path, limit=1024):
    with pytest.raises(InboundRejected) as caught:
        read_inbound(path, limit)
    return caught.value.problem


def test_hole4_dev_zero_is_refused_without_reading():
    """/dev/zero made `package verify` read until MemoryError: it is a device, not read at all."""
    assert _code("/dev/zero").code == "not_regular_file"


def test_hole4_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    """A FIFO in the inbox hung the reader: opening it must not block, and it is refused."""
    fifo = tmp_path / "goi.dtipkg"
    os.mkfifo(fifo)
    done: list[str] = []
    worker = threading.Thread(target=lambda: done.append(_code(fifo).code), daemon=True)
    worker.start()
    worker.join(10)
    assert done == ["not_regular_file"]


def test_hole4_sparse_file_over_the_limit_is_refused_before_reading(tmp_path):
    """A 4 GB sparse file cost 4.2 GB of memory before the size check: the check comes first."""
    big = tmp_path / "big.dtipkg"
    with open(big, "wb") as handle:
        handle.truncate(4 * 1024**3)
    problem = _code(big, limit=512 * 1024 * 1024)
    assert problem.code == "file_too_large"
    assert "big.dtipkg" in problem.message and problem.where == str(big)


def test_folder_and_missing_file(tmp_path):
    assert _code(tmp_path).code == "not_regular_file"
    assert _code(tmp_path / "nope.json").code == "file_unreadable"


def test_a_file_that_grows_past_the_limit_after_the_check_is_refused(tmp_path):
    """st_size is only a hint: the bounded read stops one byte past the limit."""
    path = tmp_path / "growing.json"
    path.write_bytes(b"x" * 10)
    with open_inbound(path, 100) as (handle, size):
        assert size == 10
        with open(path, "ab") as more:
            more.write(b"y" * 200)
        with pytest.raises(InboundRejected) as caught:
            read_bounded(handle, 100, path)
    assert caught.value.problem.code == "file_too_large"


def test_regular_file_at_the_limit_is_read_whole(tmp_path):
    path = tmp_path / "ok.json"
    path.write_bytes(b"a" * 100)
    assert read_inbound(path, 100) == b"a" * 100
    assert _code(path, limit=99).code == "file_too_large"
