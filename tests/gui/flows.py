"""Steps of the GUI flows, shared by the tests (they drive the real widgets)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from keyvault_gui.views import wizard as wiz
from keyvault_gui.views.backup import BackupView
from keyvault_gui.views.destinations import AddB2Dialog, DestinationsView
from keyvault_gui.views.items import DiscoverDialog, ItemsView
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.overview import OverviewView
from PySide6.QtWidgets import QDialog, QWidget, QWizardPage
from pytestqt.qtbot import QtBot

from .conftest import BUCKET, FAST_WORK_FACTOR, PASSPHRASE, wait_idle

View = TypeVar("View", bound=QWidget)


def open_screen(window: MainWindow, key: str, kind: type[View]) -> View:
    """Switch ``window`` to the screen ``key``, which is a ``kind``, and return it."""
    view = window.show_page(key)
    assert isinstance(view, kind)
    return view


def create_vault_with_wizard(
    qtbot: QtBot, window: MainWindow, on_page: Callable[[QWizardPage], None] | None = None
) -> list[str]:
    """Walk the wizard: passphrase twice, read the 24 words, confirm three. Returns the
    words. ``on_page`` is called with each page as the wizard shows it."""
    wizard = window.open_wizard()
    if on_page is not None:
        wizard.currentIdChanged.connect(lambda _id: on_page(wizard.currentPage()))
        on_page(wizard.currentPage())
    assert wizard.currentId() == wiz.START
    wizard.start_page.create_radio.setChecked(True)
    wizard.next()
    assert wizard.currentId() == wiz.PASSPHRASE
    page = wizard.passphrase_page
    qtbot.keyClicks(page.first.edit, PASSPHRASE)
    qtbot.keyClicks(page.second.edit, PASSPHRASE)
    qtbot.waitUntil(lambda: page.meter.ok, timeout=10_000)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == wiz.WORDS, timeout=20_000)
    grid = wizard.words_page.grid
    assert grid.word_count() == 24
    grid.reveal.setChecked(True)
    words = grid.shown_words()
    wizard.words_page.written.setChecked(True)
    wizard.next()
    assert wizard.currentId() == wiz.CONFIRM
    confirm = wizard.confirm_page
    for field, position in zip(confirm.fields, confirm.positions, strict=True):
        field.edit.setText(words[position - 1])
    wizard.next()
    assert wizard.currentId() == wiz.DONE
    wizard.done_page.print_kit.setChecked(False)
    wizard.accept()
    wait_idle(qtbot, window.runner)
    return words


def add_file_item(qtbot: QtBot, window: MainWindow, path: Path) -> None:
    """Protect ``path`` through the items screen."""
    view = window.show_page("items")
    assert isinstance(view, ItemsView)
    view.add_path(path)
    qtbot.waitUntil(lambda: path.name in view.item_names(), timeout=10_000)


def protect_a_wallet(
    qtbot: QtBot, window: MainWindow, folder: Path, size: int = 3000
) -> tuple[list[str], bytes]:
    """Create the vault with the wizard and protect a new ``folder``/wallet.dat of
    ``size`` random bytes after ``WALLET``. Returns the vault's 24 words and the file's
    content."""
    words = create_vault_with_wizard(qtbot, window)
    wallet = folder / "wallet.dat"
    content = b"WALLET" + os.urandom(size)
    wallet.write_bytes(content)
    add_file_item(qtbot, window, wallet)
    return words, content


def back_up_to_a_drive(
    qtbot: QtBot, window: MainWindow, folder: Path, size: int = 3000
) -> tuple[list[str], bytes]:
    """:func:`protect_a_wallet`, then back it up to the folder destination "drive"
    (``folder``/drive)."""
    words, content = protect_a_wallet(qtbot, window, folder, size)
    (folder / "drive").mkdir()
    add_folder_destination(qtbot, window, "drive", folder / "drive")
    run_and_wait(qtbot, window, "backup_button")
    return words, content


def add_folder_destination(
    qtbot: QtBot,
    window: MainWindow,
    name: str,
    folder: Path,
    *,
    media: str = "external",
    offsite: bool = False,
) -> None:
    """Fill and accept the "add a folder" dialog of the destinations screen."""
    view = window.show_page("destinations")
    assert isinstance(view, DestinationsView)
    dialog = view.open_add_folder()
    dialog.name.setText(name)
    dialog.path.setText(str(folder))
    dialog.media.setCurrentIndex(dialog.media.findData(media))
    dialog.offsite.setChecked(offsite)
    dialog.accept()
    qtbot.waitUntil(lambda: name in view.destination_names(), timeout=10_000)
    wait_idle(qtbot, window.runner)


def fill_b2_dialog(
    dialog: AddB2Dialog, name: str, key: tuple[str, str], store: str = "file"
) -> None:
    """Fill the "add a B2 bucket" dialog: :data:`BUCKET`, prefix ``laptop``, ``key``."""
    dialog.name.setText(name)
    dialog.bucket.setText(BUCKET)
    dialog.prefix.setText("/laptop/")
    dialog.key_id.setText(key[0])
    dialog.key.edit.setText(key[1])
    dialog.store.setCurrentIndex(dialog.store.findData(store))


def add_b2_destination(
    qtbot: QtBot, window: MainWindow, name: str, key: tuple[str, str]
) -> AddB2Dialog:
    """Fill and accept the "add a B2 bucket" dialog (see :func:`fill_b2_dialog`); wait
    until the destination is listed. Returns the dialog."""
    view = open_screen(window, "destinations", DestinationsView)
    wait_idle(qtbot, window.runner)
    dialog = view.open_add_b2()
    fill_b2_dialog(dialog, name, key)
    dialog.accept()
    qtbot.waitUntil(lambda: name in view.destination_names(), timeout=20_000)
    wait_idle(qtbot, window.runner)
    return dialog


def every_dialog(window: MainWindow) -> list[tuple[str, QDialog]]:
    """Each dialog the screens open, by name, opened afresh (the caller closes them)."""
    destinations = window.page("destinations")
    items = window.page("items")
    assert isinstance(destinations, DestinationsView)
    assert isinstance(items, ItemsView)
    found = DiscoverDialog([], items)
    found.open()
    return [
        ("add folder", destinations.open_add_folder()),
        ("add B2", destinations.open_add_b2()),
        ("record copy", destinations.open_record_copy()),
        ("add phrase", items.open_add_phrase()),
        ("found wallets", found),
    ]


def new_computer(qtbot: QtBot, window: MainWindow, home: Path) -> MainWindow:
    """A main window over ``home``, which holds nothing yet (another computer), sharing
    ``window``'s task runner; no wizard opens by itself."""
    fresh = MainWindow(
        home, runner=window.runner, work_factor=FAST_WORK_FACTOR, open_wizard_if_needed=False
    )
    qtbot.addWidget(fresh)
    return fresh


def run_and_wait(qtbot: QtBot, window: MainWindow, button: str) -> BackupView:
    """Click a button of the backup screen and wait for the run to end."""
    view = window.show_page("backup")
    assert isinstance(view, BackupView)
    getattr(view, button).click()
    qtbot.waitUntil(lambda: not view.running, timeout=60_000)
    wait_idle(qtbot, window.runner)
    return view


def overview_state(qtbot: QtBot, window: MainWindow, item: str) -> tuple[str | None, str | None]:
    """Refresh the overview and return (verdict state, verdict colour) of ``item``."""
    view = window.show_page("overview")
    assert isinstance(view, OverviewView)
    view.overview = None
    view.refresh()
    qtbot.waitUntil(lambda: view.overview is not None, timeout=20_000)
    return view.row_state(item), view.row_color(item)
