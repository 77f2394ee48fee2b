"""Steps of the GUI flows, shared by the tests (they drive the real widgets)."""

from __future__ import annotations

from keyvault_gui.views import wizard as wiz
from keyvault_gui.views.main_window import MainWindow
from pytestqt.qtbot import QtBot

from .conftest import PASSPHRASE, wait_idle


def create_vault_with_wizard(qtbot: QtBot, window: MainWindow) -> list[str]:
    """Walk the wizard: passphrase twice, read the 24 words, confirm three. Returns the words."""
    wizard = window.open_wizard()
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
