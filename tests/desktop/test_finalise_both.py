"""“Ký và xuất gói nộp” writes the package and the PDF report side by side, in one click, and
the package holds that same PDF (issue 15: the PDF needed a second click and dialog)."""

from __future__ import annotations

import dataclasses
import subprocess
import zipfile
from pathlib import Path

import pytest

from desktop.finalise.export import WrongPassphrase, report_path, sign_and_write
from forms.packages import keys
from forms.packages.build import EvidenceFile
from forms.problems import ProblemsError
from tests.desktop.commune_support import PASSPHRASE, answered_commune
from tests.forms.packages.helpers import submission

HTML = "<p>Báo cáo</p>"


def test_one_click_writes_both(qtbot, db, settings, runner, cs, tmp_path):
    controller = answered_commune(qtbot, db, settings, runner, cs, level=2)
    dialog = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(dialog)
    out = tmp_path / "nop"
    written: list[Path] = []
    controller.commune.pdf_written.connect(lambda path: written.append(Path(path)))
    with qtbot.waitSignal(controller.commune.exported) as exported:
        controller.commune.export(PASSPHRASE, out)
    package, (pdf,) = Path(exported.args[0]), written
    assert pdf == package.with_suffix(".pdf") and pdf.parent == out
    with zipfile.ZipFile(package) as zf:
        assert zf.read("report.pdf") == pdf.read_bytes()
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Trạng thái: đã ký" in text and "BẢN NHÁP" not in text  # the signed report
    assert str(pdf) in dialog.message.text()


@pytest.fixture
def keys_dir(tmp_path):
    folder = tmp_path / "keys"
    keys.create_key(folder, PASSPHRASE)
    return folder


def test_wrong_passphrase_writes_nothing(keys_dir, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(WrongPassphrase):
        sign_and_write(submission(), keys_dir, "sai", out, HTML)
    assert not out.exists() or not list(out.iterdir())


def test_a_package_that_cannot_be_built_takes_its_pdf_away(keys_dir, tmp_path):
    gone = EvidenceFile("1.1", "Biên bản.pdf", source=tmp_path / "deleted.pdf")
    sub = dataclasses.replace(submission(), evidence=(gone,))
    out = tmp_path / "out"
    with pytest.raises(ProblemsError) as caught:
        sign_and_write(sub, keys_dir, PASSPHRASE, out, HTML)
    assert [p.code for p in caught.value.problems] == ["evidence_missing"]
    assert not report_path(sub, out).exists() and list(out.iterdir()) == []
