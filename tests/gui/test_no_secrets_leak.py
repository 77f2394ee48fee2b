"""Secrets stay out of logs, the GUI settings file and task errors."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import pytest
from keyvault_gui.settings import GuiSettings
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.seed_phrases import SeedPhrasesView
from PySide6.QtCore import QByteArray
from pytestqt.qtbot import QtBot

from .conftest import PASSPHRASE, close_error_dialogs, error_dialogs, wait_idle
from .flows import create_vault_with_wizard

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def test_no_secret_in_logs_or_settings(
    qtbot: QtBot, window: MainWindow, kv_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    words = create_vault_with_wizard(qtbot, window)
    view = window.show_page("phrases")
    assert isinstance(view, SeedPhrasesView)
    view.check_tab.phrase.edit.setText(PHRASE.replace("wave", "wavx"))
    qtbot.waitUntil(lambda: view.check_tab.outcome is not None, timeout=10_000)
    # A failing task is logged (by type) and shown (by the core's text): never the secret.
    view.combine_tab.fields[0].edit.setText(PHRASE)
    view.combine_tab.combine_button.click()
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=10_000)
    shown = error_dialogs()[0].text() + error_dialogs()[0].informativeText()
    close_error_dialogs()
    wait_idle(qtbot, window.runner)
    window.close()
    stored = (kv_home / "gui.ini").read_text()
    for text in (caplog.text, stored, shown):
        assert PASSPHRASE not in text
        assert "sausage" not in text and "wavx" not in text
        # Word pairs, not single words: one random phrase word can be an ordinary word of
        # the log's own text ("task", "word"); two adjacent phrase words cannot, by chance.
        assert not any(f" {a} {b} " in f" {text} " for a, b in itertools.pairwise(words))
    assert "task combine-shares failed" in caplog.text


def test_settings_accept_only_their_own_keys(kv_home: Path) -> None:
    kv_home.mkdir(parents=True, exist_ok=True)
    settings = GuiSettings(kv_home)
    settings.set("window/page", 3)
    with pytest.raises(ValueError, match="not a GUI setting"):
        settings.set("phrase", 1)
    with pytest.raises(TypeError):
        settings.set("window/page", "abandon abandon")  # type: ignore[arg-type]
    settings.set("window/geometry", QByteArray(b"\x01\x02"))
    settings.sync()
    assert GuiSettings(kv_home).get_int("window/page") == 3
