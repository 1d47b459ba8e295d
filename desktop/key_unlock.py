"""Opening the officer's signing key without freezing the window.

The key file is sealed with scrypt (about 0.4 s, more on a busy PC: that is what makes a
stolen file's passphrase expensive to guess), so opening it on the GUI thread froze the
collector and reviewer windows for that long. Here the work runs on a thread (scrypt releases
the GIL) while a local event loop keeps the window painting behind a small "đang mở khóa"
box; the caller still gets the signer, or the key error, as a plain return or raise.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from desktop.busy import run_busy
from forms.i18n import _


def load_signer_busy(parent: Any, keys_dir: Path, passphrase: str) -> Any:
    """``forms.packages.keys.load_signer`` off the GUI thread, the window kept responsive."""
    from forms.packages import keys

    return run_busy(parent, _("Đang mở khóa ký…"), lambda: keys.load_signer(keys_dir, passphrase))
