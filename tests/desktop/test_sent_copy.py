"""Through the app: after sending, "save another copy" writes the same bytes, and a collector
that receives both copies sees one submission (a duplicate), never a conflict."""

from __future__ import annotations

from pathlib import Path

from desktop.shell import Shell
from forms.packages import keys
from forms.packages.trust import TrustRegistry
from local_db import assessments
from local_db.collector import dump, merge_paths, open_collector
from tests.desktop.commune_support import PASSPHRASE, answered_commune


def _controller(qtbot, db, settings, runner, cs) -> Shell:
    return answered_commune(qtbot, db, settings, runner, cs, level=2)


def _export(qtbot, controller: Shell, out: Path):
    dialog = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(dialog)
    assert dialog.copy_button.isHidden()  # nothing sent yet
    with qtbot.waitSignal(controller.commune.exported) as exported:
        controller.commune.export(PASSPHRASE, out)
    return dialog, Path(exported.args[0])


def test_another_copy_is_the_same_submission_at_the_collector(
    qtbot, db, settings, runner, cs, tmp_path
):
    controller = _controller(qtbot, db, settings, runner, cs)
    dialog, sent = _export(qtbot, controller, tmp_path / "out")
    assert not dialog.copy_button.isHidden()
    assert "chỉ còn để xem" in dialog.summary.text()  # sent: nothing left to fix or tick
    usb = tmp_path / "usb"
    usb.mkdir()
    dialog._save_copy(path=str(usb / sent.name))
    assert "giống hệt" in dialog.message.text()
    again = usb / sent.name
    assert again.read_bytes() == sent.read_bytes()
    # a dialog opened later (another day) offers it too
    later = controller.commune.open_finalise(exec_dialog=False)
    qtbot.addWidget(later)
    assert not later.copy_button.isHidden()

    trust = TrustRegistry()
    trust.add_key("25001", keys.load_public(controller.keys_dir).public_key)
    conn = open_collector(tmp_path / "collector.sqlite")
    try:
        first = merge_paths(conn, [sent], trust, [cs])
        second = merge_paths(conn, [again], trust, [cs])
        assert (first.accepted, second.accepted, second.duplicates) == (1, 0, 1)
        assert [row[3] for row in dump(conn)["current"]] == ["current"]
        assert dump(conn)["conflicts"] == []
    finally:
        conn.close()


def test_a_damaged_kept_copy_is_refused_by_name_and_nothing_is_written(
    qtbot, db, settings, runner, cs, tmp_path
):
    import zipfile

    controller = _controller(qtbot, db, settings, runner, cs)
    dialog, sent = _export(qtbot, controller, tmp_path / "out")
    kept = next((Path(db.data_dir) / "sent").iterdir())
    # the signed manifest kept, the signature file damaged: the quick check passes, saving does not
    with zipfile.ZipFile(sent) as zin, zipfile.ZipFile(kept, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(
                info, data[:-8] + b"AAAAAAA=" if info.filename.startswith("signature/") else data
            )
    usb = tmp_path / "usb"
    usb.mkdir()
    dialog._save_copy(path=str(usb / sent.name))
    assert "bị hỏng" in dialog.message.text() and kept.name in dialog.message.text()
    assert list(usb.iterdir()) == []


def test_when_no_copy_can_be_kept_the_export_still_succeeds_and_says_so(
    qtbot, db, settings, runner, cs, tmp_path
):
    controller = _controller(qtbot, db, settings, runner, cs)
    (Path(db.data_dir) / "sent").write_bytes(b"a file where the folder should be")
    dialog, sent = _export(qtbot, controller, tmp_path / "out")
    assert sent.is_file()
    assert assessments.get(db, controller.commune.current.id).status == "exported"
    assert "không giữ được bản sao" in dialog.message.text()
    assert dialog.copy_button.isHidden()
