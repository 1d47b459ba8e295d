"""Draw the dti-desk icon and write `resources/icons/dti-desk.ico` and `dti-desk.png`.

The generated files are committed; run this again only to change the design:
    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icon.py

Drawn with Qt (already a dependency) rather than Pillow (which is not). The .ico is assembled
by hand because Qt's ICO writer stores a single image and Windows wants several sizes:
small sizes as 32-bit BMP entries (what every Windows shell and Inno Setup read), 256 px as PNG.
A build tool, not app code, so it imports PySide6 directly instead of through desktop/qt.py.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter

ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
PNG_SIZE = 256
OUT = Path(__file__).resolve().parent.parent / "resources" / "icons"


def draw(size: int) -> QImage:
    """A blue rounded square with three rising white bars: an index that goes up."""
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 256, size / 256)  # designed on a 256 grid
    gradient = QLinearGradient(0, 0, 0, 256)
    gradient.setColorAt(0, QColor("#1e88e5"))
    gradient.setColorAt(1, QColor("#0d47a1"))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(gradient)
    painter.drawRoundedRect(QRectF(8, 8, 240, 240), 44, 44)
    painter.setBrush(QColor("white"))
    for i, height in enumerate((70, 115, 160)):
        painter.drawRoundedRect(QRectF(48 + i * 60, 208 - height, 40, height), 8, 8)
    painter.setBrush(QColor("#ffca28"))  # a gold baseline: the bars stand on it
    painter.drawRoundedRect(QRectF(40, 200, 176, 20), 8, 8)
    painter.end()
    return image


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def bmp_entry(image: QImage) -> bytes:
    """An ICO image entry: BITMAPINFOHEADER, bottom-up BGRA pixels, then the 1-bit AND mask."""
    size = image.width()
    header = struct.pack("<IiiHHIIiiII", 40, size, size * 2, 1, 32, 0, 0, 0, 0, 0, 0)
    rows = []
    for y in reversed(range(size)):
        line = image.constScanLine(y)  # ARGB32 in memory is B, G, R, A on little-endian
        rows.append(bytes(line)[: size * 4])
    mask_row = ((size + 31) // 32) * 4  # all zero: the alpha channel decides transparency
    return header + b"".join(rows) + b"\0" * (mask_row * size)


def ico_bytes(images: list[QImage]) -> bytes:
    entries = [png_bytes(im) if im.width() >= 256 else bmp_entry(im) for im in images]
    offset = 6 + 16 * len(images)
    directory = struct.pack("<HHH", 0, 1, len(images))
    for image, entry in zip(images, entries, strict=True):
        side = image.width() % 256  # 0 means 256 in an ICO directory
        directory += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(entry), offset)
        offset += len(entry)
    return directory + b"".join(entries)


def main() -> int:
    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (fonts, plugins)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dti-desk.ico").write_bytes(ico_bytes([draw(s) for s in ICO_SIZES]))
    (OUT / "dti-desk.png").write_bytes(png_bytes(draw(PNG_SIZE)))
    print(f"wrote {OUT / 'dti-desk.ico'} and {OUT / 'dti-desk.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
