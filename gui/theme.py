"""Light or dark, following the system.

Qt reports the desktop's choice in ``QStyleHints.colorScheme`` (through the freedesktop
settings portal on GNOME and KDE, the system setting on macOS and Windows) and signals
changes. :func:`follow_system` applies a dark palette (Fusion style) when the scheme is
dark and the style's own palette otherwise, now and on every change.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

__all__ = ["apply", "dark_palette", "follow_system"]


def dark_palette() -> QPalette:
    """A dark palette with readable contrast and a visible focus/highlight colour."""
    palette = QPalette()
    role = QPalette.ColorRole
    colors = {
        role.Window: "#232629",
        role.WindowText: "#eff0f1",
        role.Base: "#1b1e20",
        role.AlternateBase: "#2a2e32",
        role.ToolTipBase: "#31363b",
        role.ToolTipText: "#eff0f1",
        role.PlaceholderText: "#9aa0a6",
        role.Text: "#eff0f1",
        role.Button: "#31363b",
        role.ButtonText: "#eff0f1",
        role.BrightText: "#ff6b6b",
        role.Link: "#7cb7ff",
        role.Highlight: "#3d8ee6",
        role.HighlightedText: "#ffffff",
    }
    for name, value in colors.items():
        palette.setColor(name, QColor(value))
    disabled = QPalette.ColorGroup.Disabled
    for name in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(disabled, name, QColor("#7f8c8d"))
    return palette


def apply(app: QApplication, dark: bool) -> None:
    """Use the dark palette (``dark``; with Fusion, which draws any palette well) or the
    style's standard one."""
    if dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    else:
        app.setPalette(app.style().standardPalette())


def follow_system(app: QApplication) -> None:
    """Apply the system's scheme now and whenever it changes."""
    hints = app.styleHints()

    def update(scheme: Qt.ColorScheme) -> None:
        apply(app, scheme == Qt.ColorScheme.Dark)

    if hints.colorScheme() == Qt.ColorScheme.Dark:
        update(hints.colorScheme())
    hints.colorSchemeChanged.connect(update)
