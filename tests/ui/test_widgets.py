"""Small widget helpers."""

from __future__ import annotations

import datetime as dt
import time

from PySide6.QtCore import Qt

from crm_desktop.domain.formatting import format_local_time
from ui import privacy_page
from ui.widgets import alt_key, with_mnemonic


def test_an_alt_key_goes_to_a_free_first_letter_then_any_free_letter() -> None:
    taken = {"s"}
    # R, the first word's letter; then a later word's; then inside a word; "&" kept.
    assert with_mnemonic("Respond", taken) == "&Respond"
    assert with_mnemonic("Record a request", taken) == "Record &a request"
    assert with_mnemonic("Reopen", taken) == "Re&open"
    assert with_mnemonic("Q&A rest", taken) == "&Q&&A rest"
    # Menu letters (File, Edit, View, Case, Tools, Help) are never used.
    assert with_mnemonic("Close case", set()) == "C&lose case"
    assert with_mnemonic("Eft", {"e", "f", "t"}) == "Eft"
    assert taken == {"s", "r", "a", "o", "q"}


def test_the_alt_key_of_a_label_is_the_letter_its_ampersand_marks() -> None:
    assert [alt_key(t) for t in ("Re&sponder…", "&Save", "Q&&A &rest", "Plain", "End&")] == [
        "s", "s", "r", None, None
    ]  # fmt: skip


def test_a_utc_moment_is_shown_as_local_time_in_english(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The access log's, the correspondence list's, the history's and the notifications'
    times: this computer's time (British Summer Time here), the date as everywhere else,
    no leading zero; a moment that already knows its zone is taken as it is."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    try:
        summer = dt.datetime(2024, 6, 4, 23, 30)  # UTC, as the database keeps it
        assert format_local_time(summer) == "5 Jun 2024 00:30"
        assert format_local_time(dt.datetime(2024, 3, 4, 9, 5)) == "4 Mar 2024 09:05"
        assert privacy_page._opened_text(summer) == "5 Jun 2024 00:30"
        aware = dt.datetime(2024, 6, 4, 23, 30, tzinfo=dt.UTC)
        assert format_local_time(aware) == "5 Jun 2024 00:30"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_the_access_log_heading_says_no_utc(qtbot, manager_context) -> None:  # type: ignore[no-untyped-def]
    page = privacy_page.PrivacyPage(manager_context)
    qtbot.addWidget(page)
    heading = page.log_model.headerData(0, Qt.Orientation.Horizontal)
    assert heading == "Opened"


def test_an_empty_list_shows_its_column_headings_whole(qtbot, manager_context) -> None:  # type: ignore[no-untyped-def]
    """With no rows to size the columns by, each is still as wide as its heading."""
    from ui.admin_page import AdminPage, UsersSection
    from ui.queues_page import OmbudsmanPage

    page = OmbudsmanPage(manager_context)
    qtbot.addWidget(page)
    page.resize(911, 512)
    page.show()
    page.activate()
    assert page.stages_model.rowCount() == 0
    for view in (page.stages_view, page.remedies_view):
        header = view.horizontalHeader()
        for column in range(header.count()):
            assert header.sectionSize(column) >= header.sectionSizeHint(column), (
                view.model().headerData(column, Qt.Orientation.Horizontal)
            )
    admin = AdminPage(manager_context)
    qtbot.addWidget(admin)
    admin.activate()
    users = next(s for s in admin.sections if isinstance(s, UsersSection))
    users.model.set_rows([])
    header = users.view.horizontalHeader()
    assert all(header.sectionSize(c) >= header.sectionSizeHint(c) for c in range(header.count()))
