"""`dti-desk open FILE` (the installer's file associations): acts on the file as fits the mode."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop import settings as opts
from desktop.app import open_app
from desktop.cli import main
from desktop.hand_over import act_on_file, check_file
from desktop.shell import Shell
from forms.packages import keys
from local_db import assessments, profile

PASS = "mật khẩu dài"


def _no_wizard(wizard) -> bool:
    raise AssertionError("setup is done: no wizard expected")


@pytest.fixture
def demo(tmp_path):
    from forms.packages.demo import write_demo

    return write_demo(tmp_path / "demo", units=3, evidence=1)


def _collector(qtbot, db, settings, runner, demo):
    profile.save(db, officer_name="Trần Văn Bình", position="Chuyên viên")
    settings.set(opts.MODE, "collector")
    settings.set(opts.ORGANISATION, "Phòng VH-XH khu vực 3")
    keys.create_key(Path(db.data_dir) / "keys", PASS, "Phòng VH-XH khu vực 3")
    shutil.copy(demo.trust, Path(db.data_dir) / "trust.json")  # the communes' keys
    controller = Shell(db, settings, runner)
    window = open_app(controller, _no_wizard)
    qtbot.addWidget(window)
    return controller, window


def _commune(qtbot, db, settings, runner, unit: str = "25001"):
    from forms.reference import reference_set

    profile.save(db, officer_name="Lan", position="CB", unit_code=unit)
    if not assessments.list_for_unit(db, unit):
        assessments.create(db, unit, 2025, reference_set())
    if not keys.key_exists(Path(db.data_dir) / "keys"):
        keys.create_key(Path(db.data_dir) / "keys", PASS, "Lan")
    controller = Shell(db, settings, runner)
    window = open_app(controller, _no_wizard)
    qtbot.addWidget(window)
    return controller, window


# --- before the GUI: bad arguments never open a window -------------------------------------


def test_unknown_extension_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "bang.xlsx"
    path.write_bytes(b"x")
    assert check_file(path)[0] == 2
    assert main(["open", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Không mở được bang.xlsx" in err and ".dtipkg" in err


def test_missing_file_is_a_bad_file(tmp_path, capsys):
    path = tmp_path / "khong-co.dtipkg"
    assert main(["open", str(path)]) == 1
    assert f"Không tìm thấy tệp {path}" in capsys.readouterr().err


def test_windowed_program_shows_the_message_in_a_box(tmp_path, monkeypatch):
    # the windowed dti-desk.exe has no stderr: the launcher shows what would have been printed
    import importlib.util
    import sys

    launcher = Path(__file__).resolve().parents[2] / "packaging" / "launcher.py"
    spec = importlib.util.spec_from_file_location("dti_launcher_open", launcher)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    errors_shown_in_a_window = module.errors_shown_in_a_window

    shown: list[str] = []
    monkeypatch.setattr(sys, "stderr", None)
    code = errors_shown_in_a_window(lambda: main(["open", str(tmp_path / "a.txt")]), shown.append)
    assert code == 2 and "chỉ mở được gói nộp" in shown[0]


def test_the_open_command_starts_the_gui_and_acts_on_the_file(monkeypatch, tmp_path, demo):
    import desktop.app as app_module

    calls: list[tuple[object, object]] = []

    def fake_run_gui(args, on_shown=None, on_locked=None):
        calls.append((args.file, on_shown))
        return 0

    monkeypatch.setattr(app_module, "run_gui", fake_run_gui)
    assert main(["--data-dir", str(tmp_path / "d"), "open", str(demo.packages[0])]) == 0
    assert calls[0][0] == str(demo.packages[0]) and callable(calls[0][1])


# --- collector mode: merged like a drop ------------------------------------------------------


def test_collector_mode_merges_a_package_with_progress(qtbot, db, settings, runner, demo):
    controller, window = _collector(qtbot, db, settings, runner, demo)
    progressed: list[int] = []
    window.progress.valueChanged.connect(progressed.append)
    with qtbot.waitSignal(window.merged) as merged:
        assert act_on_file(controller, demo.packages[0], lambda ok, text: None) == "merge"
    assert merged.args[0].accepted == 1
    assert window.inbox_model.rowCount() == 1
    assert window.inbox_model.rows[0].status == "current"
    assert progressed and progressed[-1] == 1
    # the same file again (double-clicked twice) changes nothing
    with qtbot.waitSignal(window.merged) as again:
        act_on_file(controller, demo.packages[0], lambda ok, text: None)
    assert again.args[0].duplicates == 1 and window.inbox_model.rowCount() == 1


def test_collector_mode_merges_a_bundle(qtbot, db, settings, runner, demo, tmp_path):
    from forms.packages.trust import ROLE_BUNDLE, TrustRegistry
    from forms.reference import reference_set
    from local_db.collector import merge_paths, open_collector
    from local_db.collector.bundles import export_bundle

    # a first collector merges two packages and forwards them as a bundle
    first = open_collector(tmp_path / "first.sqlite")
    merge_paths(first, demo.packages[:2], TrustRegistry.load(demo.trust), [reference_set()])
    forwarder = keys.create_key(tmp_path / "k1", PASS, "Khu vực 1")
    bundle = tmp_path / "chuyen-tiep.dtibundle"
    export_bundle(
        first,
        bundle,
        keys.load_signer(tmp_path / "k1", PASS),
        year=2025,
        collector_name="Khu vực 1",
    )
    first.close()
    # the province trusts the communes and the forwarding collector
    registry = TrustRegistry.load(demo.trust)
    registry.add_key("KV1", forwarder.public_key, "Khu vực 1", roles=(ROLE_BUNDLE,))
    controller, window = _collector(qtbot, db, settings, runner, demo)
    registry.save(Path(db.data_dir) / "trust.json")
    window.trust = TrustRegistry.load(Path(db.data_dir) / "trust.json")
    with qtbot.waitSignal(window.merged) as merged:
        assert act_on_file(controller, bundle, lambda ok, text: None) == "merge"
    assert merged.args[0].accepted == 2, merged.args[0].to_json()
    assert window.inbox_model.rowCount() == 2


# --- commune mode: verify own package, import a review, refuse a bundle -----------------------


def test_commune_mode_verifies_its_own_package(qtbot, db, settings, runner, demo, tmp_path):
    from forms.packages.build import build_package
    from forms.packages.demo import demo_submission
    from forms.reference import reference_set

    unit = demo.units[0]
    controller, _window = _commune(qtbot, db, settings, runner, unit.code)
    own = build_package(
        demo_submission(unit, reference_set(), seed=5, year=2025, evidence=1),
        keys.load_signer(controller.keys_dir, PASS),
        tmp_path / "mine",
    )
    shown: list[tuple[bool, str]] = []
    assert act_on_file(controller, own, lambda ok, text: shown.append((ok, text))) == "verify"
    assert shown[-1][0] is True
    assert "hợp lệ" in shown[-1][1] and unit.name in shown[-1][1]
    # a package signed elsewhere (here: the demo key of the same unit) is not this machine's
    act_on_file(controller, demo.packages[0], lambda ok, text: shown.append((ok, text)))
    assert shown[-1][0] is False and "KHÔNG hợp lệ" in shown[-1][1]
    # a damaged copy of its own package
    broken = tmp_path / "hong.dtipkg"
    broken.write_bytes(own.read_bytes()[:-200])
    act_on_file(controller, broken, lambda ok, text: shown.append((ok, text)))
    assert shown[-1][0] is False


def test_commune_mode_says_bundles_are_for_collectors(qtbot, db, settings, runner, tmp_path):
    controller, _window = _commune(qtbot, db, settings, runner)
    bundle = tmp_path / "x.dtibundle"
    bundle.write_bytes(b"PK")
    shown: list[tuple[bool, str]] = []
    assert (
        act_on_file(controller, bundle, lambda ok, text: shown.append((ok, text)))
        == "bundle_refused"
    )
    assert shown == [(False, shown[0][1])] and "dành cho cán bộ tổng hợp" in shown[0][1]


def test_commune_mode_imports_a_review(qtbot, settings, runner, tmp_path):
    from desktop.review.commune import CommuneReviewPanel
    from local_db.review import collector as rc
    from local_db.review import commune
    from tests.local_db.review_support import (
        CS,
        REVIEWER,
        current_sha,
        first_assessment,
        make_world,
        submit,
    )

    world = make_world(tmp_path)
    try:
        first = first_assessment(world)
        submit(world, first, "out1")
        sha = current_sha(world.conn)
        rc.start_review(world.conn, sha, CS, REVIEWER)
        rc.set_item(
            world.conn, sha, CS, "1.2", status="explanation_requested", comment="Bổ sung danh sách"
        )
        rc.set_details(
            world.conn, sha, deadline="2026-02-15", message="Đề nghị giải trình đúng hạn"
        )
        review = rc.issue(world.conn, sha, CS, world.reviewer, tmp_path / "reviews")
        keys.create_key(Path(world.db.data_dir) / "keys", PASS, "Lan")
        profile.save(world.db, officer_name="Lan", position="CB", unit_code="25001")
        controller = Shell(world.db, settings, runner)
        window = open_app(controller, _no_wizard)
        qtbot.addWidget(window)
        shown: list[tuple[bool, str]] = []
        assert (
            act_on_file(controller, review, lambda ok, text: shown.append((ok, text)))
            == "import_review"
        )
        panel = window.tabs.currentWidget()
        assert isinstance(panel, CommuneReviewPanel) and panel is window.review_panel
        assert shown[-1][0] is True and "1 chỉ tiêu cần giải trình" in shown[-1][1]
        assert commune.latest_review(world.db, first) is not None
        assert "1.2" in panel.flags_label.text()
        qtbot.waitUntil(lambda: window.tabs.count() == 3)
        qtbot.wait(10)  # the deferred mount ran and added no second tab
        assert [window.tabs.tabText(i) for i in range(window.tabs.count())].count("Thẩm định") == 1
        # a tampered review is refused with the reason, nothing imported twice
        tampered = tmp_path / "sua.dtireview"
        tampered.write_bytes(review.read_bytes().replace("Bổ sung".encode(), "Bỏ sung".encode()))
        act_on_file(controller, tampered, lambda ok, text: shown.append((ok, text)))
        assert shown[-1][0] is False and "sua.dtireview" in shown[-1][1]
    finally:
        world.close()


def test_an_unexpected_error_while_acting_is_shown_not_lost(
    qtbot, db, settings, runner, monkeypatch, tmp_path
):
    import desktop.hand_over as open_module

    controller, _window = _commune(qtbot, db, settings, runner)
    shown: list[tuple[bool, str]] = []
    monkeypatch.setattr(
        open_module, "_message_box", lambda c: lambda ok, text: shown.append((ok, text))
    )

    def broken(*_args):
        raise RuntimeError("hỏng")

    monkeypatch.setattr(open_module, "act_on_file", broken)
    package = tmp_path / "x.dtipkg"
    package.write_bytes(b"PK")
    open_module.act_on_shown_window(controller, package)
    assert shown == [(False, "Không mở được x.dtipkg: hỏng")]
    # a file handed over by a second `dti-desk open` may be gone by the time it arrives
    open_module.act_on_shown_window(controller, tmp_path / "gone.dtipkg")
    assert shown[-1][0] is False and "gone.dtipkg" in shown[-1][1]


# --- a double-click while the app runs: the file is handed to it ---------------------------


def test_a_second_open_hands_the_file_to_the_running_app(qtbot, db, settings, runner, demo):
    """The running app listens on its data folder; `dti-desk open` in another process hands
    it the file and exits 0 without starting a second app; the app merges it like a drop."""
    import os
    import subprocess
    import sys
    import threading

    import desktop.hand_over as open_module
    from desktop.app import _receive_files  # what run_gui starts once the window is up

    controller, window = _collector(qtbot, db, settings, runner, demo)
    acted_on: list[int] = []
    real_act = open_module.act_on_shown_window

    def act(*args):
        acted_on.append(threading.get_ident())
        real_act(*args)

    open_module.act_on_shown_window = act
    try:
        receiver = _receive_files(Path(db.data_dir), controller)
    finally:
        open_module.act_on_shown_window = real_act
    try:
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
        command = [sys.executable, "-m", "desktop", "--data-dir", str(db.data_dir), "open",
                   str(demo.packages[1])]  # fmt: skip
        with qtbot.waitSignal(window.merged, timeout=20000) as merged:
            child = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
            qtbot.waitUntil(lambda: child.poll() is not None, timeout=20000)
        _out, err = child.communicate()
        assert child.returncode == 0, err
        assert merged.args[0].accepted == 1
        assert window.inbox_model.rowCount() == 1
        assert acted_on == [threading.get_ident()]  # on the GUI thread, not the listener's
    finally:
        receiver.close()


def test_no_running_app_means_no_hand_over(tmp_path, demo):
    from desktop.single_instance import forward

    data = tmp_path / "data"
    data.mkdir()
    assert forward(data, demo.packages[0]) is False  # no key, nothing listens
    (data / "dti-desk.ipc-key").write_bytes(b"k" * 32)
    assert forward(data, demo.packages[0]) is False  # a key left behind, nothing listens


def test_a_caller_without_the_key_is_refused(qtbot, tmp_path, demo):
    """Only a process that can read the data folder may hand files over (the key is there)."""
    from desktop.single_instance import KEY_FILE, FileReceiver, forward

    data = tmp_path / "data"
    data.mkdir()
    receiver = FileReceiver(data)
    got: list[str] = []
    receiver.file_received.connect(got.append)
    try:
        good_key = (data / KEY_FILE).read_bytes()
        (data / KEY_FILE).write_bytes(b"x" * 32)  # what a stranger would have to guess
        assert forward(data, demo.packages[0], timeout=1) is False
        (data / KEY_FILE).write_bytes(good_key)
        with qtbot.waitSignal(receiver.file_received, timeout=5000):
            assert forward(data, demo.packages[0]) is True
        assert got == [str(demo.packages[0].resolve())]
    finally:
        receiver.close()
