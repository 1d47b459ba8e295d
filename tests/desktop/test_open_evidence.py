"""Hole 1 (issue 12): nothing outside the evidence allow-list is handed to the system to open.

The shared door (``desktop.evidence_opener.open_evidence_file``) directly, and both screens
that open evidence (the reviewer's, the commune's evidence list) through their ``opener``
hook, which must not be called for a refused file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from desktop.assessment.evidence import EvidenceList
from desktop.assessment.session import EvidenceItem
from desktop.collector.session import CollectorSession
from desktop.evidence_opener import open_evidence_file, refusal
from desktop.review.reviewer import ReviewerScreen
from desktop.tasks import TaskRunner
from local_db.collector import CollectorStore
from tests.local_db.review_support import CS, REVIEWER
from tests.local_db.test_merge_hostile import HTML, PDF, _merged_anyway

HTA = "Biên bản họp.pdf      .hta"


@pytest.mark.parametrize(
    "name, content",
    [(HTA, HTML), ("x.pdf.exe", PDF), ("Báo cáo.pdf", HTML), ("Tờ trình.docx", PDF)],
    ids=["hta", "exe", "html-as-pdf", "pdf-as-docx"],
)
def test_hole1_opener_refuses_what_is_not_allowed(tmp_path, name, content):
    """Attack: a file called `… .pdf      .hta` (HTML inside) was opened with
    QDesktopServices, and Windows ran it as an HTML application."""
    path = tmp_path / name
    path.write_bytes(content)
    opened: list[Path] = []
    message = open_evidence_file(path, opened.append)
    assert opened == [] and message is not None and name in message


def test_hole1_opener_opens_an_allowed_file_whose_content_matches(tmp_path):
    path = tmp_path / "Biên bản họp.pdf"
    path.write_bytes(PDF)
    opened: list[Path] = []
    assert open_evidence_file(path, opened.append) is None
    assert opened == [path]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_hole1_opener_refuses_a_fifo_named_like_a_pdf_without_blocking(tmp_path):
    path = tmp_path / "x.pdf"
    os.mkfifo(path)
    assert "x.pdf" in (refusal(path) or "")


def test_hole1_reviewer_screen_does_not_open_a_signed_hta(qtbot, tmp_path):
    """Through the reviewer's screen: the evidence of a hostile (trusted) commune is not
    extracted, the screen says why, and the opener hook is never called."""
    conn, sha, [entry] = _merged_anyway(tmp_path, ((HTA, HTML),))
    opened: list[Path] = []
    store = CollectorStore(tmp_path / "c.sqlite")  # the database _merged_anyway filled
    session = CollectorSession(store, TaskRunner(synchronous=True), officer="Trần Văn Bình")
    screen = ReviewerScreen(session, sha, CS, REVIEWER, opener=opened.append,
                            evidence_dir=tmp_path / "open")  # fmt: skip
    qtbot.addWidget(screen)
    with qtbot.waitSignal(screen.failed) as blocker:
        screen.open_evidence(entry.path)
    assert opened == [] and HTA in blocker.args[0]
    store.close()
    conn.close()


def test_hole1_reviewer_screen_opens_an_allowed_pdf(qtbot, tmp_path):
    conn, sha, [entry] = _merged_anyway(tmp_path, (("Biên bản họp.pdf", PDF),))
    opened: list[Path] = []
    store = CollectorStore(tmp_path / "c.sqlite")  # the database _merged_anyway filled
    session = CollectorSession(store, TaskRunner(synchronous=True), officer="Trần Văn Bình")
    screen = ReviewerScreen(session, sha, CS, REVIEWER, opener=opened.append,
                            evidence_dir=tmp_path / "open")  # fmt: skip
    qtbot.addWidget(screen)
    screen.open_evidence(entry.path)
    [path] = opened
    assert path.name == f"{sha[:8]}-Bien-ban-hop.pdf" and path.read_bytes() == PDF
    store.close()
    conn.close()


def test_hole1_evidence_list_does_not_open_a_stored_hta(
    qtbot, session, runner, tmp_path, monkeypatch
):
    """Through the commune's evidence list: an item stored before the allow-list existed
    (an older database) is copied for viewing but never handed to the system."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the viewing copies go here
    stored = tmp_path / "blob"
    stored.write_bytes(HTML)
    item = EvidenceItem(1, "1.1", HTA, "ab" * 32, len(HTML), str(stored))
    session.evidence["1.1"] = [item]
    opened: list[Path] = []
    widget = EvidenceList(session, "1.1", runner, opener=opened.append)
    qtbot.addWidget(widget)
    widget.list.setCurrentRow(0)
    with qtbot.waitSignal(widget.failed) as blocker:
        widget.open_selected()
    assert opened == [] and HTA in blocker.args[0]
