"""Application start-up: the GUI entry point and the offscreen self-test used by installers."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from forms import __version__
from forms.i18n import _, set_language

if TYPE_CHECKING:
    from desktop.main_window import MainWindow
    from desktop.qt import QApplication
    from desktop.setup.wizard import SetupWizard
    from desktop.shell import AppWindow, Shell
    from desktop.single_instance import FileReceiver
    from forms.criteria import CriteriaSet


def _make_application(argv: list[str]) -> QApplication:
    from desktop.i18n import install_qt_translator
    from desktop.qt import QApplication, QIcon

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(argv)
    install_qt_translator(app)
    app.setApplicationName("dti-desk")
    app.setOrganizationName("dti-desk")
    app.setApplicationVersion(__version__)
    icon = Path(__file__).resolve().parent.parent / "resources" / "icons" / "dti-desk.png"
    if icon.is_file():
        app.setWindowIcon(QIcon(str(icon)))
    return app


def build_main_window() -> MainWindow:
    """A main window without data (kept for callers that only need the shell)."""
    from desktop.main_window import MainWindow

    return MainWindow()


def prewarm_storage() -> threading.Thread:
    """Import the storage stack (SQLAlchemy, sqlmodel: ~0.5 s) on a thread while Qt starts.

    Creating the QApplication is mostly C++ work (platform plugin, fonts) that lets the import
    run beside it; measured ~0.3 s off the cold start (benchmarks/bench_gui.py).
    """

    def work() -> None:
        import local_db.answers  # noqa: F401
        import local_db.assessments  # noqa: F401
        import local_db.database  # noqa: F401
        import local_db.evidence  # noqa: F401

    thread = threading.Thread(target=work, name="prewarm-storage", daemon=True)
    thread.start()
    return thread


def open_app(
    controller: Shell, exec_wizard: Callable[[SetupWizard], object] | None = None
) -> AppWindow | None:
    """Run the setup wizard when needed, then show the window of the mode (commune editor or
    collector window). Returns the window, or None when the wizard was cancelled."""
    if controller.needs_setup():
        wizard = controller.make_wizard()
        if not (exec_wizard or (lambda w: w.exec()))(wizard):
            return None
        controller.apply_setup(wizard.result_data())
    return controller.show_main_window()


def run_gui(
    args: argparse.Namespace,
    on_shown: Callable[[Shell, AppWindow], object] | None = None,
    on_locked: Callable[[Path], bool] | None = None,
) -> int:
    """The GUI: ``on_shown(controller, window)`` runs once the main window is up (the ``open``
    command acts on its file there). When another app holds the data folder, ``on_locked``
    may hand it the work instead (True: done, no error to show); by default that app is asked
    to bring its window forward."""
    from local_db.paths import resolve_data_dir

    warm = prewarm_storage()
    app = _make_application(sys.argv[:1])  # Qt starts while storage imports on the thread
    from desktop import settings as opts
    from desktop.settings import settings_for

    cli_dir = getattr(args, "data_dir", None)
    data_dir = resolve_data_dir(cli_dir)
    # portable mode or a chosen folder: preferences in <data>/settings.ini, not the registry
    settings = settings_for(cli_dir, data_dir)
    set_language(args.lang or settings.get(opts.LANGUAGE))
    from desktop.number_input import apply_number_locale

    apply_number_locale()  # number boxes follow the app's language, not the PC's region
    warm.join()
    from desktop.qt import QMessageBox, QTimer
    from desktop.shell import Shell
    from desktop.tasks import TaskRunner
    from local_db.database import open_database
    from local_db.errors import DatabaseLocked, StorageError

    if on_locked is None:  # a second launch: the running app shows its window instead
        on_locked = _bring_running_app_forward
    try:
        db = open_database(data_dir)
    except DatabaseLocked as exc:
        if on_locked(data_dir):
            return 0
        QMessageBox.critical(None, _("DTI Desk"), str(exc))
        return 1
    except StorageError as exc:
        QMessageBox.critical(None, _("DTI Desk"), str(exc))
        return 1
    runner = TaskRunner()
    receiver = None
    try:
        controller = Shell(db, settings, runner)
        window = open_app(controller)
        if window is None:
            return 0
        if on_shown is not None:
            # after the first paint (and after the window's own deferred set-up)
            QTimer.singleShot(0, lambda: on_shown(controller, window))
        receiver = _receive_files(data_dir, controller)
        code = int(app.exec())
        runner.wait()
        return code
    finally:
        if receiver is not None:
            receiver.close()
        db.close()


def _bring_running_app_forward(data_dir: Path) -> bool:
    """A second launch on a data folder in use: the app running there brings its window to the
    front (True), instead of this one saying the folder is in use."""
    from desktop.single_instance import forward_when_up

    return forward_when_up(data_dir, None)


def _receive_files(data_dir: Path, controller: Shell) -> FileReceiver | None:
    """Files double-clicked while the app runs (``dti-desk open``, see ``single_instance``)
    come here: the app acts on each as if it had been dropped on its window."""
    from desktop.hand_over import act_on_shown_window, bring_to_front
    from desktop.qt import Qt
    from desktop.single_instance import FileReceiver

    try:
        receiver = FileReceiver(data_dir)
    except OSError as exc:  # no socket or pipe here: double-clicks will say the folder is busy
        import logging

        logging.getLogger("desktop").warning("files cannot be handed to this app: %s", exc)
        return None
    # queued: the signal is emitted on the listening thread, the widgets live on this one
    receiver.file_received.connect(
        lambda name: act_on_shown_window(controller, Path(name)),
        Qt.ConnectionType.QueuedConnection,
    )
    receiver.raise_requested.connect(
        lambda: bring_to_front(controller), Qt.ConnectionType.QueuedConnection
    )
    return receiver


def self_test(args: argparse.Namespace) -> int:
    """Start offscreen in a temporary data folder, load the reference set, score a sample,
    show the main window; print a verdict and exit 0 when every step worked (installers run it)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.lang:
        set_language(args.lang)
    steps: list[tuple[str, bool, str]] = []
    app = _make_application(sys.argv[:1])
    from desktop.number_input import apply_number_locale

    apply_number_locale()
    with tempfile.TemporaryDirectory(prefix="dti-desk-selftest-") as tmp:
        try:
            ok = _self_test_steps(Path(tmp), steps)
        except Exception as exc:  # noqa: BLE001 - the verdict must name what broke, not crash
            steps.append((_("lỗi không lường trước"), False, f"{type(exc).__name__}: {exc}"))
            ok = False
        app.processEvents()
    for name, passed, detail in steps:
        print(f"[{'OK' if passed else 'FAIL'}] {name}{': ' + detail if detail else ''}")
    print(_("Tự kiểm tra: {verdict}", verdict=_("đạt") if ok else _("không đạt")))
    return 0 if ok else 1


def _self_test_steps(data_dir: Path, steps: list[tuple[str, bool, str]]) -> bool:
    from desktop.assessment.session import AssessmentSession
    from desktop.assessment.store import DbStore
    from desktop.main_window import MainWindow
    from desktop.qt import QApplication
    from desktop.settings import Settings
    from desktop.tasks import TaskRunner
    from forms.reference import reference_set
    from local_db import assessments
    from local_db.database import open_database

    db = open_database(data_dir)
    try:
        steps.append((_("mở thư mục dữ liệu tạm"), True, str(data_dir)))
        cs = reference_set()
        steps.append((_("nạp bộ tiêu chí tham khảo"), True, f"{cs.short_id}, {len(cs.leaves())}"))
        row = assessments.create(db, "SELFTEST", cs.year, cs, user="self-test")
        assert row.id is not None
        session = AssessmentSession(cs, DbStore(db, row.id), cs.year)
        sample = _sample_answers(cs)
        for code, values in sample.items():
            for key, value in values.items():
                session.set_value(code, key, value)
        total = session.score().published_total
        scored = total > 0 and session.last_saved is not None
        steps.append((_("chấm điểm một bản mẫu"), scored, f"{total} / {cs.total_points}"))
        window = MainWindow(
            session, TaskRunner(synchronous=True), Settings(data_dir / "settings.ini"), "self-test"
        )
        window.show()
        if window.editor is not None:
            window.editor.open(cs.leaves()[0].code)
            window.editor.go_next()
        QApplication.processEvents()
        shown = window.isVisible()
        steps.append((_("hiện cửa sổ chính"), shown, ""))
        window.close()
        window.deleteLater()
        QApplication.processEvents()
        return scored and shown
    finally:
        db.close()


def _sample_answers(cs: CriteriaSet) -> dict[str, dict[str, object]]:
    """A plausible full answer for the first indicator of each rule kind (enough to score > 0)."""
    from forms.criteria import FieldKind

    out: dict[str, dict[str, object]] = {}
    seen: set[str] = set()
    for ind in cs.leaves():
        if ind.rule.kind.value in seen:
            continue
        seen.add(ind.rule.kind.value)
        values: dict[str, object] = {}
        for f in ind.fields:
            if f.kind is FieldKind.BOOL:
                values[f.key] = True
            elif f.kind is FieldKind.CHOICE:
                values[f.key] = ind.rule.choices[0].key
            elif f.kind is FieldKind.COUNT:
                values[f.key] = 4
            elif f.kind is FieldKind.PERCENT:
                values[f.key] = "95"
            elif f.kind is FieldKind.NUMBER:
                values[f.key] = str(ind.max_points)
            elif f.kind is FieldKind.DATE:
                values[f.key] = f"{cs.year}-03-15"
            elif f.kind is FieldKind.DOCREF:
                values[f.key] = {
                    "number": "12/QĐ-UBND",
                    "date": f"{cs.year}-03-15",
                    "issuer": "UBND xã",
                    "summary": "Kế hoạch",
                }
            else:
                values[f.key] = "x"
        out[ind.code] = values
    return out
