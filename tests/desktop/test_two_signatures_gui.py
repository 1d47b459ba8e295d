"""Issue 17 in the window, with a real SoftHSM2 token: the setup wizard offers "Chữ ký số trên
USB token" beside the app's key (the finalise dialog's own panel, listing on a worker), saves
the driver, serial and CKA_ID (never a PIN) and the finalise dialog starts with it; the finalise
dialog's second panel adds the organisation's signature (one PIN when both certificates are on
one token), the package and the report PDF carrying both."""

from __future__ import annotations

import zipfile
from pathlib import Path

from desktop import settings as opts
from desktop.setup.wizard import KEY_PAGE, SIGNING_PAGE
from desktop.shell import Shell
from desktop.tasks import TaskRunner
from forms import pdf_signature as ps
from forms.packages.format import SIGNATURE_ORGANISATION
from tests.desktop.commune_support import PASSPHRASE, answered_commune, install_key
from tests.desktop.test_app_modes import _fill_commune, _wizard


def _select(panel, name: str) -> None:
    tree = panel.certificates
    item = next(
        tree.topLevelItem(i) for i in range(tree.topLevelItemCount())
        if tree.topLevelItem(i).text(0) == name
    )  # fmt: skip
    tree.setCurrentItem(item)


def test_wizard_offers_the_token_and_finalise_starts_with_it(
    qtbot, db, settings, units_file, desk_token
):
    ca = desk_token.ca
    runner = TaskRunner()  # a real worker: reading the token never blocks the window
    controller = Shell(db, settings, runner)
    install_key(controller.keys_dir, PASSPHRASE)  # the key page then shows it: no worker race
    wizard = _wizard(qtbot, controller)
    _fill_commune(wizard, units_file)
    assert wizard.currentId() == KEY_PAGE
    wizard.next()
    assert wizard.currentId() == SIGNING_PAGE
    page = wizard.signing_page
    assert page.with_key.isChecked() and page.isComplete()  # the app's key: nothing to choose
    page.token_panel.driver.setEditText(desk_token.module)
    with qtbot.waitSignal(page.completeChanged):
        page.with_token.setChecked(True)
    assert not page.isComplete()  # a certificate must be chosen
    qtbot.waitUntil(lambda: page.token_panel.certificates.topLevelItemCount() == 3, timeout=20000)
    _select(page.token_panel, "Nguyễn Văn Bình")
    assert page.isComplete()
    result = wizard.result_data()
    assert result.token is not None and result.token.cka_id == ca.chairman.cka_id
    controller.apply_setup(result)
    assert settings.get(opts.SIGNING_TOKEN_MODULE) == desk_token.module
    assert settings.get(opts.SIGNING_TOKEN_SERIAL) == desk_token.serial
    assert settings.get(opts.SIGNING_TOKEN_ID) == ca.chairman.id_hex
    stored = [str(settings._qs.value(key)) for key in settings._qs.allKeys()]
    assert desk_token.pin not in stored  # never the PIN (none was asked)

    # the finalise dialog starts on the token with the chosen certificate selected
    qtbot.addWidget(controller.build_window())
    dialog = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(dialog)
    assert dialog.with_token.isChecked()
    qtbot.waitUntil(lambda: dialog.token_panel.chosen() is not None, timeout=20000)
    assert dialog.token_panel.chosen().cka_id == ca.chairman.cka_id
    # and the wizard opened again shows the saved choice
    again = _wizard(qtbot, controller)
    assert again.signing_page.with_token.isChecked()
    qtbot.waitUntil(lambda: again.signing_page.chosen() is not None, timeout=20000)
    assert again.signing_page.chosen().cka_id == ca.chairman.cka_id
    # the app's key chosen again: nothing of the token is kept
    again.signing_page.with_key.setChecked(True)
    controller.apply_setup(again.result_data())
    assert settings.get(opts.SIGNING_TOKEN_ID) == ""
    runner.wait()


def test_finalise_dialog_adds_the_organisation_signature(
    qtbot, db, settings, cs, tmp_path, desk_token
):
    ca = desk_token.ca
    runner = TaskRunner()
    controller = answered_commune(qtbot, db, settings, runner, cs, level=0)
    dialog = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(dialog)
    dialog.acknowledge_all()
    dialog.token_panel.driver.setEditText(desk_token.module)
    dialog.with_token.setChecked(True)
    qtbot.waitUntil(lambda: dialog.token_panel.certificates.topLevelItemCount() == 3, timeout=20000)  # fmt: skip
    _select(dialog.token_panel, "Nguyễn Văn Bình")
    assert dialog.export_button.isEnabled()
    dialog.with_org.setChecked(True)  # the second panel: the same widget, the same driver
    assert dialog.org_panel.isVisibleTo(dialog) and dialog.org_panel is not dialog.token_panel
    assert not dialog.export_button.isEnabled()  # the organisation's certificate not chosen
    qtbot.waitUntil(lambda: dialog.org_panel.certificates.topLevelItemCount() == 3, timeout=20000)  # fmt: skip
    _select(dialog.org_panel, "UBND xã Hùng Lô")
    assert dialog.export_button.isEnabled()
    out = tmp_path / "nop"
    dialog.folder.setText(str(out))
    asked = []
    dialog.ask_pin = lambda choice: asked.append(choice) or desk_token.pin
    with qtbot.waitSignal(controller.commune.exported, timeout=60000) as exported:
        dialog.export_button.click()
    assert [c.cka_id for c in asked] == [ca.chairman.cka_id]  # one token: one PIN
    package = Path(exported.args[0])
    with zipfile.ZipFile(package) as zf:
        assert SIGNATURE_ORGANISATION in zf.namelist()
        report = zf.read("report.pdf")
    verdicts = ps.validate_pdf(report, [ca.root])
    assert [(v.field, v.code) for v in verdicts] == [
        (ps.CHAIRMAN_FIELD, ps.OK),
        (ps.ORGANISATION_FIELD, ps.OK),
    ]
    runner.wait()
