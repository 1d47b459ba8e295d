"""Opening the scrypt-sealed signing key keeps the window painting (it takes ~0.4 s)."""

from __future__ import annotations

import pytest

from desktop.key_unlock import load_signer_busy
from desktop.qt import QTimer, QWidget
from forms.packages import keys
from tests.key_copies import install_key


def test_the_window_keeps_running_while_the_key_opens(qtbot, tmp_path):
    install_key(tmp_path / "keys", "mật khẩu đúng")
    window = QWidget()
    qtbot.addWidget(window)
    ticks: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(1))  # the GUI thread's event loop at work
    timer.start()
    signer = load_signer_busy(window, tmp_path / "keys", "mật khẩu đúng")
    timer.stop()
    assert signer.public_raw == keys.load_public(tmp_path / "keys").public_key
    assert len(ticks) >= 5, ticks  # a blocking unlock lets none through


def test_a_wrong_passphrase_is_the_key_error_as_before(qtbot, tmp_path):
    install_key(tmp_path / "keys", "mật khẩu đúng")
    with pytest.raises(keys.KeyFileError):
        load_signer_busy(None, tmp_path / "keys", "sai")
