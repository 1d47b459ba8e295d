"""Entry script of the frozen dti-desk (PyInstaller runs this file as ``__main__``).

The installed package uses the ``dti-desk`` console script instead; this file exists so the
bundle has one small place for what only a frozen program needs.
"""

import multiprocessing
import sys


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


if __name__ == "__main__":
    # A frozen program re-executes itself for every multiprocessing child; without this call
    # the child would start a second copy of the app instead of its task (Windows spawns).
    multiprocessing.freeze_support()
    utf8_when_redirected()

    from desktop.cli import main

    sys.exit(main())
