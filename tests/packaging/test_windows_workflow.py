"""The Windows CI workflow (it runs on a hosted runner, never here): what it calls must exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "windows.yml"


def test_the_workflow_calls_the_build_script_with_a_switch_it_has() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    script = ROOT / "packaging" / "windows" / "build.ps1"
    assert "packaging\\windows\\build.ps1" in text and script.is_file()
    (run,) = [line for line in text.splitlines() if "run:" in line and "build.ps1" in line]
    switches = set(re.findall(r"\s-(\w+)\b", run.split("build.ps1", 1)[1]))
    params = set(re.findall(r"\[switch\]\$(\w+)", script.read_text(encoding="utf-8")))
    assert switches and switches <= params


def test_the_installer_is_installed_per_user_and_the_installed_program_is_run() -> None:
    text = WORKFLOW.read_text(encoding="utf-8")
    iss = (ROOT / "packaging" / "windows" / "installer.iss").read_text(encoding="utf-8")
    assert "PrivilegesRequired=lowest" in iss  # /CURRENTUSER is what the script allows anyway
    assert "OutputBaseFilename={#AppName}-{#AppVersion}-setup" in iss
    assert "dist\\dti-desk-*-setup.exe" in text
    for step in ("/VERYSILENT", "/CURRENTUSER", "--self-test", "package verify", "pytest"):
        assert step in text, step


def test_no_tabs_and_only_spaces_for_indentation() -> None:
    """YAML refuses tabs; no YAML parser is installed here, so the one mistake it would make is
    checked by hand."""
    text = WORKFLOW.read_text(encoding="utf-8")
    assert "\t" not in text
    assert all((len(line) - len(line.lstrip(" "))) % 2 == 0 for line in text.splitlines())
