"""Icons for navigation, the toolbar, menus and buttons: a few SVGs from Tabler Icons
(MIT, ``resources/icons/LICENSE``), shipped with the program and drawn in the current
theme's text colour, so they read on light and dark backgrounds alike. Nothing is
fetched from the network."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from crm_desktop.paths import resource_path

SIZES = (16, 20, 24, 32, 48, 64)


def icon_names() -> list[str]:
    return sorted(p.stem for p in resource_path("icons").glob("*.svg"))


@cache
def _svg(name: str) -> str:
    return resource_path("icons", f"{name}.svg").read_text(encoding="utf-8")


def _text_colour() -> str:
    app = QGuiApplication.instance()
    if isinstance(app, QGuiApplication):
        return app.palette().color(QPalette.ColorRole.WindowText).name()
    return QColor(Qt.GlobalColor.black).name()


@cache
def _icon(name: str, colour: str) -> QIcon:
    data = QByteArray(_svg(name).replace("currentColor", colour).encode("utf-8"))
    renderer = QSvgRenderer(data)
    icon = QIcon()
    for size in SIZES:
        pixmap = QPixmap(size, size)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
        icon.addPixmap(pixmap)
    return icon


def icon(name: str) -> QIcon:
    """The named icon (a file name in ``resources/icons`` without ``.svg``)."""
    return _icon(name, _text_colour())
