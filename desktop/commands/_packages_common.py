"""Shared by `dti-desk keys`, `trust` and `package`: where keys and the registry live,
and asking for the passphrase.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

from desktop.commands._output import json_error
from forms.i18n import _
from local_db.paths import KEYS_DIR, TRUST_FILE

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
PASSPHRASE_ENV = "DTI_PASSPHRASE"


def data_dir(args: argparse.Namespace) -> Path:
    try:
        from local_db.paths import resolve_data_dir
    except ImportError:  # storage not installed yet: the explicit ways still work
        value = getattr(args, "data_dir", None) or os.environ.get("DTI_DATA_DIR") or "."
        return Path(value).expanduser()
    return resolve_data_dir(getattr(args, "data_dir", None))


def keys_dir(args: argparse.Namespace) -> Path:
    return data_dir(args) / KEYS_DIR


def registry_path(args: argparse.Namespace) -> Path:
    explicit = getattr(args, "registry", None)
    return Path(explicit) if explicit else data_dir(args) / TRUST_FILE


def passphrase(*, confirm: bool = False) -> str | None:
    """From DTI_PASSPHRASE, else asked (twice when creating); None when there is no terminal."""
    value = os.environ.get(PASSPHRASE_ENV)
    if value:
        return value
    if not sys.stdin.isatty():
        return None
    first = getpass.getpass(_("Mật khẩu khóa ký: "))
    if confirm and getpass.getpass(_("Nhập lại mật khẩu: ")) != first:
        print(_("Hai lần nhập mật khẩu không khớp."), file=sys.stderr)
        return None
    return first


def error(message: str, args: argparse.Namespace | None = None, code: str = "failed") -> int:
    """``message`` on stderr, exit 1; as JSON on stdout too when ``args`` asked for --json."""
    if args is not None and getattr(args, "json", False):
        json_error(code, message)
    print(message, file=sys.stderr)
    return EXIT_PROBLEMS
