"""Durable file writes shared by the storage modules: a rename is only as safe as its folder."""

from __future__ import annotations

import shutil
from pathlib import Path

from forms.atomic import atomic_write


def copy_atomic(source: Path, target: Path) -> Path:
    """Copy ``source`` to ``target`` through a temporary file beside it, fsynced and renamed:
    ``target`` is either the whole copy or untouched, never half a file."""
    with open(source, "rb") as src, atomic_write(target) as out:
        shutil.copyfileobj(src, out, 1 << 20)
    return target
