"""Every window fits the screen it opens on: no larger than the screen's free area and
wholly on it. Installed once on the application (``ui.app.create_application``), so a
dialog taller than a small or highly scaled screen opens at the screen's height (its
contents scroll) instead of running off the bottom with its buttons."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QRect
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QBoxLayout,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QLayoutItem,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from ui.widgets import give_alt_keys

SCROLLS = "fit_scrolls"  # set on a dialog once its contents are in a scroll area


def _holds_buttons(item: QLayoutItem | None) -> bool:
    if item is None:
        return False
    widget = item.widget()
    if isinstance(widget, QDialogButtonBox | QAbstractButton):
        return True
    layout = item.layout()
    if layout is None:
        return False
    items = (layout.itemAt(i) for i in range(layout.count()))
    return any(i is not None and isinstance(i.widget(), QAbstractButton) for i in items)


def make_scrollable(dialog: QWidget) -> bool:
    """Put everything in ``dialog`` but its row of buttons in a scroll area, so a dialog
    taller or wider than the screen scrolls while its buttons stay in view."""
    layout = dialog.layout()
    if not isinstance(layout, QBoxLayout) or dialog.property(SCROLLS) or layout.count() < 2:
        return False
    count = layout.count()
    keep = 1 if _holds_buttons(layout.itemAt(count - 1)) else 0
    taken = []
    for _ in range(count):
        stretch = layout.stretch(0)
        item = layout.takeAt(0)
        if item is not None:
            taken.append((item, stretch))
    body = QWidget(dialog)
    body.setObjectName("ScrollingBody")
    body_layout = QVBoxLayout(body)
    body_layout.setContentsMargins(0, 0, 0, 0)
    tail = taken[len(taken) - keep :]
    for item, stretch in taken[: len(taken) - keep]:
        _move(item, body_layout, stretch)
    scroll = QScrollArea(dialog)
    scroll.setObjectName("DialogScroll")
    scroll.setAccessibleName(dialog.windowTitle() or "Contents")
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QFrame.Shape.NoFrame)
    scroll.setWidget(body)
    layout.addWidget(scroll, 1)
    for item, stretch in tail:
        _move(item, layout, stretch)
    dialog.setProperty(SCROLLS, True)
    return True


def _move(item: QLayoutItem, target: QBoxLayout, stretch: int) -> None:
    widget, sub = item.widget(), item.layout()
    if widget is not None:
        target.addWidget(widget, stretch)
    elif sub is not None:
        sub.setParent(None)
        target.addLayout(sub, stretch)
    else:
        target.addItem(item)


def fit_on_screen(window: QWidget) -> None:
    """Shrink ``window`` to its screen's free area if larger (a dialog whose contents
    need more room than the screen has gets them in a scroll area first), and move it
    wholly onto that screen (a window restored off-screen comes back)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    if screen is None:
        return
    available = screen.availableGeometry()
    frame = window.frameGeometry()
    extra_w, extra_h = frame.width() - window.width(), frame.height() - window.height()
    room_w, room_h = available.width() - extra_w, available.height() - extra_h
    needed = window.minimumSizeHint()
    layout = window.layout()
    if (
        isinstance(window, QDialog)
        and (needed.height() > room_h or needed.width() > room_w)
        and make_scrollable(window)
        and layout is not None
    ):
        _room_for_the_scroll_bar(window, room_w)
        layout.activate()
    if window.width() > room_w or window.height() > room_h:
        window.resize(min(window.width(), room_w), min(window.height(), room_h))
    frame = window.frameGeometry()
    if not available.contains(frame):
        x = min(max(frame.x(), available.x()), available.right() - frame.width() + 1)
        y = min(max(frame.y(), available.y()), available.bottom() - frame.height() + 1)
        window.move(max(x, available.x()), max(y, available.y()))


def _room_for_the_scroll_bar(dialog: QWidget, room_w: int) -> None:
    """A dialog's contents put in a scroll area for their height keep their width: the
    area is made wide enough for them and its upright scroll bar (as far as the screen
    allows), so they scroll up and down only, not sideways too."""
    scroll = dialog.findChild(QScrollArea, "DialogScroll")
    body = scroll.widget() if scroll is not None else None
    if scroll is None or body is None:
        return
    bar = scroll.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, scroll)
    layout = dialog.layout()
    margins = layout.contentsMargins() if layout is not None else None
    beside = margins.left() + margins.right() if margins is not None else 0
    wanted = body.minimumSizeHint().width() + bar + 2 * scroll.frameWidth()
    scroll.setMinimumWidth(max(0, min(wanted, room_w - beside)))


def on_screen(geometry: QRect) -> bool:
    """Whether enough of a window at ``geometry`` is on some screen to grab it: its
    title bar (the top 40 pixels, at least 120 wide) must be on a screen."""
    title = QRect(geometry.x(), geometry.y(), geometry.width(), min(40, geometry.height()))
    for screen in QGuiApplication.screens():
        seen = screen.availableGeometry().intersected(title)
        if seen.width() >= min(120, geometry.width()) and seen.height() >= min(20, title.height()):
            return True
    return False


class ScreenFitter(QObject):
    """Fits each window to its screen when it is shown, and gives its buttons without an
    Alt-key one (:func:`ui.widgets.give_alt_keys`)."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            fit_on_screen(watched)
            give_alt_keys(watched)
        return False


def install(app: QApplication) -> ScreenFitter:
    fitter = ScreenFitter(app)
    app.installEventFilter(fitter)
    return fitter
