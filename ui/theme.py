"""Light, dark or the system's scheme: one palette each, applied to the whole program
with Qt's Fusion style (which draws every widget from the palette, so both themes look
the same on every system). The choice is remembered per user (``ui.user_state``).

Every pair of text and background colours meets WCAG 2.x level AA (a contrast ratio of
at least 4.5 to 1); ``tests/ui/test_theme.py`` computes the ratios.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

LIGHT, DARK, SYSTEM = "light", "dark", "system"
THEMES = {LIGHT: "Light", DARK: "Dark", SYSTEM: "Same as the system"}
THEME_KEY = "theme"

Role = QPalette.ColorRole

# role -> colour, for the active and inactive states; disabled text is greyed below.
COLOURS: dict[str, dict[QPalette.ColorRole, str]] = {
    LIGHT: {
        Role.Window: "#f3f3f3",
        Role.WindowText: "#1a1a1a",
        Role.Base: "#ffffff",
        Role.AlternateBase: "#eef2f7",
        Role.Text: "#1a1a1a",
        Role.Button: "#e6e6e6",
        Role.ButtonText: "#1a1a1a",
        Role.Highlight: "#1d5ba3",
        Role.HighlightedText: "#ffffff",
        Role.ToolTipBase: "#fffbe0",
        Role.ToolTipText: "#1a1a1a",
        Role.PlaceholderText: "#5c5c5c",
        Role.Link: "#0a4f9e",
        Role.LinkVisited: "#5b2a86",
        Role.BrightText: "#ffffff",
        Role.Light: "#ffffff",
        Role.Midlight: "#e9e9e9",
        Role.Mid: "#b8b8b8",
        Role.Dark: "#8c8c8c",
        Role.Shadow: "#4a4a4a",
    },
    DARK: {
        Role.Window: "#202124",
        Role.WindowText: "#e8eaed",
        Role.Base: "#17181a",
        Role.AlternateBase: "#25272b",
        Role.Text: "#e8eaed",
        Role.Button: "#2f3136",
        Role.ButtonText: "#e8eaed",
        Role.Highlight: "#2a64a8",
        Role.HighlightedText: "#ffffff",
        Role.ToolTipBase: "#303134",
        Role.ToolTipText: "#e8eaed",
        Role.PlaceholderText: "#a3a7ad",
        Role.Link: "#8ab4f8",
        Role.LinkVisited: "#c58af9",
        Role.BrightText: "#000000",
        Role.Light: "#4a4d52",
        Role.Midlight: "#3a3d42",
        Role.Mid: "#5f6368",
        Role.Dark: "#121314",
        Role.Shadow: "#000000",
    },
}
DISABLED_TEXT = {LIGHT: "#8a8a8a", DARK: "#7c8086"}

# The text/background pairs a user reads, checked for contrast.
READ_PAIRS: tuple[tuple[QPalette.ColorRole, QPalette.ColorRole], ...] = (
    (Role.WindowText, Role.Window),
    (Role.Text, Role.Base),
    (Role.Text, Role.AlternateBase),
    (Role.ButtonText, Role.Button),
    (Role.HighlightedText, Role.Highlight),
    (Role.ToolTipText, Role.ToolTipBase),
    (Role.PlaceholderText, Role.Base),
    (Role.Link, Role.Base),
    (Role.Link, Role.Window),
    (Role.WindowText, Role.Base),
)


def palette(theme: str) -> QPalette:
    """The palette of ``LIGHT`` or ``DARK``."""
    result = QPalette()
    for role, colour in COLOURS[theme].items():
        for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
            result.setColor(group, role, QColor(colour))
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    for role in (Role.WindowText, Role.Text, Role.ButtonText, Role.PlaceholderText):
        result.setColor(QPalette.ColorGroup.Disabled, role, QColor(DISABLED_TEXT[theme]))
    return result


def system_is_dark() -> bool:
    app = QGuiApplication.instance()
    if not isinstance(app, QGuiApplication):
        return False
    return app.styleHints().colorScheme() == Qt.ColorScheme.Dark


def resolved(theme: str) -> str:
    """``LIGHT`` or ``DARK``: what ``SYSTEM`` means on this machine now."""
    if theme == SYSTEM or theme not in COLOURS:
        return DARK if system_is_dark() else LIGHT
    return theme


def apply(theme: str) -> str:
    """Use ``theme`` for the whole program; returns the palette applied (light or dark)."""
    app = QApplication.instance()
    chosen = resolved(theme)
    if isinstance(app, QApplication):
        if app.style().name().lower() != "fusion":
            app.setStyle("Fusion")
        app.setPalette(palette(chosen))
    return chosen


def relative_luminance(colour: QColor) -> float:
    """WCAG 2.x relative luminance of an sRGB colour."""

    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    return (
        0.2126 * channel(colour.redF())
        + 0.7152 * channel(colour.greenF())
        + 0.0722 * channel(colour.blueF())
    )


def contrast_ratio(foreground: QColor, background: QColor) -> float:
    """WCAG contrast ratio, from 1 (none) to 21 (black on white)."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)
