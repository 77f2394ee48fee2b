"""The whole flow through the GUI, end to end, against a temp KEYVAULT_HOME and real
separate filesystems (tmpfs mounts, as the engine's own end-to-end tests use; root only):

wizard -> add a file -> add two folder destinations -> back up -> the overview row is
green -> a copy is deleted and verified -> the row is red -> its Repair button -> green.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyvault_gui.views.backup import BackupView
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.overview import OverviewView
from pytestqt.qtbot import QtBot

from keyvault.vault.config import load_config
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

GREEN, RED = "#2e7d32", "#c62828"


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """Three filesystems: the disk with the wallet, a USB drive, a drive kept offsite."""
    with separate_devices(tmp_path, ("disk", "usb", "away")) as found:
        yield found


def test_wizard_to_green_then_red_after_a_lost_copy(
    qtbot: QtBot, window: MainWindow, kv_home: Path, devices: dict[str, Path]
) -> None:
    words = create_vault_with_wizard(qtbot, window)
    assert len(words) == 24

    wallet = devices["disk"] / "wallet.dat"
    wallet.write_bytes(b"WALLET" + os.urandom(20_000))
    add_file_item(qtbot, window, wallet)

    (devices["usb"] / "kv").mkdir()
    (devices["away"] / "kv").mkdir()
    add_folder_destination(qtbot, window, "usb", devices["usb"] / "kv")
    add_folder_destination(qtbot, window, "away", devices["away"] / "kv", offsite=True)
    assert [d.name for d in load_config(kv_home).destinations] == ["usb", "away"]

    # Before any backup the rule cannot hold: the row is red and offers the fix.
    state, color = overview_state(qtbot, window, "wallet.dat")
    assert (state, color) == ("not-met", RED)

    view = run_and_wait(qtbot, window, "backup_button")
    assert "wallet.dat: backed up (version 1)" in view.result.toPlainText()
    assert "the 3-2-1 rule holds" in view.result.toPlainText()
    assert {"usb", "away"} <= set(view.bars)
    assert all(bar.bar.value() == bar.bar.maximum() for bar in view.bars.values())

    state, color = overview_state(qtbot, window, "wallet.dat")
    assert (state, color) == ("ok", GREEN)
    overview = window.page("overview")
    assert isinstance(overview, OverviewView)
    assert "wallet.dat" not in overview.action_buttons

    # A copy disappears from the USB drive; verify finds it, and the row turns red.
    vault_id = load_config(kv_home).require_vault().id
    objects = list((devices["usb"] / "kv" / "keyvault" / vault_id / "objects").iterdir())
    assert len(objects) == 1
    objects[0].unlink()
    view = run_and_wait(qtbot, window, "verify_button")
    assert "usb: wallet.dat is missing" in view.result.toPlainText()
    assert view.status.text() == "done, with a warning"
    state, color = overview_state(qtbot, window, "wallet.dat")
    assert (state, color) == ("not-met", RED)
    # The policy's advice ("run 'keyvault repair' to ...") names the button.
    advice = "click Repair to re-copy the missing or damaged copy at 'usb'"
    assert overview.advice.text() == f"wallet.dat: {advice}"
    assert overview.action_buttons["wallet.dat"].toolTip() == advice

    # The row's one action repairs it; the row is green again.
    button = overview.action_buttons["wallet.dat"]
    assert button.text() == "Repair"
    button.click()
    backup_view = window.page("backup")
    assert isinstance(backup_view, BackupView)
    qtbot.waitUntil(lambda: not backup_view.running, timeout=60_000)
    wait_idle(qtbot, window.runner)
    assert "usb: wallet.dat copied again" in backup_view.result.toPlainText()
    assert objects[0].exists()
    assert overview_state(qtbot, window, "wallet.dat") == ("ok", GREEN)

    # Nothing secret was written where the GUI keeps its settings.
    window.close()
    settings = (kv_home / "gui.ini").read_text()
    assert PASSPHRASE not in settings
    tokens = settings.split()
    pairs = set(itertools.pairwise(tokens))
    assert not any(pair in pairs for pair in itertools.pairwise(words))
