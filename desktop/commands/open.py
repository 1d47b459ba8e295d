"""`dti-desk open FILE`: what a double-click on a `.dtipkg`, `.dtibundle` or `.dtireview` runs.

The Windows installer associates the three file types with ``dti-desk.exe open "%1"``. The
app starts (setup wizard first if needed) and acts on the file as fits the mode
(``desktop.hand_over``); with the app already open on this data folder, the file is handed to
it instead.

A missing file or an unknown extension stops before the GUI: a Vietnamese message on stderr
(the windowed program shows it in a message box, see ``packaging/launcher.py``), exit 1 (bad
file) or 2 (usage).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from desktop.hand_over import EXIT_OK, check_file
from forms.i18n import _


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "open",
        help=_("mở tệp .dtipkg, .dtibundle hoặc .dtireview trong ứng dụng (kiểm tra, tổng hợp hoặc nhập tùy chế độ)"),
    )  # fmt: skip
    parser.add_argument("file", metavar=_("TỆP"), help=_("tệp gói nộp, gói chuyển tiếp hoặc phiếu thẩm định"))  # fmt: skip
    parser.set_defaults(func=_open)


def _open(args: argparse.Namespace) -> int:
    path = Path(args.file)
    code, message = check_file(path)
    if code:
        print(message, file=sys.stderr)
        return code
    from desktop.app import run_gui
    from desktop.hand_over import act_on_shown_window
    from desktop.single_instance import forward, forward_when_up
    from local_db.paths import resolve_data_dir

    # the app already runs on this data folder (a double-click while it is open): hand it over
    if forward(resolve_data_dir(args.data_dir), path):
        return EXIT_OK
    return run_gui(
        args,
        on_shown=lambda controller, _window: act_on_shown_window(controller, path),
        on_locked=lambda data_dir: forward_when_up(data_dir, path),
    )
