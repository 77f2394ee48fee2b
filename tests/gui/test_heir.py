"""The heir's path, end to end: a rendered recovery kit PDF -> the wizard's "I am
recovering someone's keys" -> scan the kit -> point at the drive -> see what will be
restored (each item, its kind, date, size, identity and seal) -> recover -> the files."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from keyvault_gui.views import wizard as wiz
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.restore import RestoreView
from mnemonic import Mnemonic
from pytestqt.qtbot import QtBot

from keyvault.backup.drill import seal_destinations
from keyvault.backup.engine import RecoverReport
from keyvault.paper import kit
from keyvault.paper.render import render_pdf
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.config import load_config
from keyvault.vault.items import add_phrase_item

from .conftest import FAST_WORK_FACTOR, PASSPHRASE, close_error_dialogs, error_dialogs, wait_idle
from .flows import run_and_wait
from .test_restore_print import VALID_12, _backed_up


@pytest.mark.parametrize("split", [False, True], ids=["key-page", "2-of-3-shares"])
def test_heir_recovers_from_the_kit_pdf(
    qtbot: QtBot, window: MainWindow, kv_home: Path, tmp_path: Path, split: bool
) -> None:
    _, content = _backed_up(qtbot, window, tmp_path)
    add_phrase_item(kv_home, "ledger", Secret(VALID_12))
    run_and_wait(qtbot, window, "backup_button")
    identity = keystore.unlock_vault_key(kv_home, Secret(PASSPHRASE))
    if not split:  # the owner sealed this backup (a drill seals it); the other is not
        assert seal_destinations(kv_home, identity) == ["drive"]
    config = load_config(kv_home)
    if split:
        shares = kit.split_vault_key(identity, 2, 3)
        document = kit.recovery_kit(config, day=date.today(), shares=shares, threshold=2)
    else:
        document = kit.recovery_kit(config, day=date.today(), identity=identity)
    pdf = tmp_path / "kit.pdf"
    pdf.write_bytes(render_pdf(document))

    # The heir's computer: no vault, the wizard opens; they pick the third choice.
    heir = MainWindow(
        tmp_path / "heir-home",
        runner=window.runner,
        work_factor=FAST_WORK_FACTOR,
        open_wizard_if_needed=False,
    )
    qtbot.addWidget(heir)
    wizard = heir.open_wizard()
    wizard.start_page.heir_radio.setChecked(True)
    assert wizard.start_page.nextId() == -1  # no vault setup
    assert wizard.currentId() == wiz.START
    wizard.accept()
    view = heir.current_page()
    assert isinstance(view, RestoreView)
    assert view.with_kit.isChecked()

    view.scan_kit(pdf)
    qtbot.waitUntil(lambda: view.kit_identity is not None, timeout=60_000)
    assert str(identity.recipient) in view.kit_status.text()
    view.recover_source.setText(str(tmp_path / "drive"))

    # Before anything is restored: what the backup holds, item by item.
    view.run_preview()
    qtbot.waitUntil(lambda: view.last_contents is not None, timeout=30_000)
    assert view.contents.isVisibleTo(view)
    rows = {
        view.contents.item(row, 0).text(): [
            view.contents.item(row, column).text() for column in range(1, 6)
        ]
        for row in range(view.contents.rowCount())
    }
    assert set(rows) == {"wallet.dat", "ledger"}
    sealed = "not sealed" if split else "sealed"
    kind, backed_up, size, shown_identity, seal = rows["wallet.dat"]
    assert (kind, size, seal) == ("file", "3.0 KB", sealed)
    assert backed_up.startswith(date.today().isoformat())
    # The manifest records no identity yet (see keyvault_gui/source_preview.py).
    assert shown_identity == "not recorded in the backup"
    assert rows["ledger"][0] == "phrase (bip39)"
    assert rows["ledger"][4] == sealed
    assert view.contents_note.text().startswith("2 items, backup generation ")
    assert ("not seal" in view.contents_note.text()) is split
    assert not (tmp_path / "inherited").exists()  # nothing written yet

    view.recover_out.setText(str(tmp_path / "inherited"))
    view.run_recover()
    qtbot.waitUntil(lambda: isinstance(view.last_result, RecoverReport), timeout=30_000)
    wait_idle(qtbot, heir.runner)
    assert (tmp_path / "inherited" / "wallet.dat").read_bytes() == content
    assert VALID_12 in (tmp_path / "inherited" / "ledger.phrase.json").read_text()
    assert "restored wallet.dat version 1" in view.result.toPlainText()
    assert not (tmp_path / "heir-home" / "key.age").exists()  # no vault was set up


def test_a_photo_without_a_key_says_so(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(blank)
    view = window.show_page("restore")
    assert isinstance(view, RestoreView)
    view.scan_kit(blank)
    qtbot.waitUntil(lambda: "no key or share" in view.kit_status.text(), timeout=30_000)
    assert view.kit_identity is None
    view.with_kit.setChecked(True)
    view.recover_source.setText(str(tmp_path))
    view.recover_out.setText(str(tmp_path / "out"))
    view.run_recover()
    assert "scan the kit" in view.result.toPlainText()


def test_the_preview_with_someone_elses_words_shows_nothing(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _backed_up(qtbot, window, tmp_path)
    view = window.show_page("restore")
    assert isinstance(view, RestoreView)
    view.recover_source.setText(str(tmp_path / "drive"))
    view.with_words.setChecked(True)
    view.recover_words.edit.setText(Mnemonic("english").generate(256))  # another vault's
    view.run_preview()
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=30_000)
    message = error_dialogs()[0].text()
    hint = error_dialogs()[0].informativeText()
    close_error_dialogs()
    # The core's words, as recover says them for a key that does not open the backup.
    assert message == "no identity matched any of the file's recipients"
    assert "encrypted to another key" in hint
    assert view.last_contents is None
    assert not view.contents.isVisibleTo(view)
    assert view.contents.rowCount() == 0
