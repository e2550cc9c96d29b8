"""Every page and dialog fits at 100%, 150% and 200% scaling on 1366×768 and 1920×1080
screens: each runs ``python -m ui.layout_check`` in its own process (the screen size and
the scaling are fixed when Qt starts), which opens them all as a user would and reports
any button outside the screen and any label or heading cut without a tooltip. The same
walk with ``--accessibility`` checks every control's accessible name and walks the tab
order of every window (staff who use the keyboard alone or a screen reader)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_desktop.db.database import open_database
from crm_desktop.services.demo import generate_demo
from ui.layout_check import DEFAULT_CASES, DEMO_END

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("layouts") / "demo.db"
    database = open_database(f"sqlite:///{path}")
    try:
        generate_demo(database, DEFAULT_CASES, 1, DEMO_END)
    finally:
        database.dispose()
    return path


def _check(demo_file: Path, screen: str, scale: str, *extra: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "QT_SCALE_FACTOR")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "ui.layout_check",
            "--screen",
            screen,
            "--scale",
            scale,
            "--database",
            str(demo_file),
            *extra,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert "windows checked" in result.stderr, result.stderr[-2000:]
    checked = int(result.stderr.split(" windows checked")[0].split()[-1])
    assert checked >= 65  # every page, tab and dialog was opened (each action's too)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("screen", ["1366x768", "1920x1080"])
@pytest.mark.parametrize("scale", ["1", "1.5", "2"])
def test_every_window_fits(demo_file: Path, screen: str, scale: str) -> None:
    _check(demo_file, screen, scale)


def test_every_control_is_named_and_reached_by_tab(demo_file: Path) -> None:
    _check(demo_file, "1920x1080", "1", "--accessibility")


def test_the_accessibility_check_finds_a_nameless_control_and_a_tab_trap(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialog, QLineEdit, QPlainTextEdit, QPushButton, QVBoxLayout

    from ui.layout_check import _accessibility_problems

    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    nameless = QLineEdit(dialog)
    nameless.setObjectName("Nameless")
    layout.addWidget(nameless)
    trap = QPlainTextEdit(dialog)
    trap.setAccessibleName("Notes")
    layout.addWidget(trap)
    after = QPushButton("Save", dialog)
    layout.addWidget(after)
    dialog.show()
    found = _accessibility_problems(dialog, "test")
    assert "test: QLineEdit 'Nameless' has no accessible name" in found
    assert "test: text box 'Notes' keeps Tab" in found
    nameless.setAccessibleName("Name")
    trap.setTabChangesFocus(True)
    assert _accessibility_problems(dialog, "test") == []
    dialog.close()


def test_the_check_finds_a_button_off_the_screen(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout

    from ui.layout_check import _problems

    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    label = QLabel("A label much longer than the room it is given in this dialog", dialog)
    layout.addWidget(label)
    button = QPushButton("Record the case", dialog)
    layout.addWidget(button)
    dialog.show()
    screen = dialog.screen().availableGeometry()
    dialog.move(screen.left(), screen.bottom() - 10)  # its buttons run off the bottom
    label.setFixedWidth(40)
    found = _problems(dialog, "test")
    assert "test: button 'Record the case' is outside the screen" in found
    assert any("is cut" in problem for problem in found)
    dialog.close()


def test_the_check_finds_tabs_shortened_to_fit(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout

    from ui.layout_check import _problems
    from ui.widgets import PageTabs

    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    tabs = PageTabs(dialog)
    tabs.setAccessibleName("Sections")
    for name in ("Correspondence", "Attachments", "Action items", "Timeline"):
        tabs.add_page(QLabel(name), name)
    layout.addWidget(tabs)
    dialog.show()
    dialog.resize(tabs.tabBar().sizeHint().width() + 80, 200)
    qapp.processEvents()
    assert _problems(dialog, "test") == []
    dialog.setFixedWidth(200)
    qapp.processEvents()
    assert "test: the tabs of 'Sections' are shortened to fit" in _problems(dialog, "test")
    dialog.close()


def test_a_dialog_too_tall_for_the_screen_scrolls_up_and_down_only(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import (
        QCheckBox,
        QDialog,
        QFormLayout,
        QPushButton,
        QScrollArea,
        QVBoxLayout,
    )

    from ui.fit import fit_on_screen
    from ui.layout_check import _problems

    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    form = QFormLayout()
    rows = dialog.screen().availableGeometry().height() // 20 + 10  # taller than the screen
    for row in range(rows):
        form.addRow(f"Row {row}", QCheckBox("Spouse or civil partner of a member or officer"))
    layout.addLayout(form)
    layout.addWidget(QPushButton("Save", dialog))
    dialog.resize(layout.sizeHint().width(), 300)
    dialog.show()
    fit_on_screen(dialog)
    qapp.processEvents()
    found = _problems(dialog, "test")
    assert "test: its contents scroll sideways" not in found
    assert not [problem for problem in found if "outside the screen" in problem]
    # Squeezed narrower than its contents, the check says so.
    scroll = dialog.findChild(QScrollArea, "DialogScroll")
    scroll.setMinimumWidth(0)
    qapp.processEvents()
    dialog.resize(150, 300)
    qapp.processEvents()
    assert "test: its contents scroll sideways" in _problems(dialog, "test")
    dialog.close()


def test_the_check_finds_tabs_behind_scroll_arrows(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialog, QLabel, QTabWidget, QVBoxLayout

    from ui.layout_check import _problems

    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    tabs = QTabWidget(dialog)
    tabs.setAccessibleName("Sections")
    tabs.setUsesScrollButtons(True)
    for name in ("Natures of complaint", "Service areas", "KPI targets", "Users and roles"):
        tabs.addTab(QLabel(name), name)
    layout.addWidget(tabs)
    dialog.show()
    dialog.resize(tabs.tabBar().sizeHint().width() + 80, 200)
    qapp.processEvents()
    assert _problems(dialog, "test") == []
    dialog.setFixedWidth(200)
    qapp.processEvents()
    assert (
        "test: the tabs of 'Sections' do not all fit (some are behind scroll arrows)"
        in _problems(dialog, "test")
    )
    dialog.close()


def test_the_check_finds_a_section_name_out_of_view(qapp) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QDialog, QLabel, QVBoxLayout

    from ui.layout_check import _problems
    from ui.widgets import SectionList

    dialog = QDialog()
    layout = QVBoxLayout(dialog)
    sections = SectionList("Sections", dialog)
    names = [f"Section {n}" for n in range(1, 13)]
    for name in names:
        sections.add_page(QLabel(name), name)
    layout.addWidget(sections)
    dialog.show()
    dialog.resize(400, sections.list.sizeHintForRow(0) * 20 + 100)
    qapp.processEvents()
    assert _problems(dialog, "test") == []
    dialog.setFixedHeight(120)
    qapp.processEvents()
    assert "test: section 'Section 12' of 'Sections' is out of view" in _problems(dialog, "test")
    dialog.close()
