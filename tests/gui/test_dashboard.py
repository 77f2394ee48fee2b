"""The overview's sentence and cards, in each state, on real separate filesystems (root):
all safe, a drive away (its folder gone, as when unplugged), a drill overdue (a real
drill, dated 100 days ago), a copy damaged."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from embit import bip32
from keyvault_gui.views.dashboard import VERDICT_COLOR
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.overview import OverviewView
from mnemonic import Mnemonic
from pytestqt.qtbot import QtBot

from keyvault.backup.drill import drill
from keyvault.secret import Secret
from keyvault.vault.config import load_config
from keyvault.vault.items import add_phrase_item
from keyvault.vault.keystore import unlock_vault_key
from keyvault.vault.state import utc_now
from tests.cli.test_backup_support import needs_separate_devices, separate_devices

from .conftest import PASSPHRASE, wait_idle
from .flows import (
    add_file_item,
    add_folder_destination,
    create_vault_with_wizard,
    overview_state,
    run_and_wait,
)

pytestmark = needs_separate_devices()


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[dict[str, Path]]:
    with separate_devices(tmp_path, ("disk", "office", "away")) as found:
        yield found


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
    card = _overview(qtbot, window).cards["wallet.dat"]
    assert card.last_drill.text() == "Last drill: never"

    # A drill proved the copies 100 days ago, none since: overdue (default every 90 days).
    vault_key = unlock_vault_key(kv_home, Secret(PASSPHRASE))
    long_ago = utc_now() - timedelta(days=100)
    wait_idle(qtbot, window.runner)  # the drill runs here, not on the GUI's pool
    assert not drill(kv_home, identities=[vault_key], now=long_ago).problems
    view = _overview(qtbot, window)
    assert view.sentence.text() == "1 key needs you: run a drill."
    card = view.cards["wallet.dat"]
    assert card.state.text() == "drill overdue: run a drill"
    assert card.color == VERDICT_COLOR["backup-now"]
    assert card.last_drill.text() == f"Last drill: {long_ago:%Y-%m-%d %H:%M} (overdue)"
    # A file of no known wallet format has no public identity: none is shown.
    assert card.identity.text() == ""
    assert view.cards["vault-key"].state.text() == "safe"
    # A drill today proves them again: all safe, dated today.
    wait_idle(qtbot, window.runner)
    assert not drill(kv_home, identities=[vault_key]).problems
    view = _overview(qtbot, window)
    assert view.sentence.text() == "All 2 keys are safe."
    card = view.cards["wallet.dat"]
    assert card.state.text() == "safe"
    assert card.last_drill.text().startswith(f"Last drill: {utc_now():%Y-%m-%d}")

    # A copy is damaged (deleted) and verify finds it: the card offers Repair.
    vault_id = load_config(kv_home).require_vault().id
    objects = list((devices["office"] / "kv" / "keyvault" / vault_id / "objects").iterdir())
    objects[0].unlink()
    run_and_wait(qtbot, window, "verify_button")
    view = _overview(qtbot, window)
    assert view.sentence.text() == "1 key needs you: repair the copy at 'office'."
    card = view.cards["wallet.dat"]
    assert card.fix_button is not None and card.fix_button.text() == "Repair"
    # The policy's words ("run 'keyvault repair' to ...") name the button.
    assert card.fix_button.toolTip() == (
        "click Repair to re-copy the missing or damaged copy at 'office'"
    )
    assert card.color == VERDICT_COLOR["not-met"]
    assert "does not count" in card.copy_text()

    # The table stays available as the detail view.
    view.details_button.setChecked(True)
    assert not view.table.isHidden()
    assert view.row_state("wallet.dat") == "not-met"


def test_card_shows_the_recorded_identity(qtbot: QtBot, window: MainWindow, kv_home: Path) -> None:
    """A phrase item's card shows its master fingerprint, computed independently here
    (python-mnemonic's seed, embit's BIP32)."""
    create_vault_with_wizard(qtbot, window)
    words = " ".join(["abandon"] * 11 + ["about"])
    add_phrase_item(kv_home, "cold", Secret(words))
    expected = bip32.HDKey.from_seed(Mnemonic.to_seed(words, "")).my_fingerprint.hex()
    view = _overview(qtbot, window)
    card = view.cards["cold"]
    assert card.identity.text() == f"Identity: fingerprint {expected}"
    assert card.last_drill.text() == "Last drill: never"
    assert view.cards["vault-key"].identity.text() == ""
