"""Render the main screens to PNG files without a display: ``python -m desktop.screenshots --out DIR``.

Uses a temporary data folder, the reference set and a plausible half-filled assessment, so
anyone (reviewers, translators, the lead) can look at the UI in a CI artefact. Widgets are
painted with ``widget.grab()`` on the offscreen platform.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from local_db.paths import TRUST_FILE

if TYPE_CHECKING:
    from desktop.qt import QWidget
    from desktop.settings import Settings
    from desktop.shell import Shell
    from desktop.tasks import TaskRunner
    from local_db.database import Database

SIZE = (1200, 780)


def _sample(session, share: float = 0.6) -> None:
    leaves = session.cs.leaves()
    for ind in leaves[: int(len(leaves) * share)]:
        for key, value in _answers_for(ind, session.year).items():
            session.set_value(ind.code, key, value)


def _answers_for(ind, year: int) -> dict:
    from forms.criteria import FieldKind, RuleKind

    out: dict = {}
    for f in ind.fields:
        if f.kind is FieldKind.BOOL:
            out[f.key] = True
        elif f.kind is FieldKind.CHOICE:
            out[f.key] = ind.rule.choices[min(1, len(ind.rule.choices) - 1)].key
        elif f.kind is FieldKind.COUNT:
            out[f.key] = 3 if ind.rule.kind is RuleKind.RATIO and f.key == ind.rule.numerator else 4
        elif f.kind is FieldKind.PERCENT:
            out[f.key] = "82.5"
        elif f.kind is FieldKind.NUMBER:
            out[f.key] = str(ind.max_points / 2)
        elif f.kind is FieldKind.DATE:
            out[f.key] = f"{year}-03-15"
        elif f.kind is FieldKind.DOCREF:
            out[f.key] = {"number": "15/KH-UBND", "date": f"{year}-02-10", "issuer": "UBND xã Hòa Bình",
                          "summary": "Kế hoạch chuyển đổi số năm " + str(year)}  # fmt: skip
        else:
            out[f.key] = "Đã triển khai trên toàn xã"
    return out


Shot = Callable[["QWidget", str], None]


def render(out: Path, lang: str = "vi") -> list[Path]:
    from desktop.app import _make_application
    from desktop.qt import QApplication
    from desktop.settings import Settings
    from desktop.shell import Shell
    from desktop.tasks import TaskRunner
    from forms.i18n import set_language
    from local_db.database import open_database

    set_language(lang)
    app = _make_application(sys.argv[:1])
    app.setStyle("Fusion")  # the same look on every CI machine
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def shot(widget: QWidget, name: str) -> None:
        if not name.startswith(("0-", "1-", "2-", "3-")):  # the wizard keeps its own size
            widget.resize(*SIZE)
        widget.show()
        for _ in range(3):
            QApplication.processEvents()
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    with tempfile.TemporaryDirectory(prefix="dti-desk-shots-") as tmp:
        data = Path(tmp) / "data"
        db = open_database(data)
        try:
            _import_units(db, Path(tmp) / "units.csv")
            runner = TaskRunner(synchronous=True)
            settings = Settings(Path(tmp) / "settings.ini")
            controller = Shell(db, settings, runner)
            _wizard_shots(controller, shot)
            _commune_shots(controller, shot)
            written.extend(_collector_shots(db, settings, runner, Path(tmp), shot))
        finally:
            db.close()
    return written


def _import_units(db: Database, units_csv: Path) -> None:
    from local_db import units

    units_csv.write_text(
        "Mã,Tên,Loại,Nhóm\n25001,Hòa Bình,xã,Khu vực Tây Bắc\n25002,Phường Nông Trang,phường,Việt Trì\n"
        "25003,Đồng Lạc,xã,Khu vực Tây Bắc\n25004,Hòa Sơn,xã,Khu vực Đông\n25005,Hòa Lạc,xã,Khu vực Đông\n",
        encoding="utf-8",
    )
    units.import_units(db, units_csv)


def _wizard_shots(controller: Shell, shot: Shot) -> None:
    """The first-run wizard, page by page; the commune it sets up is used by the later shots."""
    wizard = controller.make_wizard()
    shot(wizard, "0-wizard-mode")
    wizard.next()
    wizard.unit_page.search.setText("hoa")
    wizard.unit_page.list.setCurrentRow(0)
    shot(wizard, "1-first-run-wizard")
    wizard.next()
    wizard.officer_page.name.setText("Nguyễn Thị Lan")
    wizard.officer_page.position.setText("Công chức Văn hóa - Xã hội")
    wizard.next()
    shot(wizard, "2-wizard-criteria-set")
    wizard.next()
    wizard.key_page.pass1.setText("mật khẩu dài")
    wizard.key_page.pass2.setText("mật khẩu dài")
    wizard.key_page.create_key()
    shot(wizard, "3-wizard-signing-key")
    controller.apply_setup(wizard.result_data())
    wizard.close()


def _commune_shots(controller: Shell, shot: Shot) -> None:
    """The editor (an indicator, a document reference, find), the overview and finalise."""
    from desktop.assessment.session import AssessmentSession
    from desktop.assessment.store import DbStore
    from forms.reference import reference_set
    from local_db import assessments

    db = controller.db
    # last year's assessment, so the chart has something beside this year's bars
    cs = reference_set()
    last_year = assessments.create(db, "25001", cs.year - 1, cs).id
    assert last_year is not None
    previous = AssessmentSession(cs, DbStore(db, last_year), cs.year - 1)
    _sample(previous, 0.8)
    del previous

    window = controller.build_window()
    session = controller.commune.session
    editor, overview = window.editor, window.overview
    assert session is not None and editor is not None and overview is not None
    _sample(session, 0.6)
    window.update_status()
    leaves = cs.leaves()
    ratio = next((i for i in leaves if i.rule.kind.value == "ratio"), leaves[0])
    session.set_value(ratio.code, ratio.rule.numerator, 9)  # a live validation message
    session.set_value(ratio.code, ratio.rule.denominator, 6)
    editor.open(ratio.code)
    editor.page(ratio.code).refresh(load_values=True)
    shot(window, "4-editor-indicator")
    docref = next((i for i in leaves if any(f.kind.value == "docref" for f in i.fields)), leaves[0])
    editor.open(docref.code)
    shot(window, "5-editor-document-reference")
    editor.only_unfinished.setChecked(True)
    editor.find_edit.setText("an toan")
    shot(window, "6-editor-find-unfinished")
    editor.find_edit.clear()
    editor.only_unfinished.setChecked(False)
    window.show_overview()
    shot(window, "7-overview-chart")
    window.tabs.setCurrentWidget(editor)
    dialog = controller.commune.open_finalise(exec_dialog=False)
    dialog.resize(int(SIZE[0] * 0.75), int(SIZE[1] * 0.85))
    shot(dialog, "8-finalise-dialog")
    dialog.close()
    window.close()


def _collector_shots(
    db: Database, settings: Settings, runner: TaskRunner, tmp: Path, shot: Shot
) -> list[Path]:
    """Collector mode: the inbox after merging demo packages, and the ranking with its chart."""
    import shutil

    from desktop import settings as opts
    from desktop.shell import Shell
    from forms.packages.demo import write_demo

    demo = write_demo(tmp / "demo", units=24, evidence=1, year=2025)
    shutil.copy(demo.trust, Path(db.data_dir) / TRUST_FILE)
    settings.set(opts.MODE, opts.COLLECTOR)
    settings.set(opts.ORGANISATION, "Phòng Văn hóa - Xã hội khu vực 3")
    controller = Shell(db, settings, runner)
    wizard = controller.make_wizard()  # opens in collector mode now
    wizard.show()  # a wizard starts on show: next() before it would be undone
    wizard.next()
    wizard.officer_page.name.setText("Trần Văn Bình")
    wizard.officer_page.position.setText("Chuyên viên")
    shot(wizard, "2-wizard-collector-officer")
    wizard.next()
    wizard.next()
    shot(wizard, "3-wizard-collector-key")
    wizard.close()
    window = controller.build_collector_window()
    window.store.set_units([(u.code, u.name, "xã", u.group) for u in demo.units])
    window.year_spin.setValue(2025)
    window.merge(demo.packages)
    shot(window, "9-collector-inbox")
    window.tabs.setCurrentIndex(1)
    shot(window, "10-collector-ranking")
    window.close()
    return []


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    parser = argparse.ArgumentParser(prog="python -m desktop.screenshots")
    parser.add_argument("--out", default="screenshots", type=Path)
    parser.add_argument("--lang", default="vi", choices=("vi", "en"))
    args = parser.parse_args(argv)
    for path in render(args.out, args.lang):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
