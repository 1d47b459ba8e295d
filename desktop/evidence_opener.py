"""Handing an evidence file to the operating system: the one door, for the commune's evidence
list and the reviewer's screen.

Opening a file with ``QDesktopServices`` runs whatever Windows associates with its extension:
a ``.hta`` runs as a program. So a file is handed over only if its extension is in the
evidence allow-list (``forms.evidence_types``, judged as Windows sees the name) *and* its
content is of that type, re-checked here from the file on disk just before opening, whoever
wrote it. Otherwise the caller shows the message instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from desktop.qt import QDesktopServices, QUrl
from forms.evidence_types import ALLOWED, HEAD_BYTES, content_matches, extension_of
from forms.i18n import _
from forms.inbound import InboundRejected, open_inbound
from forms.packages.format import MAX_ENTRY_BYTES

Opener = Callable[[Path], None]


def system_open(path: Path) -> None:
    """Open ``path`` with the program the system associates with it (no checks: call
    :func:`open_evidence_file`)."""
    QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def refusal(path: Path) -> str | None:
    """Why ``path`` must not be handed to the system (None: it may be)."""
    name = Path(path).name
    extension = extension_of(name)
    if extension not in ALLOWED:
        return _(
            "Không mở tệp “{name}”: loại tệp này không được phép làm minh chứng (chỉ PDF, Word, Excel, OpenDocument, ZIP, JPEG, PNG)",
            name=name,
        )
    try:
        with open_inbound(path, MAX_ENTRY_BYTES) as (handle, _size):
            matches = content_matches(extension, handle.read(HEAD_BYTES), handle)
    except InboundRejected as exc:
        return exc.problem.message
    except OSError as exc:
        return _("Không mở được tệp {name}: {error}", name=name, error=exc.strerror or str(exc))
    if not matches:
        return _(
            "Không mở tệp “{name}”: nội dung không phải tệp .{extension} như tên tệp ghi",
            name=name,
            extension=extension,
        )
    return None


def open_evidence_file(path: Path, opener: Opener = system_open) -> str | None:
    """Open an evidence file with ``opener`` if it is allowed (see :func:`refusal`); returns
    the message to show instead when it is refused (``opener`` then is not called)."""
    problem = refusal(path)
    if problem is None:
        opener(path)
    return problem
