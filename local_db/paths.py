"""Where the data folder is: --data-dir, DTI_DATA_DIR, portable mode, or the OS's per-user folder.

The GUI could ask ``QStandardPaths``, but storage must work without Qt (CLI, tests), so the
same well-known locations are computed here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

APP_NAME = "dti-desk"
PORTABLE_MARKER = "dti-desk.portable"
DB_FILE = "dti-desk.sqlite"
LOCK_FILE = "dti-desk.lock"
EVIDENCE_DIR = "evidence"
BACKUPS_DIR = "backups"
KEYS_DIR = "keys"  # the officer's signing key and its public half
COLLECTOR_DB_FILE = "collector.sqlite"  # the collector's store (merged packages, reviews)
TRUST_FILE = "trust.json"  # the collector's trusted signers
REVIEWERS_FILE = (
    "reviewers.json"  # the commune's trusted reviewers (forms.packages.trust knows it too)
)


# the province's signed data files the commune imported, one per criteria set and year (issue 16)
PROVINCE_DATA_DIR = "province-data"


def executable_dir() -> Path | None:
    """The folder of the frozen executable; None when running from source (no portable mode)."""
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent
    return None


def user_data_dir(env: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if platform.startswith("win"):
        base = env.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / APP_NAME
    if platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    xdg = env.get("XDG_DATA_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / APP_NAME
    return Path.home() / ".local" / "share" / APP_NAME


def resolve_data_dir(
    cli_value: str | None = None,
    *,
    exe_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    platform: str | None = None,
) -> Path:
    """The data folder: ``--data-dir`` wins, then ``DTI_DATA_DIR``, portable mode, the OS folder."""
    env = os.environ if env is None else env
    if cli_value:
        return Path(cli_value).expanduser()
    if env.get("DTI_DATA_DIR"):
        return Path(env["DTI_DATA_DIR"]).expanduser()
    exe_dir = executable_dir() if exe_dir is None else exe_dir
    if exe_dir is not None and (exe_dir / PORTABLE_MARKER).is_file():
        return exe_dir / "data"
    return user_data_dir(env, platform)


SQLITE_SIDECARS = ("-wal", "-shm", "-journal")  # the files SQLite keeps next to a database


def sqlite_files(database: Path | str) -> tuple[Path, ...]:
    """A database file and the files SQLite may keep beside it (WAL, shared memory, journal):
    what has to go, or be copied, together."""
    return (Path(database), *(Path(f"{database}{suffix}") for suffix in SQLITE_SIDECARS))
