"""Help: About (version, the database in use, who is signed in, the licences of the
program's parts), the keyboard shortcuts, and the user guide shipped with the program."""

from __future__ import annotations

import platform
from collections.abc import Sequence
from importlib import metadata

from PySide6.QtCore import qVersion
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from crm_desktop import __version__
from crm_desktop.paths import resource_path
from ui.context import AppContext

# The parts the program is built from and ships with, by their distribution names.
COMPONENTS = (
    "PySide6-Essentials",
    "shiboken6",
    "SQLAlchemy",
    "alembic",
    "pandas",
    "numpy",
    "reportlab",
    "openpyxl",
    "holidays",
    "platformdirs",
    "psycopg",
    "argon2-cffi",
    "Jinja2",
    "MarkupSafe",
)
ICONS_LICENCE = "MIT"


def licence_of(distribution: str) -> tuple[str, str] | None:
    """(version, licence) of an installed distribution, from its own metadata."""
    try:
        meta = metadata.metadata(distribution)
    except metadata.PackageNotFoundError:
        return None
    info = meta.json
    licence = str(info.get("license_expression", ""))
    if not licence:
        classifiers = [
            c.split("::")[-1].strip()
            for c in info.get("classifier", [])
            if str(c).startswith("License ::")
        ]
        licence = "; ".join(classifiers)
    if not licence:
        text = str(info.get("license", "")).strip()
        licence = text.splitlines()[0] if text and len(text) < 200 else "see its licence file"
    return str(info.get("version", "")), licence


def licence_rows() -> list[tuple[str, str, str]]:
    rows = []
    for name in COMPONENTS:
        found = licence_of(name)
        if found is not None:
            rows.append((name, found[0], found[1]))
    rows.append(("Tabler Icons", "3.51.0", ICONS_LICENCE))
    return rows


def _close_buttons(dialog: QDialog) -> QDialogButtonBox:
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, dialog)
    buttons.rejected.connect(dialog.reject)
    buttons.button(QDialogButtonBox.StandardButton.Close).setAccessibleName("Close")
    return buttons


def _table(
    headings: list[str], rows: Sequence[tuple[str, ...]], name: str, parent: QWidget
) -> QTableWidget:
    table = QTableWidget(len(rows), len(headings), parent)
    table.setObjectName(name.title().replace(" ", ""))
    table.setAccessibleName(name)
    table.setHorizontalHeaderLabels(headings)
    table.verticalHeader().setVisible(False)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.setTabKeyNavigation(False)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    table.resizeColumnsToContents()
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


class AboutDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("AboutDialog")
        self.setWindowTitle("About CRM Desktop")
        layout = QVBoxLayout(self)
        database = context.database.display_url if context.database is not None else "none open"
        actor = context.actor
        who = (actor.display_name or actor.username) if actor is not None else "nobody"
        self.summary = QLabel(
            f"CRM Desktop {__version__}\n"
            "Complaints, compliments and comments for the council's consumer relations team.\n\n"
            f"Database: {database}\n"
            f"Signed in as: {who}\n"
            f"Qt {qVersion()}, Python {platform.python_version()}, {platform.system()}",
            self,
        )
        self.summary.setObjectName("AboutText")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("About CRM Desktop")
        layout.addWidget(self.summary)
        layout.addWidget(QLabel("Parts of the program and their licences", self))
        self.licences = _table(["Part", "Version", "Licence"], licence_rows(), "Licences", self)
        layout.addWidget(self.licences, 1)
        icons = QTextBrowser(self)
        icons.setObjectName("IconLicence")
        icons.setAccessibleName("Licence of the icons")
        icons.setPlainText(
            "Icons: Tabler Icons (tabler.io/icons)\n\n"
            + resource_path("icons", "LICENSE").read_text(encoding="utf-8")
        )
        icons.setMaximumHeight(self.fontMetrics().height() * 8)
        layout.addWidget(icons)
        layout.addWidget(_close_buttons(self))
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 46, metrics.height() * 34)


class ShortcutsDialog(QDialog):
    def __init__(self, rows: list[tuple[str, str, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShortcutsDialog")
        self.setWindowTitle("Keyboard shortcuts")
        self.rows = rows
        layout = QVBoxLayout(self)
        shown = [(command, keys, where) for where, command, keys in rows]
        self.table = _table(["Command", "Keys", "Where"], shown, "Keyboard shortcuts", self)
        layout.addWidget(self.table, 1)
        layout.addWidget(_close_buttons(self))
        metrics = self.fontMetrics()
        header = self.table.horizontalHeader()
        width = sum(header.sectionSize(c) for c in range(header.count()))
        width += (
            self.table.verticalScrollBar().sizeHint().width() + metrics.horizontalAdvance("M") * 3
        )
        self.resize(max(width, metrics.horizontalAdvance("M") * 40), metrics.height() * 32)


class GuideDialog(QDialog):
    """The user guide, shipped with the program (no network needed)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("GuideDialog")
        self.setWindowTitle("CRM Desktop user guide")
        self.setModal(False)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("Guide")
        self.browser.setAccessibleName("User guide")
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(
            resource_path("guide", "user-guide.md").read_text(encoding="utf-8")
        )
        layout.addWidget(self.browser, 1)
        layout.addWidget(_close_buttons(self))
        metrics = self.fontMetrics()
        self.resize(metrics.horizontalAdvance("M") * 52, metrics.height() * 36)
