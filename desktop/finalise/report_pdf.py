"""Printing the report (``desktop.finalise.report``) to an A4 PDF in the layout of Decree
30/2020/NĐ-CP: a Times-compatible serif at 13 pt, margins top 20, bottom 20, left 30, right
15 mm, the page number centred in the top margin from page 2 on (the decree numbers pages that
way and leaves the first unnumbered), and on a draft "BẢN NHÁP" across every page.

``QTextDocument.print_`` can neither draw outside the text area nor mark pages, so the pages
are painted one by one with a QPainter, as Qt's documentation shows ("Printing a document
page by page"); the text layout still breaks the pages and repeats each table's ``<thead>``
rows at the top of every page the table runs on.

The font, Liberation Serif (SIL OFL 1.1, ``resources/fonts/LICENSE.txt``), ships with the app
and is registered before printing: an office PC may lack Times New Roman, and a document whose
font is substituted by the PC it is printed on is laid out differently on each.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from desktop.qt import (
    QBuffer,
    QByteArray,
    QColor,
    QFont,
    QFontDatabase,
    QMarginsF,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QRectF,
    Qt,
    QTextDocument,
    QTextFormat,
    QTextTable,
)
from forms.i18n import _

__all__ = ["DRAFT_MARK", "FONT_FAMILY", "register_fonts", "signature_areas", "write_pdf"]

# report_html puts this comment first in a draft's HTML; autoescaping turns any "<" in a value
# into "&lt;", so no answer or name can forge it.
DRAFT_MARK = "<!-- dti-desk: draft -->"
FONT_FAMILY = "Liberation Serif"
FONT_FILES = (
    "LiberationSerif-Regular.ttf",
    "LiberationSerif-Bold.ttf",
    "LiberationSerif-Italic.ttf",
    "LiberationSerif-BoldItalic.ttf",
)
BODY_PT = 13
MARGINS_MM = QMarginsF(30, 20, 15, 20)  # left, top, right, bottom
PAGE_NUMBER_MM = 10  # the page number's baseline, from the top edge
DPI = 600  # vector output: only rounding of positions depends on it


@cache
def register_fonts() -> str:
    """Register the bundled serif with Qt (once per process); returns its family name."""
    folder = resources.files("resources") / "fonts"
    for name in FONT_FILES:
        # From bytes, not a path: works wherever importlib.resources finds the file.
        data = (folder / name).read_bytes()
        if QFontDatabase.addApplicationFontFromData(QByteArray(data)) < 0:
            raise OSError(_("Không nạp được phông chữ {name} của báo cáo.", name=name))
    return FONT_FAMILY


def _px(mm: float) -> float:
    return mm / 25.4 * DPI


def _draw_draft_mark(painter: QPainter, page: QRectF) -> None:
    painter.save()
    font = QFont(FONT_FAMILY, 72)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor(190, 190, 190))
    painter.translate(page.center())
    painter.rotate(-45)
    box = QRectF(-page.height() / 2, -page.width() / 4, page.height(), page.width() / 2)
    painter.drawText(box, Qt.AlignmentFlag.AlignCenter, _("BẢN NHÁP"))
    painter.restore()


def _draw_page_number(painter: QPainter, page: QRectF, number: int) -> None:
    painter.save()
    painter.setFont(QFont(FONT_FAMILY, BODY_PT))
    painter.setPen(QColor(0, 0, 0))
    box = QRectF(0, _px(PAGE_NUMBER_MM) - _px(8), page.width(), _px(8))
    painter.drawText(box, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, str(number))
    painter.restore()


def _layout(html_text: str, writer: QPdfWriter, page: QRectF) -> QTextDocument:
    """The document laid out on whole pages, the margins being its root frame's (as
    ``QTextDocument.print_`` does it: with the margins outside the page size instead, a table
    row moved to the next page left an empty stub of itself at the bottom of the page)."""
    doc = QTextDocument()
    doc.documentLayout().setPaintDevice(writer)  # lay out with the PDF's font metrics
    doc.setDefaultFont(QFont(register_fonts(), BODY_PT))
    doc.setHtml(html_text)
    frame = doc.rootFrame().frameFormat()
    # Frame lengths are CSS pixels (1/96 in); the layout scales them to the paint device.
    frame.setLeftMargin(MARGINS_MM.left() / 25.4 * 96)
    frame.setTopMargin(MARGINS_MM.top() / 25.4 * 96)
    frame.setRightMargin(MARGINS_MM.right() / 25.4 * 96)
    frame.setBottomMargin(MARGINS_MM.bottom() / 25.4 * 96)
    doc.rootFrame().setFrameFormat(frame)
    doc.setPageSize(page.size())
    _keep_layout_tables_whole(doc, page.height())
    return doc


def _keep_layout_tables_whole(doc: QTextDocument, page_height: float) -> None:
    """A borderless table lays out a block (the heading, the signatures): one that would run
    over a page break starts on the next page instead, as a whole. QTextDocument splits tables
    line by line and knows no ``page-break-inside: avoid``; the signatures split "TM. ỦY BAN
    NHÂN DÂN" on one page from "CHỦ TỊCH" on the next."""
    layout = doc.documentLayout()
    for frame in doc.rootFrame().childFrames():
        fmt = frame.frameFormat()
        if not isinstance(frame, QTextTable) or fmt.border() > 0:
            continue
        box = layout.frameBoundingRect(frame)
        if box.top() // page_height != (box.bottom() - 1) // page_height:
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            frame.setFrameFormat(fmt)


def _writer(target: str | QBuffer, title: str = "") -> tuple[QPdfWriter, QRectF]:
    writer = QPdfWriter(target)
    writer.setTitle(title)
    writer.setCreator("dti-desk")
    writer.setResolution(DPI)
    # The margins are painted by hand (page number, draft mark), so the writer has none.
    writer.setPageLayout(
        QPageLayout(
            QPageSize(QPageSize.PageSizeId.A4),
            QPageLayout.Orientation.Portrait,
            QMarginsF(0, 0, 0, 0),
            QPageLayout.Unit.Millimeter,
        )
    )
    return writer, QRectF(writer.pageLayout().fullRectPixels(DPI))


def write_pdf(html_text: str, path: Path, title: str = "") -> Path:
    """Print ``html_text`` to an A4 PDF at ``path`` (written beside, then renamed: no half files)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".part")
    writer, page = _writer(str(tmp), title)
    doc = _layout(html_text, writer, page)
    draft = html_text.startswith(DRAFT_MARK)
    painter = QPainter(writer)
    try:
        for index in range(doc.pageCount()):
            if index:
                writer.newPage()
            if draft:
                _draw_draft_mark(painter, page)
            if index:
                _draw_page_number(painter, page, index + 1)
            painter.save()
            painter.translate(0, -index * page.height())
            doc.drawContents(painter, page.translated(0, index * page.height()))
            painter.restore()
    finally:
        painter.end()
    del writer  # closes the file
    tmp.replace(path)
    return path


def _points(px: float) -> float:
    return px / DPI * 72


def signature_areas(html_text: str, heading: str) -> dict[str, tuple[int, tuple[int, ...]]]:
    """Where the digital signatures go on the report as :func:`write_pdf` prints it: for
    ``"chairman"`` and ``"organisation"``, the page index and a rectangle in PDF points (from
    the bottom left). The chairman's is the blank space of the signature block's cell whose
    first line is ``heading`` ("TM. ỦY BAN NHÂN DÂN"), between the title and the name; the
    organisation's is in the same column under the name (Decree 30/2020/NĐ-CP lays the
    organisation's seal image over the signer's left third; two text stamps laid over each
    other could not be read). Empty when the text is not found."""
    buffer = QBuffer()
    writer, page = _writer(buffer)
    doc = _layout(html_text, writer, page)
    found = doc.find(heading, 0, QTextDocument.FindFlag.FindCaseSensitively)
    if found.isNull() or found.currentTable() is None:
        return {}
    block = found.block()
    lines = block.layout()
    if lines.lineCount() < 3:
        return {}
    box = doc.documentLayout().blockBoundingRect(block)
    last = lines.lineAt(lines.lineCount() - 1).rect()
    top = box.top() + lines.lineAt(1).rect().bottom()  # under the title ("CHỦ TỊCH")
    bottom = box.top() + last.top()  # above the name
    index = int(top // page.height())
    offset = index * page.height()
    height = _points(page.height())
    left, right = round(_points(box.left())), round(_points(box.right()))
    pad = 3  # points: the stamp's border clear of the letters above and below
    chairman = (
        left,
        round(height - _points(bottom - offset)) + pad,
        right,
        round(height - _points(top - offset)) - pad,
    )
    under = round(height - _points(box.top() + last.bottom() - offset)) - pad
    organisation = (left, max(under - (chairman[3] - chairman[1]), 0), right, under)
    return {"chairman": (index, chairman), "organisation": (index, organisation)}
