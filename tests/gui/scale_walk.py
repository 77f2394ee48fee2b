"""Every screen and dialog at 200 % scale on a 1920x1080 screen: text fits, icons are sharp.

Not collected by a plain ``pytest`` run: Qt reads ``QT_SCALE_FACTOR`` once, when the
QApplication is made, so ``tests/gui/test_scale_200.py`` runs this module in a child
pytest with ``QT_SCALE_FACTOR=2`` and Qt's offscreen platform given one 1920x1080 screen
(960x540 logical pixels: a common laptop at 200 %).

What fails:

- a window or dialog that cannot shrink to the screen (its layout's minimum is larger);
- a label or button whose text or icon needs more room than it has (clipped: Qt draws
  what fits), or a word-wrapped label too short for its lines;
- an icon or picture drawn from fewer pixels than the screen shows (blurry at 2x):
  a label's pixmap or a button's icon whose device pixel ratio is under 2.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from keyvault_gui.views.main_window import PAGES, MainWindow
from keyvault_gui.views.print_view import PrintView
from keyvault_gui.views.restore import RestoreView
from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QLabel,
    QTabBar,
    QTabWidget,
    QWidget,
)
from pytestqt.qtbot import QtBot

from .conftest import PASSPHRASE, wait_idle
from .flows import (
    add_file_item,
    add_folder_destination,
    create_vault_with_wizard,
    every_dialog,
    run_and_wait,
)

SCALE = 2.0


def _shown(root: QWidget) -> Iterator[QWidget]:
    for widget in root.findChildren(QWidget):
        # Qt's own parts (a tab bar's scroll arrows, sized by the style) are left out.
        if isinstance(widget.parentWidget(), QTabBar) or widget.objectName().startswith("qt_"):
            continue
        if widget.isVisibleTo(root):
            yield widget


def _describe(widget: QWidget) -> str:
    text = widget.text() if isinstance(widget, (QLabel, QAbstractButton)) else ""
    return f"{type(widget).__name__} {widget.objectName()!r} {text[:50]!r}"


def _fit_problems(widget: QWidget) -> list[str]:
    size = widget.size()
    if isinstance(widget, QLabel) and widget.wordWrap() and widget.pixmap().isNull():
        need = QSize(widget.minimumSizeHint().width(), widget.heightForWidth(size.width()))
    else:
        need = widget.sizeHint()
    if need.width() > size.width() + 1 or need.height() > size.height() + 1:
        return [
            f"{_describe(widget)} needs {need.width()}x{need.height()}, "
            f"has {size.width()}x{size.height()}"
        ]
    return []


def _sharpness_problems(widget: QWidget) -> list[str]:
    if isinstance(widget, QLabel) and not widget.pixmap().isNull():
        ratio = widget.pixmap().devicePixelRatio()
        if ratio < SCALE:
            return [f"{_describe(widget)}: its picture is drawn at {ratio}x"]
    if isinstance(widget, QAbstractButton) and not widget.icon().isNull():
        drawn = widget.icon().pixmap(widget.iconSize(), SCALE)
        if drawn.devicePixelRatio() < SCALE:
            return [f"{_describe(widget)}: its icon is drawn at {drawn.devicePixelRatio()}x"]
    return []


def problems(qtbot: QtBot, root: QWidget, where: str) -> list[str]:
    """What does not fit or is blurry in ``root`` (a window or a page of one)."""
    window = root.window()
    available = window.screen().availableGeometry().size()
    if window.width() > available.width() or window.height() > available.height():
        window.resize(window.size().boundedTo(available))
    qtbot.wait(50)  # layouts settle
    found = []
    if window.width() > available.width() or window.height() > available.height():
        found.append(
            f"{type(window).__name__} is {window.width()}x{window.height()}, larger than the "
            f"screen ({available.width()}x{available.height()})"
        )
    checked = 0
    for widget in _shown(root):
        if isinstance(widget, (QLabel, QAbstractButton)):
            if widget.isVisible():
                checked += 1
                found += _fit_problems(widget)
            found += _sharpness_problems(widget)
    if checked == 0:
        found.append("no label or button is shown: nothing was checked")
    return [f"{where}: {problem}" for problem in found]


def _tabs(qtbot: QtBot, page: QWidget, where: str) -> list[str]:
    found = []
    tab_widgets = page.findChildren(QTabWidget)
    for tabs in tab_widgets:
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            found += problems(qtbot, tabs.widget(index), f"{where}/{tabs.tabText(index)}")
    return found


def test_every_screen_and_dialog_fits_at_200_percent(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    assert os.environ.get("QT_SCALE_FACTOR") == "2", "run by tests/gui/test_scale_200.py"
    screen = QApplication.primaryScreen()
    assert screen.devicePixelRatio() == SCALE
    assert screen.availableGeometry().size() == QSize(960, 540)
    found: list[str] = []
    wizard = window.open_wizard()
    wizard.start_page.import_radio.setChecked(True)
    wizard.next()
    found += problems(qtbot, wizard.currentPage(), "wizard: import")
    wizard.reject()
    create_vault_with_wizard(
        qtbot,
        window,
        lambda page: found.extend(problems(qtbot, page, f"wizard: {type(page).__name__}")),
    )
    # Something to show: a protected file, a destination, a backup (cards, copies, tables).
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"WALLET" * 500)
    add_file_item(qtbot, window, wallet)
    (tmp_path / "usb").mkdir()
    add_folder_destination(qtbot, window, "usb", tmp_path / "usb")
    run_and_wait(qtbot, window, "backup_button")
    for key, _title in PAGES:
        page = window.show_page(key)
        wait_idle(qtbot, window.runner)
        found += problems(qtbot, page, key)
        found += _tabs(qtbot, page, key)
    # The screens' list: its widest entry fits without a scroll bar.
    if window.nav.sizeHintForColumn(0) > window.nav.viewport().width():
        found.append(
            f"navigation: an entry needs {window.nav.sizeHintForColumn(0)} pixels, "
            f"has {window.nav.viewport().width()}"
        )
    restore = window.show_page("restore")
    assert isinstance(restore, RestoreView)
    restore.recover_source.setText(str(tmp_path / "usb"))
    restore.with_passphrase.setChecked(True)
    restore.recover_passphrase.edit.setText(PASSPHRASE)
    restore.run_preview()
    qtbot.waitUntil(lambda: restore.last_contents is not None, timeout=30_000)
    found += problems(qtbot, restore, "restore with the backup's contents")
    printing = window.show_page("print")
    assert isinstance(printing, PrintView)
    printing.choose("blank")
    printing.preview()
    qtbot.waitUntil(lambda: bool(printing.page_labels), timeout=60_000)
    found += problems(qtbot, printing, "print preview")
    for name, dialog in every_dialog(window):
        found += problems(qtbot, dialog, name)
        dialog.reject()
    assert found == [], "\n".join(found)
