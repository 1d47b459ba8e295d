"""The whole journey in one test, driven through the widgets the officer uses:
first run -> fill every indicator of the reference set -> attach evidence -> finalise ->
export a signed package -> print the PDF -> reopen as a new revision."""

from __future__ import annotations

import zipfile
from pathlib import Path

from desktop.assessment.checks import Status
from desktop.assessment.session import ReadOnlyError
from desktop.qt import QDropEvent, QLineEdit, QMimeData, QPointF, QRadioButton, Qt, QUrl
from desktop.shell import Shell
from forms.packages.trust import TrustRegistry
from forms.packages.verify import verify_package
from tests.desktop.commune_support import fill_page


def _drop(widget, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)  # fmt: skip
    widget.dropEvent(event)


def test_whole_journey(qtbot, db, settings, runner, units_file, pdf_file, tmp_path):
    controller = Shell(db, settings, runner)
    assert controller.needs_setup()

    # --- first run -------------------------------------------------------------------
    wizard = controller.make_wizard()
    qtbot.addWidget(wizard)
    wizard.show()
    assert wizard.mode_page.commune.isChecked()  # first page: the mode; commune by default
    wizard.next()
    unit_page = wizard.unit_page
    assert unit_page.empty.isVisible()  # no unit list yet: the officer imports the province's
    unit_page.import_file(str(units_file))
    qtbot.keyClicks(unit_page.search, "hoa binh")  # no accents typed
    assert unit_page.list.count() == 1 and unit_page.chosen() == ("25001", "Hòa Bình")
    assert unit_page.isComplete()
    wizard.next()
    officer = wizard.officer_page
    assert not officer.isComplete()
    officer.name.setText("Nguyễn Thị Lan")
    officer.position.setText("Công chức Văn hóa - Xã hội")
    assert officer.isComplete()
    wizard.next()
    criteria = wizard.criteria_page
    assert criteria.use_reference.isChecked() and criteria.isComplete()
    cs = criteria.chosen()
    assert cs is not None and len(cs.leaves()) >= 60
    wizard.next()
    key_page = wizard.key_page
    assert not key_page.isComplete()
    qtbot.keyClicks(key_page.pass1, "mat khau dai")
    qtbot.keyClicks(key_page.pass2, "mat khau dai")
    key_page.create_button.click()
    assert key_page.isComplete() and len(key_page.fingerprint.replace(" ", "")) == 16
    assert key_page.fingerprint in key_page.fingerprint_label.text()
    controller.apply_setup(wizard.result_data())
    assert not controller.needs_setup()

    # --- fill every indicator through its widgets -------------------------------------
    window = controller.build_window()
    qtbot.addWidget(window)
    window.show()
    editor = window.editor
    session = controller.commune.session
    year = session.year
    for ind in cs.leaves():
        editor.open(ind.code)
        fill_page(qtbot, editor.page(ind.code), ind, year)
    # --- attach evidence where it is required (drag-and-drop for the first) ------------
    needing = [ind for ind in cs.leaves() if session.status(ind) is Status.EVIDENCE_MISSING]
    assert needing, "the reference set requires evidence somewhere"
    for i, ind in enumerate(needing):
        editor.open(ind.code)
        evidence = editor.page(ind.code).evidence
        if i == 0:
            _drop(evidence, pdf_file)
        else:
            evidence.attach_file(str(pdf_file), {"number": "12/KH-UBND"})
        assert evidence.list.count() == 1
    not_done = {
        ind.code: session.status(ind).value
        for ind in cs.leaves()
        if session.status(ind) is not Status.COMPLETE
    }
    assert not not_done
    total = len(cs.leaves())
    assert window.progress_label.text() == f"{total}/{total} chỉ tiêu"
    assert window.saved_label.text().startswith("Đã lưu lúc")

    # --- finalise: no errors; warnings acknowledged; sign and export ---------------------
    dialog = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(dialog)
    assert dialog.errors() == []
    dialog.acknowledge_all()
    out_dir = tmp_path / "nop"
    dialog.folder.setText(str(out_dir))
    qtbot.keyClicks(dialog.passphrase, "sai mat khau")
    dialog.export_button.click()
    assert "Sai mật khẩu" in dialog.message.text()
    assert not list(out_dir.glob("*.dtipkg")) if out_dir.exists() else True
    dialog.passphrase.setText("mat khau dai")
    with qtbot.waitSignal(controller.commune.exported) as exported:
        dialog.export_button.click()
    package = Path(exported.args[0])
    assert package.is_file() and package.parent == out_dir
    # one click, both files (issue 15): the PDF beside the package is the one inside it
    beside = package.with_suffix(".pdf")
    assert sorted(p.name for p in out_dir.iterdir()) == sorted([package.name, beside.name])
    with zipfile.ZipFile(package) as zf:
        assert zf.read("report.pdf") == beside.read_bytes()
    assert beside.name in dialog.message.text()

    public = __import__("forms.packages.keys", fromlist=["load_public"]).load_public(
        controller.keys_dir
    )
    trust = TrustRegistry()
    trust.add_key("25001", public.public_key)
    verdict = verify_package(package, criteria_sets={cs.content_hash: cs}, trust=trust)
    assert verdict.ok, verdict.codes
    assert verdict.unit == "25001" and verdict.year == year
    assert len(verdict.manifest["evidence"]) == len(needing)

    # --- the printable report --------------------------------------------------------------
    report = tmp_path / "bao-cao.pdf"
    with qtbot.waitSignal(controller.commune.pdf_written):
        dialog._pdf(path=str(report))
    assert report.read_bytes().startswith(b"%PDF")

    # --- signed means read-only -------------------------------------------------------------
    assert session.read_only
    assert window.reopen_action.isEnabled()
    for ind in cs.leaves()[:5]:
        page = editor.page(ind.code)
        assert all(e.isReadOnly() for e in page.findChildren(QLineEdit))
        assert not any(b.isEnabled() for b in page.findChildren(QRadioButton))
        assert not page.evidence.attach_button.isEnabled()
    try:
        session.set_value(cs.leaves()[0].code, cs.leaves()[0].fields[0].key, None)
        raise AssertionError("a signed assessment accepted an edit")
    except ReadOnlyError:
        pass

    # --- reopen: revision 2, a draft with the answers kept ------------------------------------
    new_window = controller.commune.reopen()
    qtbot.addWidget(new_window)
    assert controller.commune.current.revision == 2
    assert not controller.commune.session.read_only
    assert controller.commune.session.answers == session.answers
    assert "lần 2" in new_window.windowTitle()
    first, key = cs.leaves()[0], cs.leaves()[0].fields[0].key
    controller.commune.session.set_value(first.code, key, None)
    assert controller.commune.session.status(first) is Status.INCOMPLETE
    from local_db import answers

    assert key not in answers.get_all(db, controller.commune.current.id).get(first.code, {})
    assert (
        key in answers.get_all(db, controller.commune.current.parent_id)[first.code]
    )  # history kept
