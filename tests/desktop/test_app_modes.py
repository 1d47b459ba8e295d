"""The two ways of working: the first-run wizard asks the mode, the app opens the commune's
editor or the collector's window accordingly, Settings switches; INI settings when the data
folder was chosen or is portable."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop import settings as opts
from desktop.app import open_app
from desktop.collector.window import CollectorWindow
from desktop.main_window import MainWindow
from desktop.settings import Settings, ini_path_for, settings_for
from desktop.setup.wizard import CRITERIA_PAGE, KEY_PAGE, OFFICER_PAGE, UNIT_PAGE
from desktop.shell import Shell
from local_db import assessments, profile, units
from local_db.paths import PORTABLE_MARKER

PASS = "mật khẩu dài"


def _no_wizard(wizard) -> bool:
    raise AssertionError("setup is done: no wizard expected")


def _fill_commune(wizard, units_file) -> None:
    units.import_units(wizard.unit_page.db, units_file)
    assert wizard.mode_page.commune.isChecked()  # the default: most machines are communes'
    wizard.next()
    assert wizard.currentId() == UNIT_PAGE
    wizard.unit_page.search.setText("hoa binh")
    wizard.unit_page.list.setCurrentRow(0)
    wizard.next()
    assert wizard.currentId() == OFFICER_PAGE
    assert not wizard.officer_page.organisation.isVisibleTo(wizard.officer_page)
    wizard.officer_page.name.setText("Nguyễn Thị Lan")
    wizard.officer_page.position.setText("Công chức")
    assert wizard.officer_page.isComplete()
    wizard.next()
    assert wizard.currentId() == CRITERIA_PAGE
    wizard.next()
    assert wizard.currentId() == KEY_PAGE
    _make_key(wizard)


def _fill_collector(wizard) -> None:
    wizard.mode_page.collector.setChecked(True)
    wizard.next()
    assert wizard.currentId() == OFFICER_PAGE  # no unit to choose
    page = wizard.officer_page
    assert page.organisation.isVisibleTo(page)
    page.name.setText("Trần Văn Bình")
    page.position.setText("Chuyên viên")
    assert not page.isComplete()  # the organisation is required for a collector
    page.organisation.setText("Phòng Văn hóa - Xã hội khu vực 3")
    assert page.isComplete()
    wizard.next()
    assert wizard.currentId() == CRITERIA_PAGE  # packages are checked and ranked by it
    wizard.next()
    assert wizard.currentId() == KEY_PAGE
    assert "gói chuyển tiếp và phiếu thẩm định" in wizard.key_page.subTitle()
    _make_key(wizard)


def _make_key(wizard) -> None:
    page = wizard.key_page
    if not page.fingerprint:
        page.pass1.setText(PASS)
        page.pass2.setText(PASS)
        page.create_key()
    assert page.fingerprint and page.isComplete()


def _wizard(qtbot, controller):
    wizard = controller.make_wizard()
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def test_wizard_in_commune_mode_sets_up_the_assessment(qtbot, db, settings, runner, units_file):
    controller = Shell(db, settings, runner)
    assert controller.needs_setup()
    wizard = _wizard(qtbot, controller)
    _fill_commune(wizard, units_file)
    result = wizard.result_data()
    assert (result.mode, result.unit_code, result.organisation) == ("commune", "25001", "")
    controller.apply_setup(result)
    assert settings.get(opts.MODE) == "commune" and not controller.needs_setup()
    assert assessments.current(db, "25001", result.criteria_set.year) is not None


def test_wizard_in_collector_mode_skips_the_unit_and_keeps_the_key(qtbot, db, settings, runner):
    from forms.packages import keys

    controller = Shell(db, settings, runner)
    wizard = _wizard(qtbot, controller)
    _fill_collector(wizard)
    result = wizard.result_data()
    assert (result.mode, result.unit_code) == ("collector", "")
    assert result.organisation == "Phòng Văn hóa - Xã hội khu vực 3"
    controller.apply_setup(result)
    assert settings.get(opts.MODE) == "collector"
    assert settings.get(opts.ORGANISATION) == "Phòng Văn hóa - Xã hội khu vực 3"
    assert profile.get(db).officer_name == "Trần Văn Bình"
    assert assessments.list_for_unit(db, "") == []  # no assessment of its own
    assert not controller.needs_setup()
    # the public key names the organisation: bundles show it as the forwarder
    assert keys.load_public(controller.keys_dir).name == "Phòng Văn hóa - Xã hội khu vực 3"
    # the wizard opened later starts in the chosen mode with the organisation filled in
    again = _wizard(qtbot, controller)
    assert again.mode_page.collector.isChecked()
    assert again.officer_page.organisation.text() == "Phòng Văn hóa - Xã hội khu vực 3"


def _collector_ready(db, settings) -> None:
    from forms.packages import keys

    profile.save(db, officer_name="Trần Văn Bình", position="Chuyên viên")
    settings.set(opts.MODE, "collector")
    settings.set(opts.ORGANISATION, "Phòng VH-XH khu vực 3")
    keys.create_key(Path(db.data_dir) / "keys", PASS, "Phòng VH-XH khu vực 3")


def test_first_start_in_collector_mode_runs_the_wizard_then_shows_the_collector_window(
    qtbot, db, settings, runner
):
    controller = Shell(db, settings, runner)

    def answer(wizard):
        qtbot.addWidget(wizard)
        wizard.show()
        _fill_collector(wizard)
        return True

    window = open_app(controller, answer)
    qtbot.addWidget(window)
    assert isinstance(window, CollectorWindow) and window.isVisible()
    assert controller.window is None and controller.main_window() is window
    assert window.collector_name == "Phòng Văn hóa - Xã hội khu vực 3"
    assert (Path(db.data_dir) / "collector.sqlite").is_file()


def test_cancelled_first_run_opens_nothing(qtbot, db, settings, runner):
    controller = Shell(db, settings, runner)
    assert open_app(controller, lambda wizard: qtbot.addWidget(wizard) or False) is None


def test_start_in_commune_mode_shows_the_editor_with_the_review_tab(qtbot, db, settings, runner):
    from forms.packages import keys
    from forms.reference import reference_set

    profile.save(db, officer_name="Lan", position="CB", unit_code="25001")
    assessments.create(db, "25001", 2025, reference_set())
    keys.create_key(Path(db.data_dir) / "keys", PASS, "Lan")
    controller = Shell(db, settings, runner)
    assert not controller.needs_setup()
    window = open_app(controller, _no_wizard)
    qtbot.addWidget(window)
    assert isinstance(window, MainWindow) and window.isVisible()
    qtbot.waitUntil(lambda: window.tabs.count() == 3)
    assert window.tabs.tabText(2) == "Thẩm định"
    assert controller.collector_window is None
    # built when first opened (its imports cost start-up time), in the same place
    from desktop.review.commune import CommuneReviewPanel

    assert window.review_panel is None
    window.tabs.setCurrentIndex(2)
    assert isinstance(window.tabs.widget(2), CommuneReviewPanel)
    assert window.tabs.currentIndex() == 2 and window.tabs.tabText(2) == "Thẩm định"
    assert window.tabs.count() == 3 and controller.review_panel() is window.tabs.widget(2)


def test_collector_window_opens_the_reviewer_screen_from_the_inbox(
    qtbot, db, settings, runner, tmp_path
):
    from desktop.review.reviewer import ReviewerScreen
    from forms.packages.demo import write_demo

    _collector_ready(db, settings)
    demo = write_demo(tmp_path / "demo", units=2, evidence=1)
    shutil.copy(demo.trust, Path(db.data_dir) / "trust.json")
    controller = Shell(db, settings, runner)
    window = open_app(controller, _no_wizard)
    qtbot.addWidget(window)
    window.merge(demo.packages)
    assert window.inbox_model.rowCount() == 2
    index = window.inbox_proxy.index(0, 0)
    window.inbox_view.doubleClicked.emit(index)  # what a double click on the row sends
    screen = window.tabs.currentWidget()
    assert isinstance(screen, ReviewerScreen)
    assert window.tabs.tabText(window.tabs.currentIndex()).startswith("Thẩm định ")
    assert controller.reviewer().organisation == "Phòng VH-XH khu vực 3"
    assert screen.signing.keys_dir == controller.keys_dir  # signs with this data folder's key


def test_settings_switch_from_commune_to_collector_and_back(
    qtbot, db, settings, runner, units_file
):
    from forms.packages import keys
    from forms.reference import reference_set

    units.import_units(db, units_file)
    profile.save(db, officer_name="Lan", position="CB", unit_code="25001")
    assessments.create(db, "25001", 2025, reference_set())
    keys.create_key(Path(db.data_dir) / "keys", PASS, "Lan")
    controller = Shell(db, settings, runner)
    commune = open_app(controller, _no_wizard)
    qtbot.addWidget(commune)

    def to_collector(wizard):
        qtbot.addWidget(wizard)
        wizard.show()
        _fill_collector(wizard)
        return True

    collector = controller.open_settings(to_collector)
    qtbot.addWidget(collector)
    assert isinstance(collector, CollectorWindow) and collector.isVisible()
    assert not commune.isVisible()
    assert profile.get(db).unit_code == "25001"  # kept for the way back

    def to_commune(wizard):
        qtbot.addWidget(wizard)
        wizard.show()
        wizard.mode_page.commune.setChecked(True)
        wizard.next()
        assert wizard.unit_page.chosen() == ("25001", "Hòa Bình")  # remembered
        for _page in range(3):
            wizard.next()
        return True

    back = controller.open_settings(to_commune)
    qtbot.addWidget(back)
    assert isinstance(back, MainWindow) and back.isVisible() and not collector.isVisible()
    assert settings.get(opts.MODE) == "commune"


# --- settings: INI file in the data folder when it was chosen or is portable -------------


def test_ini_only_when_the_data_folder_was_chosen_or_is_portable(tmp_path):
    data = tmp_path / "data"
    assert ini_path_for(None, data, exe_dir=None, env={}) is None  # the registry (Windows)
    assert ini_path_for(str(data), data, env={}) == data / "settings.ini"
    assert ini_path_for(None, data, env={"DTI_DATA_DIR": str(data)}) == data / "settings.ini"
    usb = tmp_path / "usb"
    usb.mkdir()
    assert ini_path_for(None, usb / "data", exe_dir=usb, env={}) is None  # no marker: installed
    (usb / PORTABLE_MARKER).write_text("", encoding="utf-8")
    assert ini_path_for(None, usb / "data", exe_dir=usb, env={}) == usb / "data" / "settings.ini"


@pytest.mark.parametrize("how", ["cli", "env", "portable"])
def test_settings_live_in_the_data_folder(tmp_path, how):
    from local_db.paths import resolve_data_dir

    usb = tmp_path / "usb"
    usb.mkdir()
    env: dict[str, str] = {}
    cli = None
    if how == "cli":
        cli = str(tmp_path / "chosen")
    elif how == "env":
        env["DTI_DATA_DIR"] = str(tmp_path / "chosen")
    else:
        (usb / PORTABLE_MARKER).write_text("", encoding="utf-8")
    data = resolve_data_dir(cli, exe_dir=usb, env=env)
    settings = settings_for(cli, data, exe_dir=usb, env=env)
    settings.set(opts.MODE, "collector")
    settings.sync()
    assert settings.path == data / "settings.ini"
    assert "mode=collector" in (data / "settings.ini").read_text(encoding="utf-8")
    assert Settings(data / "settings.ini").mode() == "collector"  # read back on the next start


def test_run_gui_reads_the_mode_from_the_data_folder_settings(monkeypatch, tmp_path):
    """`dti-desk --data-dir D` must not read the mode from the registry: run_gui builds its
    settings with settings_for, so the collector set up in D gets the collector window."""
    import argparse

    import desktop.app as app_module
    from desktop.qt import QApplication
    from local_db.database import open_database

    data = tmp_path / "d"
    with open_database(data) as database:
        s = Settings(data / "settings.ini")
        _collector_ready(database, s)
        s.sync()
    shown: list[object] = []
    monkeypatch.setattr(QApplication, "exec", lambda self: 0)

    def on_shown(controller, window):
        shown.append(window)

    monkeypatch.setattr(app_module, "open_app", _recording_open_app(shown))
    code = app_module.run_gui(argparse.Namespace(lang=None, data_dir=str(data)), on_shown)
    assert code == 0
    assert isinstance(shown[0], CollectorWindow)


def _recording_open_app(shown):
    real = open_app

    def wrapper(controller, exec_wizard=None):
        window = real(controller, lambda wizard: False)  # setup done: no wizard wanted
        shown.append(window)
        window.close()
        return window

    return wrapper
