"""The bundle's entry script (packaging/launcher.py), run as the frozen program runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LAUNCHER = ROOT / "packaging" / "launcher.py"


def run_launcher(*args: str, encoding: str) -> subprocess.CompletedProcess[bytes]:
    # PYTHONIOENCODING plays the Windows ANSI code page a redirected stream gets
    env = {**os.environ, "PYTHONIOENCODING": encoding, "DTI_LANG": "vi"}
    return subprocess.run(
        [sys.executable, str(LAUNCHER), *args], capture_output=True, env=env, timeout=60, cwd=ROOT
    )


def test_redirected_vietnamese_output_survives_an_ansi_code_page():
    # Regression: `dti-desk-cli ... > file` on Windows died with UnicodeEncodeError (cp1252
    # cannot encode "ự"); the launcher switches redirected streams to UTF-8.
    result = run_launcher("--help", encoding="cp1252")
    assert result.returncode == 0, result.stderr.decode("utf-8", "replace")
    assert "Tự đánh giá chuyển đổi số" in result.stdout.decode("utf-8")


def test_usage_errors_reach_stderr_in_utf8_with_their_exit_code():
    result = run_launcher("no-such-command", encoding="cp1258")
    assert result.returncode == 2
    assert "lỗi" in result.stderr.decode("utf-8")


def test_utf8_streams_are_left_as_they_are():
    result = run_launcher("--version", encoding="utf-8")
    assert result.returncode == 0
    assert result.stdout.decode("utf-8").startswith("dti-desk ")


def _launcher_module():
    import importlib.util

    spec = importlib.util.spec_from_file_location("dti_launcher", LAUNCHER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_windowed_program_shows_a_usage_error_instead_of_vanishing(monkeypatch):
    # The windowed dti-desk.exe runs with sys.stderr None; argparse's complaint must be shown.
    from desktop.cli import main

    launcher = _launcher_module()
    shown: list[str] = []
    monkeypatch.setattr(sys, "stderr", None)
    code = launcher.errors_shown_in_a_window(lambda: main(["open-nothing"]), show=shown.append)
    assert code == 2
    assert len(shown) == 1 and "lỗi" in shown[0] and "open-nothing" in shown[0]
    assert sys.stderr is None


def test_windowed_program_shows_nothing_when_all_went_well(monkeypatch):
    launcher = _launcher_module()
    shown: list[str] = []
    monkeypatch.setattr(sys, "stderr", None)

    def quiet_success() -> int:
        print("a warning nobody needs to see", file=sys.stderr)
        return 0

    assert launcher.errors_shown_in_a_window(quiet_success, show=shown.append) == 0
    assert shown == []


def test_console_program_prints_as_usual(capsys):
    launcher = _launcher_module()
    shown: list[str] = []

    def failing() -> int:
        print("Lỗi: tệp không đọc được", file=sys.stderr)
        return 1

    assert launcher.errors_shown_in_a_window(failing, show=shown.append) == 1
    assert shown == []
    assert "Lỗi: tệp không đọc được" in capsys.readouterr().err


def test_windowed_program_runs_a_command_although_it_has_no_stdout(monkeypatch, tmp_path):
    # Regression: the CLI flushes stdout after each command; in the windowed dti-desk.exe
    # stdout is None, so every command (a file association's included) ended in AttributeError.
    from desktop.cli import main

    launcher = _launcher_module()
    shown: list[str] = []
    monkeypatch.setattr(sys, "stdout", None)
    monkeypatch.setattr(sys, "stderr", None)
    args = ["--data-dir", str(tmp_path / "data"), "units", "list"]
    assert launcher.errors_shown_in_a_window(lambda: main(args), show=shown.append) == 0
    assert shown == []
    assert (tmp_path / "data" / "dti-desk.sqlite").is_file()
