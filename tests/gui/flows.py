"""Steps of the GUI flows, shared by the tests (they drive the real widgets)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from keyvault_gui.views import wizard as wiz
from keyvault_gui.views.backup import BackupView
from keyvault_gui.views.destinations import AddB2Dialog, DestinationsView
from keyvault_gui.views.items import ItemsView
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.overview import OverviewView
from PySide6.QtWidgets import QWizardPage
from pytestqt.qtbot import QtBot

from .conftest import BUCKET, FAST_WORK_FACTOR, PASSPHRASE, wait_idle


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
