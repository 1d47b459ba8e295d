"""The finalise dialog signs on a USB token (issue 17), with a real SoftHSM2 token: the driver
offered where it is installed, the token's certificates listed off the GUI thread (subject,
issuer, validity dd/mm/yyyy, key usage), the PIN asked once and never retried, the package's CMS
and the report's PAdES signature made by the chosen certificate."""

from __future__ import annotations

import zipfile
from pathlib import Path

from desktop.finalise.token_panel import PinDialog, TokenChoice, known_drivers
from desktop.tasks import TaskRunner
from forms import pdf_signature as ps
from tests.desktop.commune_support import answered_commune


def _rows(panel) -> dict[str, list[str]]:
    tree = panel.certificates
    return {
        tree.topLevelItem(i).text(0): [tree.topLevelItem(i).text(c) for c in range(4)]
        for i in range(tree.topLevelItemCount())
    }


def test_sign_on_the_token_from_the_dialog(qtbot, db, settings, cs, tmp_path, desk_token):
    ca = desk_token.ca
    runner = TaskRunner()  # a real worker thread: token work never blocks the window
    controller = answered_commune(qtbot, db, settings, runner, cs, level=0)  # nothing blocks
    dialog = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(dialog)
    dialog.acknowledge_all()
    assert dialog.errors() == []
    panel = dialog.token_panel
    assert desk_token.module in known_drivers()  # installed here: offered
    panel.driver.setEditText(desk_token.module)
    dialog.with_token.setChecked(True)
    assert panel.isVisibleTo(dialog) and not dialog.passphrase.isEnabled()
    qtbot.waitUntil(lambda: panel.certificates.topLevelItemCount() == 3, timeout=20000)
    rows = _rows(panel)  # the root CA on the token is not offered for signing
    assert set(rows) == {"Nguyễn Văn Bình", "UBND xã Hùng Lô", "Trần Thị Thu hồi"}
    name, issuer, validity, usage = rows["Nguyễn Văn Bình"]
    assert "Test Root CA dti-desk" in issuer and validity == "01/01/2025 – 01/01/2028"
    assert usage == "digitalSignature, nonRepudiation"
    assert not dialog.export_button.isEnabled()  # no certificate chosen yet
    tree = panel.certificates
    chairman = next(tree.topLevelItem(i) for i in range(3) if tree.topLevelItem(i).text(0) == name)
    tree.setCurrentItem(chairman)
    assert dialog.export_button.isEnabled()

    out = tmp_path / "nop"
    dialog.folder.setText(str(out))
    # cancelled PIN: nothing signed
    dialog.ask_pin = lambda choice: None
    dialog.export_button.click()
    assert "chưa nhập mã PIN" in dialog.message.text() and not out.exists()
    # a wrong PIN: asked once, tried once, the token's message shown, nothing written
    asked: list[TokenChoice] = []
    dialog.ask_pin = lambda choice: asked.append(choice) or "000000"
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "PIN" in dialog.message.text() and "#c62828" in dialog.message.styleSheet(), timeout=20000)  # fmt: skip
    assert len(asked) == 1 and asked[0].cka_id == ca.chairman.cka_id
    assert "không tự thử lại" in dialog.message.text()
    assert not out.exists() or not list(out.iterdir())
    # the right PIN signs both
    dialog.ask_pin = lambda choice: desk_token.pin
    with qtbot.waitSignal(controller.commune.exported, timeout=60000) as exported:
        dialog.export_button.click()
    package = Path(exported.args[0])
    with zipfile.ZipFile(package) as zf:
        assert "signature/manifest.p7s" in zf.namelist()
        report = zf.read("report.pdf")
    assert report == package.with_suffix(".pdf").read_bytes()
    [verdict] = ps.validate_pdf(report, [ca.root])
    assert verdict.ok and "Nguyễn Văn Bình" in verdict.signer
    assert str(package) in dialog.message.text()
    runner.wait()


def test_pin_dialog_warns_when_few_attempts_remain(qtbot):
    warned = TokenChoice("/x.so", "1", b"\xc1", "CN=Nguyễn Văn Bình", "Chỉ còn MỘT lần nhập mã PIN")
    dialog = PinDialog(warned)
    qtbot.addWidget(dialog)
    assert dialog.warning.isVisibleTo(dialog) and "MỘT lần" in dialog.warning.text()
    assert dialog.pin.echoMode() == dialog.pin.EchoMode.Password
    assert not dialog.ok_button.isEnabled()
    dialog.pin.setText("123456")
    assert dialog.ok_button.isEnabled()
    quiet = PinDialog(TokenChoice("/x.so", "1", b"\xc1", "CN=A", None))
    qtbot.addWidget(quiet)
    assert not quiet.warning.isVisibleTo(quiet)


def test_no_driver_says_so(qtbot, runner):
    from desktop.finalise.token_panel import TokenPanel

    panel = TokenPanel(runner)
    qtbot.addWidget(panel)
    panel.driver.setEditText("/khong/co/driver.so")
    panel.read_tokens()
    assert "Không tìm thấy trình điều khiển token" in panel.status.text()
    assert panel.chosen() is None and panel.read_button.isEnabled()
