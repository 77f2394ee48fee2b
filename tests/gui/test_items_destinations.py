"""Items, destinations and physical copies through their screens (real config, real core)."""

from __future__ import annotations

import stat
from pathlib import Path

from keyvault_gui.views.destinations import DestinationsView
from keyvault_gui.views.items import ItemsView
from keyvault_gui.views.main_window import MainWindow
from pytestqt.qtbot import QtBot

from keyvault.vault.config import load_config
from keyvault.vault.items import phrase_record_path

from .conftest import VALID_12, close_error_dialogs, error_dialogs, wait_idle
from .flows import add_file_item, add_folder_destination, open_screen


def _items(window: MainWindow) -> ItemsView:
    view = window.show_page("items")
    assert isinstance(view, ItemsView)
    return view


def _error(qtbot: QtBot) -> str:
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=10_000)
    text = error_dialogs()[0].text()
    close_error_dialogs()
    return text


def test_add_file_folder_and_remove(
    qtbot: QtBot, vault_window: MainWindow, tmp_path: Path, kv_home: Path
) -> None:
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"w")
    folder = tmp_path / "keystore"
    folder.mkdir()
    add_file_item(qtbot, vault_window, wallet)
    add_file_item(qtbot, vault_window, folder)
    view = _items(vault_window)
    assert view.item_names() == ["wallet.dat", "keystore"]
    assert view.table.item(1, 1).text() == "folder"
    view.table.selectRow(0)
    assert view.selected_name() == "wallet.dat"
    view.remove("wallet.dat")
    qtbot.waitUntil(lambda: view.item_names() == ["keystore"], timeout=10_000)
    assert [i.name for i in load_config(kv_home).items] == ["keystore"]


def test_adding_the_same_file_twice_or_a_missing_one_says_why(
    qtbot: QtBot, vault_window: MainWindow, tmp_path: Path
) -> None:
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"w")
    add_file_item(qtbot, vault_window, wallet)
    view = _items(vault_window)
    view.add_path(wallet, name="again")
    assert "is already protected as 'wallet.dat'" in _error(qtbot)
    view.add_path(tmp_path / "nothing-here")
    assert _error(qtbot).endswith("does not exist")


def test_add_a_seed_phrase_stored_only_encrypted(
    qtbot: QtBot, vault_window: MainWindow, kv_home: Path
) -> None:
    view = _items(vault_window)
    dialog = view.open_add_phrase()
    dialog.name.setText("ledger")
    dialog.phrase.edit.setText(VALID_12)
    dialog.accept()
    qtbot.waitUntil(lambda: "ledger" in view.item_names(), timeout=10_000)
    assert dialog.phrase.is_empty()
    item = load_config(kv_home).item("ledger")
    assert item is not None and item.kind == "phrase"
    record = phrase_record_path(kv_home, item)
    assert b"legal" not in record.read_bytes()
    assert stat.S_IMODE(record.stat().st_mode) == 0o600
    assert view.table.item(0, 2).text() == "stored encrypted by keyvault"


def test_a_phrase_with_a_wrong_word_is_refused_with_its_position(
    qtbot: QtBot, vault_window: MainWindow
) -> None:
    view = _items(vault_window)
    dialog = view.open_add_phrase()
    dialog.name.setText("bad")
    dialog.phrase.edit.setText(VALID_12.replace("wave", "wavx"))
    dialog.accept()
    assert _error(qtbot) == "word 5 is not in the english wordlist"
    wait_idle(qtbot, vault_window.runner)
    assert "bad" not in view.item_names()


def test_destinations_present_missing_and_errors(
    qtbot: QtBot, vault_window: MainWindow, tmp_path: Path, kv_home: Path
) -> None:
    drive = tmp_path / "drive"
    drive.mkdir()
    add_folder_destination(qtbot, vault_window, "usb", drive, offsite=True)
    view = open_screen(vault_window, "destinations", DestinationsView)
    qtbot.waitUntil(lambda: "usb" in view.presence, timeout=10_000)
    assert view.presence["usb"].present
    assert view.dest_table.item(0, 3).text() == "offsite"
    assert (drive / "keyvault").is_dir()  # the marker folder
    entry = load_config(kv_home).destination("usb")
    assert entry is not None and entry.media == "external" and entry.offsite

    # A second destination of the same name, or a folder that is not there, is refused.
    view.add_folder("usb", tmp_path, media="internal", offsite=False, offline=False)
    assert _error(qtbot) == "a destination called 'usb' exists already"
    view.add_folder("nas", tmp_path / "gone", media="nas", offsite=False, offline=False)
    assert _error(qtbot).startswith("folder ")

    # The drive "unplugged": the marker is gone, the destination shows as missing.
    (drive / "keyvault").rename(tmp_path / "moved-away")
    view.presence.clear()
    view.check_presence()
    qtbot.waitUntil(lambda: "usb" in view.presence, timeout=10_000)
    assert not view.presence["usb"].present
    assert view.dest_table.item(0, 4).text() == "MISSING"

    view.remove_destination("usb")
    qtbot.waitUntil(lambda: view.destination_names() == [], timeout=10_000)


def test_record_confirm_and_forget_a_paper_copy(
    qtbot: QtBot, vault_window: MainWindow, kv_home: Path
) -> None:
    view = open_screen(vault_window, "destinations", DestinationsView)
    wait_idle(qtbot, vault_window.runner)
    dialog = view.open_record_copy()
    assert dialog.item.currentData() == "vault-key"
    dialog.location.setText("  bank   safe deposit box ")
    dialog.offsite.setChecked(True)
    dialog.accept()
    qtbot.waitUntil(lambda: view.copy_table.rowCount() == 1, timeout=10_000)
    assert view.copy_table.item(0, 2).text() == "bank safe deposit box (offsite)"
    assert view.copy_table.item(0, 3).text() == "today"
    copies = load_config(kv_home).copies
    assert len(copies) == 1 and copies[0].item == "vault-key" and copies[0].offsite
    view.confirm_copy(copies[0].id)
    wait_idle(qtbot, vault_window.runner)
    view.record_copy("vault-key", "metal", "   ", offsite=False)
    assert _error(qtbot) == "say where the copy is kept, e.g. 'home safe'"
    view.remove_copy(copies[0].id)
    qtbot.waitUntil(lambda: view.copy_table.rowCount() == 0, timeout=10_000)
    assert load_config(kv_home).copies == []
