"""The first-run wizard against the real keystore (scrypt work factor 16 for speed)."""

from __future__ import annotations

from pathlib import Path

from keyvault_gui.tasks import TaskRunner
from keyvault_gui.views import wizard as wiz
from keyvault_gui.views.main_window import MainWindow
from pytestqt.qtbot import QtBot

from keyvault.crypto.vaultkey import identity_to_words
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.config import load_config

from .conftest import FAST_WORK_FACTOR, PASSPHRASE, close_error_dialogs, error_dialogs, wait_idle
from .flows import create_vault_with_wizard


def test_window_opens_the_wizard_when_there_is_no_vault(
    qtbot: QtBot, kv_home: Path, runner: TaskRunner
) -> None:
    window = MainWindow(kv_home, runner=runner, work_factor=FAST_WORK_FACTOR)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.wizard is not None and window.wizard.isVisible(), timeout=10_000)
    assert window.has_vault is False
    window.wizard.reject()


def test_wizard_creates_the_vault_and_its_words_open_it(
    qtbot: QtBot, window: MainWindow, kv_home: Path
) -> None:
    words = create_vault_with_wizard(qtbot, window)
    assert window.has_vault is True
    assert keystore.has_vault_key(kv_home)
    assert load_config(kv_home).vault is not None
    identity = keystore.unlock_vault_key(kv_home, Secret(PASSPHRASE))
    assert identity_to_words(identity).reveal_text() == " ".join(words)
    assert window.wizard is None  # closed and gone, words wiped with it


def _to_passphrase_page(window: MainWindow) -> wiz.VaultWizard:
    wizard = window.open_wizard()
    wizard.next()
    assert wizard.currentId() == wiz.PASSPHRASE
    return wizard


def test_passphrases_that_differ_are_refused(qtbot: QtBot, window: MainWindow) -> None:
    wizard = _to_passphrase_page(window)
    wizard.passphrase_page.first.edit.setText(PASSPHRASE)
    wizard.passphrase_page.second.edit.setText(PASSPHRASE + "x")
    wizard.next()
    assert wizard.currentId() == wiz.PASSPHRASE
    assert wizard.passphrase_page.status.text() == "the two passphrases differ"
    assert not keystore.has_vault_key(window.home)
    wizard.reject()


def test_weak_passphrase_is_refused_with_the_core_text(qtbot: QtBot, window: MainWindow) -> None:
    wizard = _to_passphrase_page(window)
    for field in (wizard.passphrase_page.first, wizard.passphrase_page.second):
        field.edit.setText("Password1!")
    qtbot.waitUntil(lambda: "too weak" in wizard.passphrase_page.meter.label.text(), timeout=5_000)
    wizard.next()
    wait_idle(qtbot, window.runner)
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=5_000)
    assert error_dialogs()[0].text().startswith("the passphrase is too weak")
    assert wizard.currentId() == wiz.PASSPHRASE
    assert not keystore.has_vault_key(window.home)
    close_error_dialogs()
    wizard.reject()


def test_a_wrong_confirmation_word_keeps_the_user_on_the_page(
    qtbot: QtBot, window: MainWindow
) -> None:
    wizard = _to_passphrase_page(window)
    wizard.passphrase_page.first.edit.setText(PASSPHRASE)
    wizard.passphrase_page.second.edit.setText(PASSPHRASE)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == wiz.WORDS, timeout=20_000)
    wizard.words_page.grid.reveal.setChecked(True)
    words = wizard.words_page.grid.shown_words()
    wizard.words_page.written.setChecked(True)
    wizard.next()
    confirm = wizard.confirm_page
    assert len(set(confirm.positions)) == 3
    for field, position in zip(confirm.fields, confirm.positions, strict=True):
        field.edit.setText(words[position - 1])
    wrong = confirm.positions[1]
    confirm.fields[1].edit.setText("zzzz")
    wizard.next()
    assert wizard.currentId() == wiz.CONFIRM
    assert confirm.status.text().startswith(f"word {wrong} does not match")
    # Back goes to the words (not to a second vault creation: the passphrase page commits).
    wizard.back()
    assert wizard.currentId() == wiz.WORDS
    wizard.reject()


def test_import_from_the_24_words_on_a_new_computer(
    qtbot: QtBot, window: MainWindow, kv_home: Path, tmp_path: Path
) -> None:
    words = create_vault_with_wizard(qtbot, window)
    original = load_config(kv_home).require_vault().recipient
    other_home = tmp_path / "new-computer"
    other = MainWindow(
        other_home,
        runner=window.runner,
        work_factor=FAST_WORK_FACTOR,
        open_wizard_if_needed=False,
    )
    qtbot.addWidget(other)
    wizard = other.open_wizard()
    wizard.start_page.import_radio.setChecked(True)
    wizard.next()
    assert wizard.currentId() == wiz.IMPORT
    wizard.import_page.words.edit.setText(" ".join(words))
    wizard.next()
    wizard.passphrase_page.first.edit.setText(PASSPHRASE)
    wizard.passphrase_page.second.edit.setText(PASSPHRASE)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentId() == wiz.DONE, timeout=20_000)
    assert load_config(other_home).require_vault().recipient == original
    wizard.reject()


def test_import_with_a_wrong_word_says_which(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    wizard = window.open_wizard()
    wizard.start_page.import_radio.setChecked(True)
    wizard.next()
    wizard.import_page.words.edit.setText(" ".join(["abandon"] * 23 + ["abandxn"]))
    wizard.next()
    wizard.passphrase_page.first.edit.setText(PASSPHRASE)
    wizard.passphrase_page.second.edit.setText(PASSPHRASE)
    wizard.next()
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=10_000)
    assert error_dialogs()[0].text() == "word 24 is not in the BIP39 English wordlist"
    assert wizard.currentId() == wiz.PASSPHRASE
    close_error_dialogs()
    wizard.reject()
