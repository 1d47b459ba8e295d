"""Application start-up: the GUI entry point and the offscreen self-test used by installers."""

from __future__ import annotations

import argparse
import os
import sys

from forms import __version__
from forms.i18n import _, set_language


def _make_application(argv: list[str]):
    from desktop.qt import QApplication

    app = QApplication.instance() or QApplication(argv)
    app.setApplicationName("dti-desk")
    app.setOrganizationName("dti-desk")
    app.setApplicationVersion(__version__)
    return app


def build_main_window():
    from desktop.main_window import MainWindow

    return MainWindow()


def run_gui(args: argparse.Namespace) -> int:
    if args.lang:
        set_language(args.lang)
    app = _make_application(sys.argv[:1])
    window = build_main_window()
    window.show()
    return int(app.exec())


def self_test(args: argparse.Namespace) -> int:
    """Start the app offscreen, build the main window, and exit 0 if all of it works."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = _make_application(sys.argv[:1])
    window = build_main_window()
    window.show()
    app.processEvents()
    ok = window.isVisible()
    window.close()
    print(_("Tự kiểm tra: {verdict}", verdict=_("đạt") if ok else _("không đạt")))
    return 0 if ok else 1
