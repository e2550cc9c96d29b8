"""WCAG 2.x level AA contrast (4.5 to 1 for text) in both themes: every text and
background pair of each palette, and the fixed state colours (overdue, due soon,
suspended, RAG), which set their text and background together."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette

from ui import theme
from ui.widgets import TONES

AA = 4.5


def test_the_contrast_formula_matches_wcag() -> None:
    black, white = QColor("#000000"), QColor("#ffffff")
    assert theme.contrast_ratio(black, white) == pytest.approx(21.0)
    assert theme.contrast_ratio(white, white) == pytest.approx(1.0)
    # WCAG's own example boundary: #767676 on white is just above 4.5.
    assert theme.contrast_ratio(QColor("#767676"), white) == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", [theme.LIGHT, theme.DARK])
def test_every_palette_pair_meets_aa(name: str) -> None:
    palette = theme.palette(name)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        for text, background in theme.READ_PAIRS:
            ratio = theme.contrast_ratio(
                palette.color(group, text), palette.color(group, background)
            )
            assert ratio >= AA, (name, group, text, background, round(ratio, 2))


@pytest.mark.parametrize("tone", sorted(TONES))
def test_state_colours_meet_aa(tone: str) -> None:
    background, text = TONES[tone]
    assert theme.contrast_ratio(QColor(text), QColor(background)) >= AA


def test_the_themes_differ_and_system_resolves_to_one_of_them(qapp) -> None:  # type: ignore[no-untyped-def]
    light, dark = theme.palette(theme.LIGHT), theme.palette(theme.DARK)
    window = QPalette.ColorRole.Window
    assert theme.relative_luminance(light.color(window)) > 0.5
    assert theme.relative_luminance(dark.color(window)) < 0.1
    assert theme.resolved(theme.SYSTEM) in (theme.LIGHT, theme.DARK)
    try:
        assert theme.apply(theme.DARK) == theme.DARK
        assert qapp.palette().color(window) == dark.color(window)
    finally:
        theme.apply(theme.LIGHT)
