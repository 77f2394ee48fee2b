"""Restore, recover on a new computer, cancel a run, and the print screen."""

from __future__ import annotations

import stat
import threading
from pathlib import Path

from keyvault_gui.pdf_preview import page_images
from keyvault_gui.views.backup import BackupView
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.print_view import PrintView
from keyvault_gui.views.restore import RestoreView
from PySide6.QtPrintSupport import QPrinter
from pytestqt.qtbot import QtBot

from keyvault.backup.engine import RecoverReport, RestoreResult

from .conftest import PASSPHRASE, VALID_12, close_error_dialogs, error_dialogs, wait_idle
from .flows import (
    add_file_item,
    add_folder_destination,
    back_up_to_a_drive,
    create_vault_with_wizard,
    new_computer,
)


def _error(qtbot: QtBot) -> str:
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=10_000)
    text = error_dialogs()[0].text()
    close_error_dialogs()
    return text


def test_restore_an_item_with_the_passphrase(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _, content = back_up_to_a_drive(qtbot, window, tmp_path)
    view = window.show_page("restore")
    assert isinstance(view, RestoreView)
    qtbot.waitUntil(lambda: view.item.count() == 1, timeout=10_000)
    assert view.version.count() == 2  # "the newest" and version 1
    target = tmp_path / "restored.dat"
    view.target.setText(str(target))

    view.passphrase.edit.setText("not the passphrase")
    view.run_restore()
    assert _error(qtbot) == "incorrect passphrase"
    assert not target.exists()

    view.passphrase.edit.setText(PASSPHRASE)
    view.run_restore()
    assert view.passphrase.is_empty()  # taken, then cleared from the field
    qtbot.waitUntil(lambda: isinstance(view.last_result, RestoreResult), timeout=20_000)
    assert target.read_bytes() == content
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    # Never over an existing file.
    view.passphrase.edit.setText(PASSPHRASE)
    view.run_restore()
    assert "exist" in _error(qtbot)


def test_recover_everything_on_a_new_computer_from_the_24_words(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    words, content = back_up_to_a_drive(qtbot, window, tmp_path)
    fresh = new_computer(qtbot, window, tmp_path / "new-home")
    view = fresh.show_page("restore")
    assert isinstance(view, RestoreView)
    view.recover_source.setText(str(tmp_path / "drive"))
    view.recover_out.setText(str(tmp_path / "out"))
    wrong = words[:]
    wrong[3] = "zzzz"
    view.recover_words.edit.setText(" ".join(wrong))
    view.run_recover()
    assert _error(qtbot) == "word 4 is not in the BIP39 English wordlist"
    view.recover_words.edit.setText(" ".join(words))
    view.run_recover()
    qtbot.waitUntil(lambda: isinstance(view.last_result, RecoverReport), timeout=20_000)
    assert (tmp_path / "out" / "wallet.dat").read_bytes() == content
    assert "restored wallet.dat version 1" in view.result.toPlainText()


def test_recover_from_a_folder_without_a_backup(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    view = window.show_page("restore")
    assert isinstance(view, RestoreView)
    view.recover_source.setText(str(tmp_path))
    view.recover_out.setText(str(tmp_path / "out"))
    view.with_passphrase.setChecked(True)
    view.recover_passphrase.edit.setText(PASSPHRASE)
    view.run_recover()
    assert _error(qtbot).startswith("no keyvault backup in ")


def test_cancel_a_backup_leaves_the_previous_state(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    create_vault_with_wizard(qtbot, window)
    big = tmp_path / "big.bin"
    with big.open("wb") as handle:
        handle.truncate(64 << 20)  # 64 MiB of zeros: long enough to cancel mid-run
    add_file_item(qtbot, window, big)
    (tmp_path / "drive").mkdir()
    add_folder_destination(qtbot, window, "drive", tmp_path / "drive")
    view = window.show_page("backup")
    assert isinstance(view, BackupView)
    view.backup_button.click()
    qtbot.waitUntil(lambda: bool(view.bars), timeout=20_000)
    view.cancel_button.click()
    qtbot.waitUntil(lambda: not view.running, timeout=60_000)
    wait_idle(qtbot, window.runner)
    assert view.status.text().startswith("cancelled")
    assert view.backup_button.isEnabled()
    objects = list((tmp_path / "drive").rglob("objects/*"))
    assert objects == []
    assert not any((window.home / "spool").glob("**/*.age"))


def test_print_screen_previews_saves_and_prints(
    qtbot: QtBot, vault_window: MainWindow, tmp_path: Path
) -> None:
    view = vault_window.show_page("print")
    assert isinstance(view, PrintView)
    assert not view.save_button.isEnabled()

    view.choose("blank")
    view.preview()
    qtbot.waitUntil(lambda: view.rendered is not None, timeout=30_000)
    assert view.rendered is not None and not view.rendered.secret
    assert len(view.page_labels) == len(view.rendered.pages) >= 1

    view.choose("kit")
    view.passphrase.edit.setText("wrong passphrase here")
    view.preview()
    assert _error(qtbot) == "incorrect passphrase"
    assert view.rendered is None

    view.passphrase.edit.setText(PASSPHRASE)
    view.preview()
    qtbot.waitUntil(lambda: view.rendered is not None, timeout=30_000)
    assert view.rendered is not None and view.rendered.secret
    assert view.rendered.pdf.startswith(b"%PDF-")
    assert "holds secrets" in view.info.text()

    saved = tmp_path / "kit.pdf"
    view.save_pdf(saved)
    qtbot.waitUntil(saved.exists, timeout=10_000)
    wait_idle(qtbot, vault_window.runner)
    assert saved.read_bytes() == view.rendered.pdf
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600

    printed = tmp_path / "printed.pdf"
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    view.print_to(printer)
    qtbot.waitUntil(lambda: "\nsent " in view.info.text(), timeout=60_000)
    assert len(page_images(printed.read_bytes())) == len(view.rendered.pages)

    view.clear()
    assert view.rendered is None and view.page_labels == []


def test_phrase_sheet_needs_a_valid_phrase(qtbot: QtBot, window: MainWindow) -> None:
    view = window.show_page("print")
    assert isinstance(view, PrintView)
    view.choose("phrase")
    view.phrase.edit.setText(VALID_12.replace("thank", "thanx"))
    view.preview()
    assert _error(qtbot) == "word 3 is not in the english wordlist"
    view.phrase.edit.setText(VALID_12)
    view.preview()
    qtbot.waitUntil(lambda: view.rendered is not None, timeout=30_000)
    assert view.rendered is not None and view.rendered.secret


def test_core_calls_never_run_on_the_gui_thread(
    qtbot: QtBot, window: MainWindow, monkeypatch: object
) -> None:
    from keyvault.vault import items

    seen: list[bool] = []
    original = items.list_items

    def spy(home: Path) -> object:
        seen.append(threading.current_thread() is threading.main_thread())
        return original(home)

    import keyvault_gui.views.items as items_view

    monkeypatch.setattr(items_view, "list_items", spy)  # type: ignore[attr-defined]
    window.show_page("items")
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    wait_idle(qtbot, window.runner)
    assert seen and not any(seen)
