"""What the screens say is in the words a council officer uses: no program internals
(versions, "the database", "reference data", an error's class name)."""

from __future__ import annotations

from crm_desktop.errors import UserFacingError
from crm_desktop.logs import log_file
from ui.context import AppContext
from ui.import_wizard import ImportWizard
from ui.widgets import error_text


def test_a_bug_is_told_in_plain_words_with_where_the_details_are() -> None:
    class Glitch(RuntimeError):
        pass

    text = error_text(Glitch("'NoneType' object has no attribute 'stage'"), "saving the case")
    assert "Glitch" not in text and "NoneType" not in text
    assert text.startswith("Something went wrong in the program while saving the case")
    assert "Nothing was saved" in text and str(log_file()) in text
    # An error the user can put right is told in its own words, as before.
    assert error_text(UserFacingError("Choose the service area."), "saving") == (
        "Choose the service area."
    )


def test_the_import_wizard_speaks_of_files_and_lists(qtbot, manager_context: AppContext) -> None:  # type: ignore[no-untyped-def]
    wizard = ImportWizard(manager_context)
    qtbot.addWidget(wizard)
    check = wizard.check_page
    texts = [
        wizard.file_page.subTitle(),
        check.skip_existing.text(),
        check.add_missing.text(),
    ]
    for text in texts:
        assert "database" not in text and "UTF-8" not in text and "reference data" not in text
    assert "CSV file" in wizard.file_page.subTitle()
