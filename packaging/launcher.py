"""Entry script of the frozen dti-desk (PyInstaller runs this file as ``__main__``).

The installed package uses the ``dti-desk`` console script instead; this file exists so the
bundle has one small place for what only a frozen program needs.
"""

from __future__ import annotations

import io
import multiprocessing
import sys
from collections.abc import Callable


def utf8_when_redirected() -> None:
    """Write UTF-8 to a redirected stdout/stderr, whatever the Windows code page.

    Windows gives a piped or redirected stream the ANSI code page (cp1252 on an English
    Windows, cp1258 on a Vietnamese one), neither of which holds precomposed (NFC) Vietnamese:
    `dti-desk-cli package verify x > report.txt` would die with UnicodeEncodeError. A real
    console is left alone: Python already writes it as UTF-16 through the console API.
    """
    for stream in (sys.stdout, sys.stderr):
        # None: the windowed dti-desk.exe has no streams at all
        if stream is None or not hasattr(stream, "reconfigure") or stream.isatty():
            continue
        if stream.encoding.replace("-", "").lower() != "utf8":
            stream.reconfigure(encoding="utf-8")


def show_in_a_window(text: str) -> None:
    from desktop.qt import QApplication, QMessageBox

    app = QApplication.instance() or QApplication(sys.argv[:1])  # noqa: F841 (needed by the box)
    QMessageBox.critical(None, "dti-desk", text)


def errors_shown_in_a_window(
    run: Callable[[], int], show: Callable[[str], None] = show_in_a_window
) -> int:
    """Run the CLI; in the windowed program, show what it would have printed on failure.

    The windowed dti-desk.exe (Start menu, double-clicked .dtipkg/.dtibundle/.dtireview) has
    no stderr, so a usage error, say a file association that passes arguments the CLI no
    longer accepts, would end the program without a word. Only a failing run shows its text.
    """
    if sys.stderr is not None:
        return run()
    captured = io.StringIO()
    sys.stderr = captured
    if sys.stdout is None:
        # Code that writes or flushes stdout (the CLI flushes after every command) must not
        # die of AttributeError on None; what it prints goes nowhere, as before.
        sys.stdout = io.StringIO()
    try:
        code = run()
    except SystemExit as exit_:  # argparse ends usage errors with sys.exit(2)
        code = exit_.code if isinstance(exit_.code, int) else 1
    finally:
        sys.stderr = None
    if code != 0 and captured.getvalue().strip():
        show(captured.getvalue().strip())
    return code


if __name__ == "__main__":
    # A frozen program re-executes itself for every multiprocessing child; without this call
    # the child would start a second copy of the app instead of its task (Windows spawns).
    multiprocessing.freeze_support()
    utf8_when_redirected()

    from desktop.cli import main

    sys.exit(errors_shown_in_a_window(main))
