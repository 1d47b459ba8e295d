"""forms.atomic: the one atomic write every writer uses (issue 13: nine copies, three without
fsync)."""

import os
import stat

import pytest

from forms.atomic import atomic_write, write_bytes_atomic


def test_a_failed_write_leaves_the_old_content_and_no_temporary_file(tmp_path):
    target = tmp_path / "xep-hang.xlsx"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_write(target) as handle:
        handle.write(b"half of the new")
        raise RuntimeError("disk pulled")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xep-hang.xlsx"]


def test_a_whole_write_replaces_the_target_with_the_mode_asked(tmp_path):
    target = tmp_path / "bo-tieu-chi.json"
    write_bytes_atomic(target, b"{}", mode=0o644)
    assert target.read_bytes() == b"{}"
    if os.name != "nt":
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
        write_bytes_atomic(target, b"key", mode=0o600)
        assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bo-tieu-chi.json"]


def test_every_writer_uses_the_one_helper():
    """No module writes a temporary file and renames it on its own (the storage's evidence
    store and backups keep their own: a sweep and SQLite's backup API own those temp files)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    own = {"forms/atomic.py", "local_db/evidence_store.py", "local_db/backup.py"}
    found = {
        path.relative_to(root).as_posix()
        for folder in ("forms", "local_db", "desktop")
        for path in (root / folder).rglob("*.py")
        if "os.replace(" in path.read_text(encoding="utf-8")
    }
    assert found == own


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
@pytest.mark.parametrize(("umask", "expected"), [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_a_shared_file_gets_the_users_normal_permissions(tmp_path, umask, expected):
    """Regression (issue 14): rankings, bundles and reviews were written 0600 (``mkstemp``), so a
    colleague could not open the published table from a shared folder."""
    old = os.umask(umask)
    try:
        written = write_bytes_atomic(tmp_path / "xep-hang.csv", b"STT;Ten\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(written.stat().st_mode) == expected


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_private_file_is_never_readable_by_others_even_while_written(tmp_path):
    target = tmp_path / "signing.key"
    with atomic_write(target, mode=0o600):
        (temp,) = [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
        assert stat.S_IMODE(temp.stat().st_mode) == 0o600
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
