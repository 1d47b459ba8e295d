"""Kept copies of sent packages: exact bytes, recognised only when undamaged, written whole."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from forms.packages.build import build_package
from local_db import sent_packages
from local_db.errors import StorageError
from tests.forms.packages.helpers import ed_signer, read_entry, rezip, submission

SID = "7b0a4c2e-52c4-4f5e-9a43-6c3a0f3d9a10"


@pytest.fixture
def package(tmp_path) -> Path:
    return build_package(submission(), ed_signer(1), tmp_path / "out")


def _manifest_sha(path: Path) -> str:
    return hashlib.sha256(read_entry(path, "manifest.json")).hexdigest()


def test_a_kept_copy_is_the_same_bytes_and_is_found_again(tmp_path, package):
    data = tmp_path / "data"
    kept = sent_packages.keep(data, package)
    assert kept == data / "sent" / f"{SID}.dtipkg"
    assert kept.read_bytes() == package.read_bytes()
    assert sent_packages.keep(data, package) == kept  # again: no error, same file
    assert sent_packages.kept_copy(data, SID, _manifest_sha(package)) == kept
    usb = tmp_path / "usb"
    usb.mkdir()
    out = sent_packages.save_copy(kept, usb / package.name)
    assert out.read_bytes() == package.read_bytes()
    assert [p.name for p in usb.iterdir()] == [package.name]  # no temporary file left


def test_a_copy_that_is_not_the_recorded_package_is_not_handed_out(tmp_path, package):
    data = tmp_path / "data"
    kept = sent_packages.keep(data, package)
    # another manifest than the one recorded at export
    assert sent_packages.kept_copy(data, SID, "0" * 64) is None
    # an evidence file damaged on disk: the manifest still matches, the package does not
    with zipfile.ZipFile(package) as zf:
        evidence = next(n for n in zf.namelist() if n.startswith("evidence/"))
    rezip(package, kept, replace={evidence: b"hong"})
    assert sent_packages.kept_copy(data, SID, _manifest_sha(package)) == kept  # quick check
    usb = tmp_path / "usb"
    usb.mkdir()
    with pytest.raises(StorageError, match=f"{SID}.dtipkg.*bị hỏng"):
        sent_packages.save_copy(kept, usb / package.name)
    assert list(usb.iterdir()) == []
    # not a zip at all, and gone
    kept.write_bytes(b"not a zip")
    assert sent_packages.kept_copy(data, SID, _manifest_sha(package)) is None
    kept.unlink()
    assert sent_packages.kept_copy(data, SID, _manifest_sha(package)) is None


def test_a_save_is_whole_or_nothing(tmp_path, package):
    kept = sent_packages.keep(tmp_path / "data", package)
    with pytest.raises(OSError):
        sent_packages.save_copy(kept, tmp_path / "missing-folder" / package.name)
    target = tmp_path / "usb"
    target.mkdir()
    (target / package.name).write_bytes(b"an older file the officer chose to replace")
    sent_packages.save_copy(kept, target / package.name)
    assert (target / package.name).read_bytes() == package.read_bytes()
    assert len(list(target.iterdir())) == 1


def test_submission_ids_that_are_not_safe_file_names_are_refused(tmp_path):
    for bad in ("../x", "a/b", "", "..", "a\\b"):
        with pytest.raises(ValueError):
            sent_packages.kept_path(tmp_path, bad)
        assert sent_packages.kept_copy(tmp_path, bad, "0" * 64) is None
