"""Status icons drawn with QPainter: crisp at 100-200 % scaling, no image files to ship.

Shape AND colour differ per status so the tree also reads for colour-blind officers:
empty ring, half-filled circle, red cross, orange paper-clip mark, green tick.
"""

from __future__ import annotations

from functools import cache

from desktop.assessment.checks import Status
from desktop.qt import QColor, QIcon, QPainter, QPen, QPixmap, QPointF, QRectF, Qt

_COLOURS = {
    Status.EMPTY: "#9e9e9e",
    Status.INCOMPLETE: "#1e88e5",
    Status.ERRORS: "#d32f2f",
    Status.EVIDENCE_MISSING: "#ef6c00",
    Status.COMPLETE: "#2e7d32",
}


def _draw(status: Status, size: int) -> QPixmap:
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    colour = QColor(_COLOURS[status])
    w = max(1.0, size / 10)
    pen = QPen(colour, w)
    p.setPen(pen)
    r = QRectF(w, w, size - 2 * w, size - 2 * w)
    if status is Status.EMPTY:
        p.drawEllipse(r)
    elif status is Status.INCOMPLETE:
        p.drawEllipse(r)
        p.setBrush(colour)
        p.drawPie(r, 90 * 16, 180 * 16)
    elif status is Status.ERRORS:
        p.setBrush(colour)
        p.drawEllipse(r)
        p.setPen(QPen(QColor("white"), w * 1.5))
        a, b = size * 0.32, size * 0.68
        p.drawLine(QPointF(a, a), QPointF(b, b))
        p.drawLine(QPointF(a, b), QPointF(b, a))
    elif status is Status.EVIDENCE_MISSING:
        p.setBrush(colour)
        p.drawRoundedRect(r, size * 0.15, size * 0.15)
        p.setPen(QPen(QColor("white"), w * 1.5))
        p.drawLine(QPointF(size / 2, size * 0.22), QPointF(size / 2, size * 0.6))
        p.drawPoint(QPointF(size / 2, size * 0.76))
    else:  # COMPLETE
        p.setBrush(colour)
        p.drawEllipse(r)
        p.setPen(QPen(QColor("white"), w * 1.5))
        p.drawLine(QPointF(size * 0.28, size * 0.52), QPointF(size * 0.44, size * 0.68))
        p.drawLine(QPointF(size * 0.44, size * 0.68), QPointF(size * 0.74, size * 0.34))
    p.end()
    return pix


@cache
def status_icon(status: Status) -> QIcon:
    icon = QIcon()
    for size in (16, 24, 32, 48):
        icon.addPixmap(_draw(status, size))
    return icon
