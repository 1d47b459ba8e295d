"""The collector window's "Kết nối cơ sở dữ liệu…" against the real throwaway cluster: trying a
server, creating the schema in an empty database, switching the window to it and remembering
it without the password; the verdicts for a wrong or missing password, an unreachable server
and a newer schema; a remembered server asking its password at start."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psycopg
import pytest

from desktop import settings as opts
from desktop.collector import open_collector_window
from desktop.collector.connection import ConnectDialog, open_saved
from desktop.collector.window import CollectorWindow
from desktop.qt import QDialog
from desktop.tasks import TaskRunner
from forms.packages.trust import TrustRegistry
from forms.reference import reference_sets
from local_db.collector import CollectorStore, probe
from local_db.collector.db_url import masked
from local_db.paths import COLLECTOR_DB_FILE

PASSWORD = "đúng-mật-khẩu"
ROLE = "dti_pw"


@pytest.fixture(autouse=True)
def _no_ambient_password(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("PGPASSWORD", raising=False)
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "no-pgpass"))


@pytest.fixture(scope="session")
def password_role(pg_cluster) -> str:
    """A role that must give its password (scram), owning a database of its own: its URL."""
    with psycopg.connect(pg_cluster.url(), autocommit=True) as conn:
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
        conn.execute(f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}'")
        conn.execute(f"CREATE DATABASE {ROLE}_db OWNER {ROLE}")
        first = f"local all {ROLE} scram-sha-256\nhost all {ROLE} 127.0.0.1/32 scram-sha-256\n"
        hba.write_text(first + hba.read_text(encoding="utf-8"), encoding="utf-8")
        conn.execute("SELECT pg_reload_conf()")
    url = pg_cluster.url(f"{ROLE}_db").replace(f"{pg_cluster.user}@", f"{ROLE}@")
    deadline = time.monotonic() + 10
    while probe.probe(url).code not in probe.PASSWORD_CODES:  # the reload is asynchronous
        assert time.monotonic() < deadline, "pg_hba.conf not reloaded"
        time.sleep(0.1)
    return url


def _fields(url: str) -> probe.ServerFields:
    return probe.fields_of(url)


def _fill(dialog: ConnectDialog, url: str, password: str = "") -> None:
    fields = _fields(url)
    dialog.server.setChecked(True)
    dialog.host.setText(fields.host)
    dialog.port.setValue(fields.port)
    dialog.database.setText(fields.database)
    dialog.user.setText(fields.user)
    dialog.password.setText(password)


def _window(qtbot, tmp_path: Path, settings=None) -> CollectorWindow:
    window = CollectorWindow(
        tmp_path / COLLECTOR_DB_FILE, TrustRegistry(), reference_sets(),
        TaskRunner(synchronous=True), year=2025, settings=settings,
    )  # fmt: skip
    qtbot.addWidget(window)
    return window


def test_switch_the_window_to_a_fresh_server_database(qtbot, tmp_path: Path, pg_url, settings):
    window = _window(qtbot, tmp_path, settings)
    assert window.store.url is None
    verdicts: list[probe.Verdict] = []

    def drive(dialog: QDialog) -> bool:
        assert isinstance(dialog, ConnectDialog)
        assert dialog.embedded.isChecked() and not dialog.form.isEnabled()
        _fill(dialog, pg_url)
        dialog.verdict_shown.connect(verdicts.append)
        dialog.test_button.click()
        assert verdicts[-1].code == probe.NOT_COLLECTOR and not dialog.create_button.isHidden()
        assert "chưa phải cơ sở dữ liệu của dti-desk" in dialog.verdict.text()
        dialog.buttons.accepted.emit()  # saving a database that is not ours: refused
        assert dialog.result() != QDialog.DialogCode.Accepted and dialog.store is None
        dialog.create_button.click()  # then the schema, and the verdict again
        assert verdicts[-1].ok and "Kết nối được" in dialog.verdict.text()
        dialog.buttons.accepted.emit()
        return dialog.result() == QDialog.DialogCode.Accepted

    action = window.data_menu.connect_action  # the menu entry is there
    assert action.text() == "Kết nối cơ sở dữ liệu…"
    window.exec_dialog = drive
    window.data_menu.choose_database()
    assert window.store.url is not None and window.session.store is window.store
    assert window.feed.listener is not None and window.feed.listener.connected.wait(5)
    assert settings.get(opts.COLLECTOR_DB) == probe.without_password(pg_url)
    assert "Đang dùng cơ sở dữ liệu" in window.status_label.text()

    def back(dialog: QDialog) -> bool:  # and back to the embedded file
        assert isinstance(dialog, ConnectDialog) and dialog.server.isChecked()
        assert dialog.database.text() == probe.fields_of(pg_url).database  # as remembered
        dialog.embedded.setChecked(True)
        dialog.buttons.accepted.emit()
        return dialog.result() == QDialog.DialogCode.Accepted

    listener = window.feed.listener
    window.exec_dialog = back
    window.data_menu.choose_database()
    assert window.store.url is None and window.store.path == tmp_path / COLLECTOR_DB_FILE
    assert not listener.alive and window.feed.listener is None  # polling the file instead
    assert settings.get(opts.COLLECTOR_DB) == ""

    def again(dialog: QDialog) -> bool:  # the server once more: its schema is there, saved at once
        assert isinstance(dialog, ConnectDialog)
        _fill(dialog, pg_url)
        dialog.buttons.accepted.emit()
        return dialog.result() == QDialog.DialogCode.Accepted

    window.exec_dialog = again
    window.data_menu.choose_database()
    assert window.store.url is not None
    window.close()
    # the next start opens the remembered server
    again = open_collector_window(tmp_path, TaskRunner(synchronous=True), settings=settings)
    qtbot.addWidget(again)
    assert again.store.url == probe.without_password(pg_url)
    again.close()


def test_password_verdicts_and_nothing_stored(qtbot, tmp_path: Path, password_role, settings):
    window = _window(qtbot, tmp_path, settings)
    seen: list[probe.Verdict] = []

    def drive(dialog: QDialog) -> bool:
        assert isinstance(dialog, ConnectDialog)
        dialog.verdict_shown.connect(seen.append)
        _fill(dialog, password_role)
        dialog.test_button.click()  # no password, no .pgpass
        assert seen[-1].code == probe.PASSWORD_NEEDED and "cần mật khẩu" in seen[-1].message
        dialog.password.setText("sai-mật-khẩu")
        dialog.test_button.click()
        assert seen[-1].code == probe.PASSWORD_WRONG
        assert "Sai tên người dùng hoặc mật khẩu" in dialog.verdict.text()
        assert "sai-mật-khẩu" not in dialog.verdict.text()
        dialog.password.setText(PASSWORD)
        dialog.buttons.accepted.emit()  # the right password: saving is refused until...
        assert seen[-1].code == probe.NOT_COLLECTOR  # ...the person creates the schema
        dialog.create_button.click()
        assert seen[-1].ok and PASSWORD not in dialog.verdict.text()
        dialog.buttons.accepted.emit()
        return dialog.result() == QDialog.DialogCode.Accepted

    window.exec_dialog = drive
    window.data_menu.choose_database()
    assert window.store.url is not None
    settings.sync()
    stored = Path(settings.path).read_text(encoding="utf-8")  # type: ignore[arg-type]
    assert "collector" in stored and PASSWORD not in stored and "password" not in stored
    assert PASSWORD not in window.store.name and PASSWORD not in window.status_label.text()
    window.close()

    # at the next start the remembered server asks for its password (wrong, then right)
    asked: list[str] = []
    answers = iter(["sai", PASSWORD])

    def ask(_parent, name: str) -> str | None:
        asked.append(name)
        return next(answers)

    store, note = open_saved(settings.get(opts.COLLECTOR_DB), tmp_path / "c.sqlite", ask=ask)
    assert note == "" and store.url is not None and len(asked) == 2
    assert asked[0] == masked(password_role)
    store.close()
    # cancelled: the embedded file, and the reason in the status bar
    store, note = open_saved(settings.get(opts.COLLECTOR_DB), tmp_path / "c.sqlite", ask=lambda *_a: None)  # fmt: skip
    assert store.url is None and "cần mật khẩu" in note
    store.close()


def test_unreachable_and_newer_verdicts(qtbot, tmp_path: Path, pg_url) -> None:
    nowhere = probe.ServerFields(str(tmp_path / "no-server"), 5999, "dti", "tinh")
    verdict = probe.probe(probe.server_url(nowhere, "bí-mật"))
    assert verdict.code == probe.UNREACHABLE and "Không kết nối được máy chủ" in verdict.message
    assert "bí-mật" not in verdict.message
    dialog = ConnectDialog(TaskRunner(synchronous=True), "", tmp_path / "c.sqlite")
    qtbot.addWidget(dialog)
    dialog.server.setChecked(True)
    dialog.test_button.click()  # fields left empty: said, nothing tried
    assert "Hãy nhập máy chủ" in dialog.verdict.text()
    CollectorStore(pg_url).close()
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("UPDATE meta SET value = '9' WHERE key = 'schema_version'")
    verdict = probe.probe(pg_url)
    assert verdict.code == probe.NEWER and "mới hơn" in verdict.message


def test_server_url_round_trip() -> None:
    socket = probe.ServerFields("/run/postgresql", 5433, "dti tỉnh", "cán_bộ")
    url = probe.server_url(socket, "p@ss&w=rd")
    assert probe.fields_of(url) == socket and "p@ss" not in masked(url)
    assert probe.without_password(url) == probe.server_url(socket)
    tcp = probe.ServerFields("db.tinh.gov.vn", 5432, "dti", "tinh")
    assert probe.server_url(tcp) == "postgresql://tinh@db.tinh.gov.vn/dti?port=5432"
    assert probe.fields_of(probe.server_url(tcp)) == tcp
    assert os.environ.get("PGPASSWORD") is None
    assert probe.fields_of("postgresql://[oops/x") == probe.ServerFields()  # a hand-edited setting
    assert probe.fields_of("postgresql://u@h:99999999/d").port == probe.DEFAULT_PORT


def test_a_damaged_remembered_setting_opens_the_embedded_file(tmp_path: Path) -> None:
    for saved in ("postgresql://[oops/x", "postgresql://u@/d?host=/nowhere&port=abc"):
        store, note = open_saved(saved, tmp_path / "c.sqlite", ask=lambda *_a: None)
        assert store.url is None and "Đang dùng tệp SQLite" in note
        store.close()
