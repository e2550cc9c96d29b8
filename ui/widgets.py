"""Small pieces every screen shares: a table model over plain rows, a bar chart drawn with
QPainter, state colours readable in light and dark schemes, date and error helpers."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QDate,
    QDateTime,
    QEvent,
    QModelIndex,
    QPersistentModelIndex,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QFocusEvent,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QShortcut,
    QValidator,
)
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTabBar,
    QTableView,
    QTabWidget,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from crm_desktop.domain.formatting import format_date, typed_date
from crm_desktop.errors import UserFacingError
from crm_desktop.logs import log_file

ModelIndex = QModelIndex | QPersistentModelIndex
ROW_ROLE = Qt.ItemDataRole.UserRole + 2  # the plain row object behind a table row

# --------------------------------------------------------------------------- colours
# The only fixed colours in the program: states (overdue, due soon) and RAG. Each is a
# pair (background, text) chosen to read well whatever the system scheme, because both
# are set together; the meaning is also always written as text beside the colour.

TONES: dict[str, tuple[str, str]] = {
    "overdue": ("#f4c7c3", "#5c0b06"),
    "red": ("#f4c7c3", "#5c0b06"),
    "due soon": ("#fde9b0", "#4a3600"),
    "amber": ("#fde9b0", "#4a3600"),
    "green": ("#c7e8cf", "#0b3d1a"),
    "suspended": ("#d6e2f3", "#0d2a4d"),
}


def tone_colours(tone: str | None) -> tuple[QColor, QColor] | None:
    if tone is None or tone not in TONES:
        return None
    background, text = TONES[tone]
    return QColor(background), QColor(text)


def tone_style(tone: str) -> str:
    """A style sheet for a label showing a state (background and text set together)."""
    background, text = TONES[tone]
    return f"QLabel {{ background: {background}; color: {text}; padding: 2px 6px; }}"


# --------------------------------------------------------------------------- helpers


def to_qdate(day: dt.date) -> QDate:
    return QDate(day.year, day.month, day.day)


def from_qdate(day: QDate) -> dt.date:
    return dt.date(day.year(), day.month(), day.day())


class DateEdit(QDateEdit):
    """A date field an officer can type a whole date into, as they write one (14/03/2024,
    14-3-24, 14 Mar 2024, 14 March 2024, 2024-03-14: ``typed_date``), or choose from the
    calendar. Qt's own field reads typing part by part (day, then the month's name, then
    the year), so "14/03/2024" became 14 Dec 2026 without a word; here the text is read
    whole, a date outside the field's range or no date at all is not taken (the field
    says why and keeps the focus until it is put right or Escape gives the field its
    date back), Tab leaves the field rather than stepping through its parts, Ctrl+Tab
    still changes tabs, and the text is selected on entering, so typing replaces it."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        # The date is taken when the typing is done (Tab, Enter), not at each key:
        # "14/03/20" on the way to "14/03/2027" is a date of its own.
        self.setKeyboardTracking(False)
        self.last_problem = ""  # what was said about the last text not taken

    def problem(self, text: str) -> str:
        """Why ``text`` is not taken ("" when it is)."""
        if text and text == self.specialValueText():
            return ""
        day = typed_date(text)
        if day is None:
            return f"'{text.strip()}' is not a date: type one as 14/03/2025 or 14 Mar 2025."
        earliest, latest = from_qdate(self.minimumDate()), from_qdate(self.maximumDate())
        if day < earliest:
            return f"{format_date(day)} is before {format_date(earliest)}, the earliest here."
        if day > latest:
            return f"{format_date(day)} is after {format_date(latest)}, the latest here."
        return ""

    def _date_text(self) -> str:
        """The field's date as it shows it (what is typed differs from it)."""
        return self.textFromDateTime(self.dateTime())

    def _say_if_not_taken(self) -> bool:
        """Tell the officer, beside the field, why what they typed is not taken (the
        field keeps its date); True if it was not."""
        text = self.lineEdit().text()
        said = self.problem(text) if text != self._date_text() else ""
        self.last_problem = said
        if said:
            QToolTip.showText(self.mapToGlobal(self.rect().bottomLeft()), said, self)
        return bool(said)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self._say_if_not_taken()
        super().focusOutEvent(event)

    def validate(self, text: str, pos: int) -> tuple[QValidator.State, str, int]:
        if text and text == self.specialValueText():  # "Not received": the least date
            return QValidator.State.Acceptable, text, pos
        day = typed_date(text)
        if day is not None and self.minimumDate() <= to_qdate(day) <= self.maximumDate():
            return QValidator.State.Acceptable, text, pos
        if len(text) <= 20 and all(c.isalnum() or c in " /-.," for c in text):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def dateTimeFromText(self, text: str) -> QDateTime:
        if text and text == self.specialValueText():
            return QDateTime(self.minimumDate(), self.time())
        day = typed_date(text)
        if day is None:
            return self.dateTime()
        return QDateTime(to_qdate(day), self.time())

    def focusNextPrevChild(self, next: bool) -> bool:
        if self._say_if_not_taken():
            # Tab does not leave a date that is not taken: it would quietly go back to
            # the date it had, and Enter further on would save that one.
            self.lineEdit().selectAll()
            return True
        return QWidget.focusNextPrevChild(self, next)

    def focusInEvent(self, event: QFocusEvent) -> None:
        super().focusInEvent(event)
        self.lineEdit().selectAll()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            event.ignore()  # for the tabs around it
            return
        if event.key() == Qt.Key.Key_Escape and self.lineEdit().text() != self._date_text():
            # Typing undone: the field shows its date again (a second Escape is the
            # dialog's).
            self.lineEdit().setText(self._date_text())
            self.lineEdit().selectAll()
            self.last_problem = ""
            event.accept()
            return
        if event.matches(QKeySequence.StandardKey.SelectAll):
            self.lineEdit().selectAll()  # the whole date, as Tab into the field selects it
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self._say_if_not_taken():
            # Not on to the dialog's button: it would save the date the field had.
            self.lineEdit().selectAll()
            event.accept()
            return
        super().keyPressEvent(event)


def date_edit(day: dt.date, name: str, parent: QWidget | None = None) -> QDateEdit:
    edit = DateEdit(to_qdate(day), parent)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("d MMM yyyy")
    edit.setAccessibleName(name)
    edit.setObjectName(name.title().replace(" ", "").replace("'", ""))
    return edit


# The day a complainant learnt of the events, on the New case form and the Details tab.
LEARNT_TIP = (
    "If later than the events: the 12 months for making a complaint count from this day "
    "(SI 2009/309 reg. 12). Children's social care counts them from the events "
    "(SI 2006/1738 reg. 9)."
)


def enabled_by(box: QCheckBox, widget: QWidget) -> None:
    """``widget`` can be changed only while ``box`` is ticked: a value typed into it with
    the box unticked would not be saved, so it cannot be typed."""
    widget.setEnabled(box.isChecked())
    box.toggled.connect(widget.setEnabled)


def known_date(
    day: dt.date, name: str, parent: QWidget, tooltip: str = ""
) -> tuple[QWidget, QCheckBox, QDateEdit]:
    """A date that may not be known: a "Known" box and the date beside it, the date
    enabled only while the box is ticked. Returns the row's widget, the box, the date.
    The row's widget hands its focus to the box: its name's Alt-key (a label whose buddy
    it is) goes to the box without ticking it, as a key on the box itself would."""
    holder = QWidget(parent)
    box = QHBoxLayout(holder)
    box.setContentsMargins(0, 0, 0, 0)
    known = QCheckBox("Known", holder)
    holder.setFocusProxy(known)
    known.setAccessibleName(f"{name} is known")
    edit = date_edit(day, name, holder)
    edit.setToolTip(tooltip)
    enabled_by(known, edit)
    box.addWidget(known)
    box.addWidget(edit, 1)
    return holder, known, edit


# Alt-keys the main window's menus hold (File, Edit, View, Case, Tools, Help): a button
# in the window does not take them.
MENU_KEYS = frozenset("fevcth")


def alt_key(text: str) -> str | None:
    """The letter a label's ``&`` marks ("Re&ponder…": "p"); None without one."""
    marked = text.replace("&&", "")
    at = marked.find("&")
    return marked[at + 1].lower() if 0 <= at < len(marked) - 1 else None


def with_mnemonic(
    title: str, taken: set[str], prefer: str = "", *, menus: frozenset[str] = MENU_KEYS
) -> str:
    """``title`` with an Alt-key (``&``) on ``prefer``'s letter if it is in the title and
    free, else on the first letter of a word that ``taken`` (and ``menus``, the main
    window's menus) do not hold, else on any such letter; that letter is then taken.
    Without one free, the title as it is. A window of its own, where the main window's
    menus do not answer, passes ``menus=frozenset()``."""
    escaped = title.replace("&", "&&")
    words = [i for i, ch in enumerate(title) if ch.isalpha() and (i == 0 or title[i - 1] == " ")]
    others = [i for i, ch in enumerate(title) if ch.isalpha() and i not in words]
    wanted = [i for i in (*words, *others) if prefer and title[i].lower() == prefer.lower()]
    for i in (*wanted, *words, *others):
        key = title[i].lower()
        if key in taken or key in menus:
            continue
        taken.add(key)
        at = i + title[:i].count("&")  # the title's own '&'s are doubled before it
        return escaped[:at] + "&" + escaped[at:]
    return escaped


def field_label(
    text: str,
    field: QWidget,
    taken: set[str],
    parent: QWidget,
    menus: frozenset[str] = MENU_KEYS,
    prefer: str = "",
) -> QLabel:
    """A form's label for ``field`` with an Alt-key that puts the focus in the field
    (:func:`with_mnemonic`: a letter ``taken`` does not hold, then taken); screen readers
    name the field by it too. A field that takes no focus (a container of its own
    controls) is given no key: it would do nothing."""
    focusable = field.focusPolicy() != Qt.FocusPolicy.NoFocus or field.focusProxy() is not None
    key = with_mnemonic(text, taken, prefer, menus=menus) if focusable else text
    label = FieldLabel(key, parent)
    label.setBuddy(field)
    return label


class FieldLabel(QLabel):
    """A field's name whose Alt-key puts the focus in the field and does nothing else:
    Qt's own label clicks a box it names (a date's "Known" box was ticked or cleared by
    its row's key, and the date with it) and gives no focus to a row that hands its
    focus on (:func:`known_date`'s)."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Shortcut:
            field = self.buddy()
            if field is not None and field.isEnabled():
                field.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return True
        return super().event(event)


OWN_ALT_KEYS = "own_alt_keys"  # on a widget whose code gives its buttons their Alt-keys,
# the letters it may give them


def _marked(widget: QWidget) -> set[str]:
    """The Alt-keys ``widget``'s own text (or its tabs') marks."""
    if isinstance(widget, QAbstractButton | QLabel):
        texts = [widget.text()]
    elif isinstance(widget, QGroupBox):
        texts = [widget.title()]
    elif isinstance(widget, QTabBar):
        texts = [widget.tabText(i) for i in range(widget.count())]
    else:
        texts = []
    return {key for text in texts if (key := alt_key(text))}


def _level(root: QWidget) -> Iterator[QWidget]:
    """The widgets under ``root`` seen whichever page of a stack (or tab widget) shows:
    not those on the stacks' pages (the stacks themselves are among them), nor under a
    widget with the ``OWN_ALT_KEYS`` property (it is), nor in another window."""
    for child in root.children():
        if not isinstance(child, QWidget) or child.isWindow():
            continue
        yield child
        if not isinstance(child, QStackedWidget) and not child.property(OWN_ALT_KEYS):
            yield from _level(child)


def window_alt_keys(widget: QWidget) -> set[str]:
    """The Alt-keys held around ``widget`` in its window, whatever page it is on: its
    window's buttons, labels and tab names outside the stacks' pages."""
    return {key for seen in _level(widget.window()) for key in _marked(seen)}


def give_alt_keys(root: QWidget, taken: Iterable[str] = ()) -> None:
    """Give every button under ``root`` that has none an Alt-key (:func:`with_mnemonic`),
    none the same as another's that can be pressed at the same time: each page of a
    stack or tab widget has its letters apart from the other pages', but not from what
    is around the stack (the window's buttons, the tabs' names), which keeps clear of
    the letters any page has already. The letters already marked are kept, so calling
    it again only marks the buttons added since. What is under a widget with the
    ``OWN_ALT_KEYS`` property is left to its code (which keeps clear of the window's,
    :func:`window_alt_keys`), and the letters it names are kept free around it."""
    if root.property(OWN_ALT_KEYS):
        return
    unmarked: list[QAbstractButton] = []
    stacks: list[QStackedWidget] = []
    # A box a field's name leads to ("Known" beside a date) is reached by the name's key.
    led_to = {
        widget
        for label in root.findChildren(QLabel)
        if label.buddy() and _marked(label)
        for widget in (label.buddy(), label.buddy().focusProxy())
    }
    keys = set(taken)
    inside: set[str] = set()  # the letters already marked on the stacks' pages
    for widget in _level(root):
        own = widget.property(OWN_ALT_KEYS)
        if own:
            keys.update(str(own))
            continue
        key = _marked(widget)
        keys.update(key)
        if isinstance(widget, QAbstractButton) and not isinstance(widget, QToolButton):
            if not key and widget.text() and widget not in led_to:
                unmarked.append(widget)
        elif isinstance(widget, QStackedWidget):
            stacks.append(widget)
            for shown in widget.findChildren(QWidget):
                if shown.window() is not widget.window():
                    continue  # a dialog of a page's: a window of its own
                own = shown.property(OWN_ALT_KEYS)
                inside.update(str(own) if own else _marked(shown))
    chosen = keys | inside
    for button in unmarked:
        button.setText(with_mnemonic(button.text(), chosen))
    keys |= chosen - inside
    for stack in stacks:
        for page in (stack.widget(i) for i in range(stack.count())):
            if page is not None:
                give_alt_keys(page, keys)


def first_capital(text: str) -> str:
    """A label at the start of a table cell: its first letter a capital, the rest as
    written ("Investigating Officer", "Review panel member", "Report received")."""
    return text[:1].upper() + text[1:]


def date_text(day: dt.date | None) -> str:
    return format_date(day) if day else ""


def error_text(exc: BaseException, doing: str) -> str:
    """What to tell the user about a failure: their error's own words; for a bug in the
    program, what happened in plain words and where IT finds the details (the runner
    logs the traceback), never the error's class or Python's own message."""
    if isinstance(exc, UserFacingError):
        return exc.message
    return (
        f"Something went wrong in the program while {doing}, so it was not finished. Nothing was "
        "saved. Try again; if it keeps happening, tell IT: the details are in the "
        f"program's log, {log_file()}."
    )


def scrolled(content: QWidget, name: str, parent: QWidget | None = None) -> QScrollArea:
    """``content`` in a frameless scroll area named ``name``, so a page fits a small or
    scaled screen."""
    area = QScrollArea(parent)
    area.setWidgetResizable(True)
    area.setAccessibleName(name)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(content)
    return area


def first_field(container: QWidget) -> QWidget | None:
    """Where the focus goes on entering ``container``: the control its ``focus_entry()``
    names, if it has one (the Stage tab's first action); else the first control under
    it that Tab stops at (shown and enabled), in the focus chain's order; None when
    there is none."""
    entry = getattr(container, "focus_entry", None)
    named = entry() if callable(entry) else None
    if isinstance(named, QWidget):
        return named
    seen = container.nextInFocusChain()
    while seen is not None and seen is not container:
        if (
            container.isAncestorOf(seen)
            and seen.focusPolicy() & Qt.FocusPolicy.TabFocus
            and seen.isVisible()
            and seen.isEnabled()
        ):
            return seen
        seen = seen.nextInFocusChain()
    return None


class PageTabs(QTabWidget):
    """Tabs that fit a narrow or highly scaled window: each page scrolls on its own (so
    the tab bar is only as wide as the window, never cut off or scrolled out of view)
    and a tab's name that does not fit is shortened with "…", its whole name in its
    tooltip. ``widget``, ``indexOf``, ``currentWidget`` and ``setCurrentWidget`` speak of
    the pages themselves, not the scroll areas that hold them."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setUsesScrollButtons(False)
        self.setElideMode(Qt.TextElideMode.ElideRight)
        self._tips: list[str] = []
        self._number_keys = False

    def add_page(self, page: QWidget, label: str, tooltip: str | None = None) -> int:
        holder = scrolled(page, label, self)
        holder.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # Tab goes to the page's controls
        index = self.addTab(holder, label)
        # The whole name first: it is what a shortened tab leaves out.
        self._tips.append(f"{label}: {tooltip}" if tooltip else label)
        self._show_tips()
        return index

    def add_number_keys(self) -> None:
        """Ctrl+1 to Ctrl+9 show the first to the ninth tab (of those shown: a hidden
        tab is not counted), as they show the main window's pages; each tab's tooltip
        names its keys."""
        self._number_keys = True
        for number in range(1, 10):
            shortcut = QShortcut(QKeySequence(f"Ctrl+{number}"), self)
            shortcut.activated.connect(lambda number=number: self.show_number(number))
        self._show_tips()

    def shown_tabs(self) -> list[int]:
        return [i for i in range(self.count()) if self.isTabVisible(i)]

    def show_number(self, number: int) -> None:
        shown = self.shown_tabs()
        if number <= len(shown):
            self.setCurrentIndex(shown[number - 1])
            # The focus goes to the page's first field, not left on the page hidden.
            page = self.widget(shown[number - 1])
            first = first_field(page) if page is not None else None
            if first is not None:
                first.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def setTabVisible(self, index: int, visible: bool) -> None:
        super().setTabVisible(index, visible)
        self._show_tips()

    def _show_tips(self) -> None:
        keys = {i: n for n, i in enumerate(self.shown_tabs(), start=1) if n <= 9}
        for i, tip in enumerate(self._tips):
            number = keys.get(i) if self._number_keys else None
            self.setTabToolTip(i, f"{tip} (Ctrl+{number})" if number else tip)

    def widget(self, index: int) -> QWidget | None:
        holder = super().widget(index)
        page = holder.widget() if isinstance(holder, QScrollArea) else None
        return page if page is not None else holder

    def currentWidget(self) -> QWidget | None:  # type: ignore[override]
        return self.widget(self.currentIndex())

    def indexOf(self, page: QWidget) -> int:
        return next((i for i in range(self.count()) if self.widget(i) is page), -1)

    def setCurrentWidget(self, page: QWidget) -> None:
        index = self.indexOf(page)
        if index >= 0:
            self.setCurrentIndex(index)


SECTION_LINE_CHARACTERS = 20  # a longer section name takes two lines, not more width


def wrap_names(view: QListWidget) -> None:
    """A list of names that wraps a long one onto more lines rather than eliding it or
    scrolling sideways (the navigation, the Admin sections)."""
    view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    view.setTextElideMode(Qt.TextElideMode.ElideNone)
    view.setWordWrap(True)


def names_width(
    view: QListWidget, names: Iterable[str], line_characters: int, extra: int = 0
) -> int:
    """The width ``view`` needs to show its longest name wrapped at ``line_characters``,
    plus ``extra`` (an icon), a margin and its frame, in its font at any scaling."""
    metrics = view.fontMetrics()
    widest = max(
        metrics.horizontalAdvance(line)
        for name in names
        for line in textwrap.wrap(name, line_characters)
    )
    return widest + extra + metrics.horizontalAdvance("M") * 2 + view.frameWidth() * 2


class SectionList(QWidget):
    """Sections named in a list on the left, the chosen one shown beside it: unlike tabs,
    every name stays in view however narrow or scaled the window (a tab bar that runs
    out of room hides names behind scroll arrows). The list is as wide as its longest
    name (a long one wraps onto two lines); Up and Down move between sections and Tab
    goes on into the chosen one. Each section scrolls on its own.

    It answers as a ``QTabWidget`` does where callers need it: ``count``,
    ``currentIndex``, ``setCurrentIndex``, ``currentChanged``, ``tabText``; ``widget``,
    ``currentWidget``, ``indexOf`` and ``setCurrentWidget`` speak of the sections
    themselves (``indexOf`` and ``setCurrentWidget`` also take the scroll area holding
    one)."""

    currentChanged = Signal(int)

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget(self)
        self.list.setObjectName(name.title().replace(" ", "") + "List")
        self.list.setAccessibleName(name)
        wrap_names(self.list)
        self.list.setSpacing(1)
        self.list.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Expanding)
        layout.addWidget(self.list)
        self.stack = QStackedWidget(self)
        layout.addWidget(self.stack, 1)
        self.list.currentRowChanged.connect(self._row_chosen)

    def add_page(self, page: QWidget, label: str, tooltip: str | None = None) -> int:
        holder = scrolled(page, label, self.stack)
        index = self.stack.addWidget(holder)
        item = QListWidgetItem(label, self.list)
        item.setData(Qt.ItemDataRole.AccessibleTextRole, label)
        item.setToolTip(f"{label}: {tooltip}" if tooltip else label)
        self._fit_width()
        if self.list.currentRow() < 0:
            self.list.setCurrentRow(0)
        return index

    def _fit_width(self) -> None:
        names = [self.list.item(row).text() for row in range(self.list.count())]
        self.list.setFixedWidth(names_width(self.list, names, SECTION_LINE_CHARACTERS))

    def _row_chosen(self, row: int) -> None:
        if row >= 0 and row != self.stack.currentIndex():
            self.stack.setCurrentIndex(row)
            self.currentChanged.emit(row)

    # -- as a QTabWidget answers ---------------------------------------------------------

    def count(self) -> int:
        return self.stack.count()

    def currentIndex(self) -> int:
        return self.stack.currentIndex()

    def setCurrentIndex(self, index: int) -> None:
        if 0 <= index < self.count():
            self.list.setCurrentRow(index)

    def tabText(self, index: int) -> str:
        item = self.list.item(index)
        return item.text() if item is not None else ""

    def widget(self, index: int) -> QWidget | None:
        holder = self.stack.widget(index)
        page = holder.widget() if isinstance(holder, QScrollArea) else None
        return page if page is not None else holder

    def currentWidget(self) -> QWidget | None:
        return self.widget(self.currentIndex())

    def indexOf(self, page: QWidget) -> int:
        return next(
            (
                i
                for i in range(self.count())
                if page is self.widget(i) or page is self.stack.widget(i)
            ),
            -1,
        )

    def setCurrentWidget(self, page: QWidget) -> None:
        self.setCurrentIndex(self.indexOf(page))


def error_label(name: str, parent: QWidget | None = None) -> QLabel:
    """A message shown beside a field or at the top of a dialog; hidden while empty."""
    label = QLabel(parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setAccessibleName(name.replace("Error", " message"))
    label.setStyleSheet(tone_style("red"))
    label.setVisible(False)
    return label


def show_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


# ------------------------------------------------------------------------ rows model


@dataclass(frozen=True)
class Column:
    title: str
    text: Callable[[Any], object]
    align_right: bool = False


class RowsModel(QAbstractTableModel):
    """A read-only table over a list of plain rows (dataclasses or named tuples).

    For lists that are small or already chosen and ordered in SQL (queues, a case's
    points, reference data): the rows arrive whole from a service call made by the
    runner, and ``set_rows`` swaps them in with a model reset. ``tone(row)`` may give a
    state ("overdue", "due soon", "green", ...) that colours the row.
    """

    def __init__(
        self,
        columns: Sequence[Column],
        parent: QWidget | None = None,
        *,
        tone: Callable[[Any], str | None] | None = None,
        tone_column: int | None = None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._rows: list[Any] = []
        self._tone = tone
        self._tone_column = tone_column  # colour one cell, or (None) the whole row

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        column = self._columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            value = column.text(row)
            return "" if value is None else str(value)
        if role == Qt.ItemDataRole.AccessibleTextRole:
            value = column.text(row)
            return f"{column.title}: {'' if value is None else value}"
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role in (Qt.ItemDataRole.BackgroundRole, Qt.ItemDataRole.ForegroundRole):
            if self._tone is None or (
                self._tone_column is not None and index.column() != self._tone_column
            ):
                return None
            colours = tone_colours(self._tone(row))
            if colours is None:
                return None
            return colours[0] if role == Qt.ItemDataRole.BackgroundRole else colours[1]
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if (
            role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._columns)
        ):
            return self._columns[section].title
        return None

    # -- what screens ask --------------------------------------------------------------

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_at(self, row: int) -> Any:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @property
    def rows(self) -> list[Any]:
        return list(self._rows)


def table_view(
    model: QAbstractTableModel,
    name: str,
    parent: QWidget | None = None,
    view: QTableView | None = None,
    *,
    fit: bool = True,
) -> QTableView:
    """A read-only table of whole rows, set up the same way everywhere."""
    view = view if view is not None else QTableView(parent)
    view.setObjectName(name.title().replace(" ", ""))
    view.setAccessibleName(name)
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().setVisible(False)
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.setTabKeyNavigation(False)
    metrics = view.fontMetrics()
    view.verticalHeader().setDefaultSectionSize(int(metrics.height() * 1.6))
    header = view.horizontalHeader()
    header.setMaximumSectionSize(metrics.horizontalAdvance("M") * 30)
    header.setMinimumSectionSize(metrics.horizontalAdvance("M") * 3)

    def fit_columns() -> None:
        if model.rowCount():
            view.resizeColumnsToContents()
        else:
            fit_headings(view)

    if fit:
        model.modelReset.connect(fit_columns)
        fit_headings(view)  # an empty list shows its headings whole, not cut short
    return view


def fit_headings(view: QTableView) -> None:
    """Widen each column of ``view`` to its heading where it is narrower: with no rows
    to size them by, headings such as "Enquiry received" were cut to "Enquiry rec…"."""
    header = view.horizontalHeader()
    for column in range(header.count()):
        wanted = header.sectionSizeHint(column)
        if header.sectionSize(column) < wanted:
            header.resizeSection(column, wanted)


def compact_combo(combo: QComboBox, characters: int = 18) -> QComboBox:
    """A combo box sized by a few characters, not by its longest item (long reference
    names would otherwise push a form wider than the window)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    return combo


def selected_row(view: QTableView) -> Any:
    """The plain row behind the view's current selection, or None."""
    indexes = view.selectionModel().selectedRows() if view.selectionModel() else []
    if not indexes:
        index = view.currentIndex()
        if not index.isValid():
            return None
    else:
        index = indexes[0]
    return view.model().data(view.model().index(index.row(), 0), ROW_ROLE)


# ------------------------------------------------------------------------- bar chart


class BarChart(QWidget):
    """Vertical bars with their values and labels, drawn with the palette's colours.

    QtCharts is not part of PySide6-Essentials; a council dashboard needs no more than
    this. Sizes come from the font, so the chart scales with the display.
    """

    def __init__(
        self, title: str, parent: QWidget | None = None, *, horizontal: bool = False
    ) -> None:
        super().__init__(parent)
        self._title = title
        self._horizontal = horizontal
        self._bars: list[tuple[str, int]] = []
        self.setAccessibleName(title)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # reachable, so its description is read

    def set_bars(self, bars: Sequence[tuple[str, int]]) -> None:
        self._bars = [(str(label), int(value)) for label, value in bars]
        description = "; ".join(f"{label}: {value:,}" for label, value in self._bars)
        self.setAccessibleDescription(description)
        self.setToolTip(description)
        self.updateGeometry()
        self.update()

    @property
    def bars(self) -> list[tuple[str, int]]:
        return list(self._bars)

    def sizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        if self._horizontal:
            rows = max(len(self._bars), 3)
            return QSize(
                metrics.horizontalAdvance("M") * 40, int(metrics.height() * (2.2 + rows * 1.6))
            )
        return QSize(metrics.horizontalAdvance("M") * 40, metrics.height() * 14)

    def minimumSizeHint(self) -> QSize:
        metrics = self.fontMetrics()
        if self._horizontal:
            rows = max(len(self._bars), 3)
            return QSize(
                metrics.horizontalAdvance("M") * 16, int(metrics.height() * (2.2 + rows * 1.5))
            )
        return QSize(metrics.horizontalAdvance("M") * 16, metrics.height() * 9)

    def paintEvent(self, event: Any) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(QPalette.ColorRole.WindowText)
        bar_colour = palette.color(QPalette.ColorRole.Highlight)
        metrics = self.fontMetrics()
        line = metrics.height()
        rect = QRectF(self.rect()).adjusted(line * 0.5, line * 0.3, -line * 0.5, -line * 0.3)
        title_font = QFont(self.font())
        title_font.setBold(True)
        painter.setFont(title_font)
        painter.setPen(text_colour)
        painter.drawText(
            QRectF(rect.left(), rect.top(), rect.width(), line * 1.4),
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
            self._title,
        )
        painter.setFont(self.font())
        if not self._bars:
            painter.drawText(rect, int(Qt.AlignmentFlag.AlignCenter), "Nothing to show yet")
            painter.end()
            return
        if self._horizontal:
            self._paint_horizontal(painter, rect, text_colour, bar_colour)
            painter.end()
            return
        top = rect.top() + line * 1.8  # below the title, room for value labels
        labels_height = line * 1.3
        # Labels that do not fit side by side are drawn on two alternating rows.
        count = len(self._bars)
        slot = rect.width() / count
        widest = max(metrics.horizontalAdvance(label) for label, _ in self._bars)
        staggered = widest + line * 0.5 > slot
        if staggered:
            labels_height = line * 2.4
        bottom = rect.bottom() - labels_height
        chart_height = max(1.0, bottom - top - line * 1.2)
        highest = max(value for _, value in self._bars) or 1
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(int(rect.left()), int(bottom), int(rect.right()), int(bottom))
        for i, (label, value) in enumerate(self._bars):
            x = rect.left() + i * slot
            bar_width = slot * 0.62
            height = chart_height * value / highest
            bar = QRectF(x + (slot - bar_width) / 2, bottom - height, bar_width, height)
            painter.fillRect(bar, bar_colour)
            painter.setPen(text_colour)
            painter.drawText(
                QRectF(x, bar.top() - line * 1.2, slot, line * 1.1),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom),
                f"{value:,}",
            )
            label_top = bottom + line * 0.15 + (line * 1.05 if staggered and i % 2 else 0)
            painter.drawText(
                QRectF(x - slot / 2, label_top, slot * 2, line * 1.1),
                int(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop),
                label,
            )
        painter.end()

    def _paint_horizontal(
        self, painter: QPainter, rect: QRectF, text_colour: QColor, bar_colour: QColor
    ) -> None:
        metrics = self.fontMetrics()
        line = metrics.height()
        top = rect.top() + line * 1.8
        row = min(line * 1.8, (rect.bottom() - top) / len(self._bars))
        label_width = min(
            max(metrics.horizontalAdvance(label) for label, _ in self._bars) + line,
            rect.width() * 0.45,
        )
        value_width = max(metrics.horizontalAdvance(f"{v:,}") for _, v in self._bars) + line
        room = max(1.0, rect.width() - label_width - value_width)
        highest = max(value for _, value in self._bars) or 1
        for i, (label, value) in enumerate(self._bars):
            y = top + i * row
            painter.setPen(text_colour)
            shown = metrics.elidedText(
                label, Qt.TextElideMode.ElideRight, int(label_width - line * 0.5)
            )
            painter.drawText(
                QRectF(rect.left(), y, label_width - line * 0.6, row),
                int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter),
                shown,
            )
            width = room * value / highest
            bar = QRectF(rect.left() + label_width, y + row * 0.18, width, row * 0.64)
            painter.fillRect(bar, bar_colour)
            painter.drawText(
                QRectF(bar.right() + line * 0.3, y, value_width, row),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                f"{value:,}",
            )


# ------------------------------------------------------------------------ not built


class NotBuiltPage(QWidget):
    """A page for a part of the program other work will build: says so, plainly."""

    def __init__(self, title: str, holds: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(title.replace(" ", "") + "Page")
        layout = QVBoxLayout(self)
        heading = QLabel(title, self)
        font = heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setBold(True)
        heading.setFont(font)
        body = QLabel(
            f"{holds}\n\nThis part of CRM Desktop is not built yet. Nothing here is "
            "real data, and nothing is missing from your cases: it will appear here when "
            "it is built.",
            self,
        )
        body.setWordWrap(True)
        body.setObjectName("NotBuiltText")
        body.setAccessibleName(f"{title}: not built yet")
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(1)
