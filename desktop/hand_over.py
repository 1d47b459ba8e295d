"""Acting on a file handed to the running window: a double-click (``dti-desk open FILE``), or
a file a second ``dti-desk open`` passes to this app (``desktop.single_instance``).

What happens depends on the mode:

- collector mode: a package or bundle is merged into the collector database exactly as if it
  were dropped on the window (``CollectorWindow.merge``: off the GUI thread, with progress);
  a review issued by another collector is received (``CollectorWindow.receive_review``: off the
  GUI thread, through ``local_db.review.collector.receive_file``);
- commune mode: a package is verified against this machine's own key (a commune checking the
  package it sent) and the verdict shown; a review is imported into the review tab
  (``CommuneReviewPanel.import_file``); a bundle gets a message that bundles are for collectors.

The command itself (``desktop.commands.open``) checks the file and starts the app; this module
is what the app does with it, so the app needs nothing from the command line's modules.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from forms.i18n import _
from local_db.paths import REVIEWERS_FILE

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
PACKAGE, BUNDLE, REVIEW = ".dtipkg", ".dtibundle", ".dtireview"
KINDS = (PACKAGE, BUNDLE, REVIEW)

# shows the outcome to the person: (ok, text); tests collect it instead of a message box
Show = Callable[[bool, str], None]


def check_file(path: Path) -> tuple[int, str]:
    """``(0, "")`` when ``path`` is a file the app can open, else the exit code and the message."""
    if path.suffix.lower() not in KINDS:
        return EXIT_USAGE, _(
            "Không mở được {name}: chỉ mở được gói nộp (.dtipkg), gói chuyển tiếp (.dtibundle) hoặc phiếu thẩm định (.dtireview).",
            name=path.name,
        )  # fmt: skip
    if not path.is_file():
        return EXIT_PROBLEMS, _("Không tìm thấy tệp {path}", path=str(path))
    return EXIT_OK, ""


def bring_to_front(controller: Any) -> None:
    """The app's window restored if minimised, raised and activated: a file handed over, or a
    second launch of the program (which used to say only "the data folder is in use")."""
    window = controller.main_window()
    if window is not None:
        if window.isMinimized():
            window.showNormal()
        window.raise_()
        window.activateWindow()


def act_on_shown_window(controller: Any, path: Path) -> None:
    """Bring the app's window forward and act on ``path`` (its own double-click, or one handed
    over by a second ``dti-desk open``)."""
    # runs from the event loop: an error here would only reach stderr, which the windowed
    # program does not have, so the person sees it in a box instead
    show = _message_box(controller)
    bring_to_front(controller)
    try:
        code, message = check_file(path)
        if code:
            show(False, message)
            return
        act_on_file(controller, path, show)
    except Exception as exc:  # noqa: BLE001 - shown, the app stays usable
        show(False, _("Không mở được {name}: {error}", name=path.name, error=str(exc)))


def _message_box(controller: Any) -> Show:
    def show(ok: bool, text: str) -> None:
        from desktop.qt import QMessageBox

        parent = controller.main_window()
        (QMessageBox.information if ok else QMessageBox.warning)(parent, _("Mở tệp"), text)

    return show


def act_on_file(controller: Any, path: Path, show: Show | None = None) -> str:
    """Act on ``path`` in the window the controller shows; returns what was started:
    ``merge``, ``receive_review``, ``verify``, ``import_review``, ``bundle_refused``."""
    from desktop import settings as opts

    show = show or _message_box(controller)
    kind = path.suffix.lower()
    if controller.mode() == opts.COLLECTOR:
        window = controller.collector_window
        if kind == REVIEW:
            _receive_review(controller, window, path, show)
            return "receive_review"
        window.tabs.setCurrentIndex(0)  # the inbox, where the merged rows appear
        window.merge([path])  # the drag-and-drop path: worker thread, progress bar
        return "merge"
    if kind == PACKAGE:
        verify_own_package(controller, path, show)
        return "verify"
    if kind == REVIEW:
        import_review(controller, path, show)
        return "import_review"
    show(False, _(
        "Tệp {name} là gói chuyển tiếp, dành cho cán bộ tổng hợp. Máy này đang ở chế độ xã nên không tổng hợp gói này. "
        "Nếu anh/chị làm công tác tổng hợp, hãy đổi chế độ trong Cài đặt.",
        name=path.name,
    ))  # fmt: skip
    return "bundle_refused"


def _criteria(controller: Any) -> dict[str, Any]:
    from desktop.shell import reference_or_none
    from forms.reference import released_sets
    from local_db import criteria_store

    sets = {}
    reference = reference_or_none()
    if reference is not None:
        sets[reference.content_hash] = reference
    for released in released_sets():  # a package signed with an earlier release
        sets.setdefault(released.content_hash, released)
    for row in criteria_store.known(controller.db):
        if row.content_hash not in sets:
            sets[row.content_hash] = criteria_store.load(controller.db, row.content_hash)
    return sets


def verify_own_package(controller: Any, path: Path, show: Show) -> None:
    """Commune mode: is this the package this machine signed, intact? Checked off the GUI
    thread against the commune's own key (trusted for its own unit only)."""
    from forms.packages import keys
    from forms.packages.trust import TrustRegistry
    from forms.packages.verify import verify_package

    prof = controller.profile()
    trust = TrustRegistry()
    try:
        own = keys.load_public(controller.keys_dir)
        trust.add_key(prof.unit_code if prof is not None else "", own.public_key, own.name)
    except keys.KeyFileError:
        pass  # no key: every signer is untrusted, which the verdict says
    sets = _criteria(controller)

    def done(verdict: Any) -> None:
        if verdict.ok:
            show(True, _(
                "Gói {name} hợp lệ: đơn vị {unit}, năm {year}, ký bằng khóa {fingerprint} của máy này; nội dung không bị thay đổi.",
                name=path.name, unit=verdict.unit_name or verdict.unit, year=verdict.year,
                fingerprint=verdict.signer.fingerprint if verdict.signer else "-",
            ))  # fmt: skip
        else:
            lines = [f"• {p.message}" for p in verdict.reasons]
            show(False, _("Gói {name} KHÔNG hợp lệ:", name=path.name) + "\n" + "\n".join(lines))

    def failed(exc: BaseException) -> None:
        show(False, _("Không kiểm tra được gói {name}: {error}", name=path.name, error=str(exc)))

    controller.runner.run(
        lambda: verify_package(path, criteria_sets=sets, trust=trust), done, failed
    )


def import_review(controller: Any, path: Path, show: Show) -> None:
    """Commune mode: import through the review tab (the review feature's own import), shown."""
    panel = controller.review_panel()
    window = controller.window
    window.tabs.setCurrentWidget(panel)

    def imported(result: Any) -> None:
        review = result.review
        show(True, _(
            "Đã nhập phiếu thẩm định của {name}: {flagged} chỉ tiêu cần giải trình, {adjusted} chỉ tiêu điều chỉnh điểm.",
            name=review.reviewer.name, flagged=len(review.flagged), adjusted=len(review.adjusted),
        ))  # fmt: skip

    panel.imported.connect(imported)
    panel.failed.connect(lambda text: show(False, text))
    panel.import_file(path)


def _receive_review(controller: Any, window: Any, path: Path, show: Show) -> None:
    """Collector mode: a review issued by another collector, checked against ``reviewers.json``;
    read, verified and stored off the GUI thread by the window (hole 4 of issue 12)."""
    reviewers = Path(controller.db.data_dir) / REVIEWERS_FILE
    window.receive_review(path, reviewers, _criteria(controller), show)
