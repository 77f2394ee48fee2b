"""Every control of every screen has an accessible name and takes keyboard focus.

The name is the one a screen reader gets (Qt's accessibility interface: the control's
accessibleName, else its text, else its buddy label); the focus check is Tab focus.
"""

from __future__ import annotations

from collections.abc import Iterator

from keyvault_gui.views.main_window import PAGES, MainWindow
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)
from pytestqt.qtbot import QtBot

from .flows import create_vault_with_wizard, every_dialog

CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractSlider,
    QTextEdit,
    QPlainTextEdit,
    QAbstractItemView,
)


def _controls(root: QWidget) -> Iterator[QWidget]:
    for widget in [root, *root.findChildren(QWidget)]:
        if not isinstance(widget, CONTROLS):
            continue
        # Qt's own parts of a compound control (a spin box's line edit, a table's corner
        # button, a scroll bar) are reached through their owner.
        if widget.objectName().startswith("qt_") or _inside(widget, (*CONTROLS, QComboBox)):
            continue
        if isinstance(widget, QAbstractSlider) and widget.objectName() == "":
            continue  # scroll bars of scroll areas
        yield widget


def _inside(widget: QWidget, kinds: tuple[type, ...]) -> bool:
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, kinds):
            return True
        parent = parent.parentWidget()
    return False


def _name(widget: QWidget) -> str:
    face = QAccessible.queryAccessibleInterface(widget)
    return face.text(QAccessible.Text.Name).strip() if face is not None else ""


def _problems(root: QWidget, where: str) -> list[str]:
    found = []
    for widget in _controls(root):
        owner = widget.parentWidget()
        label = (
            f"{where}: {type(widget).__name__} {widget.objectName()!r} in "
            f"{type(owner).__name__ if owner else None}"
        )
        if not _name(widget):
            found.append(f"{label} has no accessible name")
        # Qt takes Tab focus from the unchecked buttons of an exclusive group: Tab reaches
        # the checked one, the arrow keys the others.
        in_group = isinstance(widget, QAbstractButton) and widget.autoExclusive()
        if not in_group and not widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            found.append(f"{label} ({_name(widget)!r}) cannot be reached with Tab")
    return found


def test_every_control_has_a_name_and_keyboard_focus(qtbot: QtBot, window: MainWindow) -> None:
    wizard = window.open_wizard()
    problems = []
    for page_id in wizard.pageIds():
        problems += _problems(wizard.page(page_id), f"wizard page {page_id}")
    wizard.reject()
    create_vault_with_wizard(qtbot, window)
    for key, _title in PAGES:
        page = window.show_page(key)
        problems += _problems(page, key)
    problems += _problems(window.nav, "navigation")
    for name, dialog in every_dialog(window):
        problems += _problems(dialog, name)
        dialog.reject()
    assert problems == [], "\n".join(problems)
