"""The overview's sentence and cards, in each state, on real separate filesystems (root):
all safe, a drive away (its folder gone, as when unplugged), a copy damaged."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyvault_gui.views.dashboard import VERDICT_COLOR
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.overview import OverviewView
from pytestqt.qtbot import QtBot

from keyvault.vault.config import load_config
from tests.cli.test_backup_support import can_mount, tmpfs

from .flows import (
    add_file_item,
    add_folder_destination,
    create_vault_with_wizard,
    overview_state,
    run_and_wait,
)

pytestmark = pytest.mark.skipif(
    not can_mount(), reason="mounting a tmpfs was refused (needs root): no separate devices"
)


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[dict[str, Path]]:
    with (
        tmpfs(tmp_path / "disk", "8m") as disk,
        tmpfs(tmp_path / "office", "8m") as office,
        tmpfs(tmp_path / "away", "8m") as away,
    ):
        yield {"disk": disk, "office": office, "away": away}


def _overview(qtbot: QtBot, window: MainWindow) -> OverviewView:
    overview_state(qtbot, window, "wallet.dat")
    view = window.page("overview")
    assert isinstance(view, OverviewView)
    return view


def test_sentence_and_cards_safe_drive_away_copy_damaged(
    qtbot: QtBot, window: MainWindow, kv_home: Path, devices: dict[str, Path]
) -> None:
    create_vault_with_wizard(qtbot, window)
    wallet = devices["disk"] / "wallet.dat"
    wallet.write_bytes(b"WALLET" + os.urandom(20_000))
    add_file_item(qtbot, window, wallet)
    (devices["office"] / "kv").mkdir()
    (devices["away"] / "kv").mkdir()
    add_folder_destination(qtbot, window, "office", devices["office"] / "kv")
    add_folder_destination(qtbot, window, "away", devices["away"] / "kv", offsite=True)
    run_and_wait(qtbot, window, "backup_button")

    # All safe: one sentence, one green card per item (the wallet and the vault key).
    view = _overview(qtbot, window)
    assert view.sentence.text() == "All 2 keys are safe."
    assert set(view.cards) == {"wallet.dat", "vault-key"}
    card = view.cards["wallet.dat"]
    assert card.state.text() == "safe"
    assert card.fix_button is None
    assert card.color == VERDICT_COLOR["ok"]
    badges = card.copy_text()
    assert "office (drive)" in badges
    assert "away (drive, offsite)" in badges
    assert not view.table.isVisible() or view.details_button.isChecked()

    # The office drive is unplugged (its folder is gone): the sentence says to connect it.
    os.rename(devices["office"] / "kv", devices["office"] / "unplugged")
    view = _overview(qtbot, window)
    assert view.sentence.text() == "2 keys need you: connect the USB drive 'office'."
    card = view.cards["wallet.dat"]
    assert card.state.text() == "connect the USB drive 'office'"
    assert "not connected" in card.copy_text()
    assert card.color == VERDICT_COLOR["backup-now"]
    os.rename(devices["office"] / "unplugged", devices["office"] / "kv")
    assert _overview(qtbot, window).sentence.text() == "All 2 keys are safe."

    # A copy is damaged (deleted) and verify finds it: the card offers Repair.
    vault_id = load_config(kv_home).require_vault().id
    objects = list((devices["office"] / "kv" / "keyvault" / vault_id / "objects").iterdir())
    objects[0].unlink()
    run_and_wait(qtbot, window, "verify_button")
    view = _overview(qtbot, window)
    assert view.sentence.text() == "1 key needs you: repair the copy at 'office'."
    card = view.cards["wallet.dat"]
    assert card.fix_button is not None and card.fix_button.text() == "Repair"
    assert card.color == VERDICT_COLOR["not-met"]
    assert "does not count" in card.copy_text()

    # The table stays available as the detail view.
    view.details_button.setChecked(True)
    assert not view.table.isHidden()
    assert view.row_state("wallet.dat") == "not-met"
