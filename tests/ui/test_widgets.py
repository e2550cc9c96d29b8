"""Small widget helpers."""

from __future__ import annotations

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
