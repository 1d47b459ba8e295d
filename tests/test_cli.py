import subprocess
import sys

from desktop.cli import main


def test_help_is_vietnamese_by_default(capsys):
    try:
        main(["--help"])
    except SystemExit as exit:
        assert exit.code == 0
    out = capsys.readouterr().out
    assert "cách dùng" in out and "tùy chọn" in out


def test_help_in_english(capsys):
    try:
        main(["--lang", "en", "--help"])
    except SystemExit as exit:
        assert exit.code == 0
    out = capsys.readouterr().out
    assert "usage:" in out and "options" in out


def test_unknown_command_is_usage_error():
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "no-such-command"], capture_output=True, text=True
    )
    assert result.returncode == 2
    assert "lỗi" in result.stderr


def test_closed_pipe_is_not_a_traceback():
    """Regression: `dti-desk schema show X | head` ended in a BrokenPipeError traceback."""
    from forms.reference import reference_json_path

    proc = subprocess.Popen(
        [sys.executable, "-m", "desktop", "schema", "show", str(reference_json_path()), "--rules"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # the reader goes away before the first line, like `| head -0`
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    assert "Traceback" not in stderr
