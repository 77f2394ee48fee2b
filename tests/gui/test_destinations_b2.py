"""The B2 form of the destinations screen (against the B2 test server, b2sdk's real HTTP
stack), the notice under the destination buttons, and the overview's buttons chosen by
the verdict's action code."""

from __future__ import annotations

import json
import stat
from datetime import datetime, timezone
from pathlib import Path

import pytest
from keyvault_gui.views.destinations import DestinationsView
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.overview import ACTIONS, action_for
from keyvault_gui.views.restore import RestoreView
from pytestqt.qtbot import QtBot

from keyvault.backup.policy import ACTION_CODES, CopyEvidence, evaluate
from keyvault.vault.config import PolicyConfig, load_config

from ..destinations.b2_server import B2TestServer
from .conftest import BUCKET, close_error_dialogs, error_dialogs, wait_idle
from .flows import add_b2_destination, fill_b2_dialog, open_screen


def _error(qtbot: QtBot) -> str:
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=20_000)
    text = error_dialogs()[0].text()
    close_error_dialogs()
    return text


def test_add_a_b2_bucket_then_remove_it(
    qtbot: QtBot,
    vault_window: MainWindow,
    kv_home: Path,
    b2: tuple[B2TestServer, tuple[str, str]],
) -> None:
    server, master = b2
    dialog = add_b2_destination(qtbot, vault_window, "offsite", master)
    assert dialog.key.is_empty()  # read once, as a Secret, then cleared
    view = open_screen(vault_window, "destinations", DestinationsView)
    entry = load_config(kv_home).destination("offsite")
    assert entry is not None and (entry.type, entry.media, entry.offsite) == ("b2", "cloud", True)
    assert (entry.options["bucket"], entry.options["prefix"]) == (BUCKET, "laptop")
    assert entry.options["credentials"] == "file"
    assert master[1] not in (kv_home / "config.toml").read_text()
    creds = kv_home / "b2-credentials.json"
    assert stat.S_IMODE(creds.stat().st_mode) == 0o600 and master[1] in creds.read_text()
    vault_id = load_config(kv_home).require_vault().id
    assert server.sim.stored(BUCKET, f"laptop/keyvault/{vault_id}/vault.json") is not None
    # What B2 said is worth checking is shown under the buttons.
    assert not view.notice.isHidden() and "lifecycle rule" in view.notice.text()
    qtbot.waitUntil(lambda: "offsite" in view.presence, timeout=20_000)
    assert view.presence["offsite"].present, view.presence["offsite"].reason
    assert view.dest_table.item(0, 1).text() == f"b2://{BUCKET}/laptop"

    view.remove_destination("offsite")
    qtbot.waitUntil(lambda: view.destination_names() == [], timeout=20_000)
    assert "offsite" not in json.loads(creds.read_text())
    assert error_dialogs() == []


def test_a_refused_b2_key_or_missing_input_says_why_and_saves_nothing(
    qtbot: QtBot,
    vault_window: MainWindow,
    kv_home: Path,
    b2: tuple[B2TestServer, tuple[str, str]],
) -> None:
    _, master = b2
    view = open_screen(vault_window, "destinations", DestinationsView)
    wait_idle(qtbot, vault_window.runner)
    dialog = view.open_add_b2()
    fill_b2_dialog(dialog, "offsite", (master[0], "not-the-key"))
    dialog.accept()
    assert "B2 rejected the application key" in _error(qtbot)
    dialog = view.open_add_b2()
    fill_b2_dialog(dialog, "offsite", (master[0], "   "))
    dialog.accept()
    assert _error(qtbot) == "give the application key ID and the key"
    dialog = view.open_add_b2()
    fill_b2_dialog(dialog, "offsite", master)
    dialog.compliance.setChecked(True)
    dialog.accept()
    assert "compliance mode needs" in _error(qtbot)
    dialog = view.open_add_b2()
    fill_b2_dialog(dialog, "bad name", master)
    dialog.accept()
    assert "invalid destination name" in _error(qtbot)
    wait_idle(qtbot, vault_window.runner)
    assert load_config(kv_home).destinations == []
    assert not (kv_home / "b2-credentials.json").exists()


def test_a_drive_on_the_computers_own_disk_is_questioned(
    qtbot: QtBot, vault_window: MainWindow, tmp_path: Path
) -> None:
    view = open_screen(vault_window, "destinations", DestinationsView)
    view.add_folder("usb", tmp_path, media="external", offsite=False, offline=False)
    qtbot.waitUntil(lambda: "usb" in view.destination_names(), timeout=10_000)
    assert not view.notice.isHidden()
    assert "same disk as keyvault's own files" in view.notice.text()
    view.remove_destination("usb")
    qtbot.waitUntil(lambda: view.destination_names() == [], timeout=10_000)
    assert view.notice.isHidden()


def test_every_action_code_has_a_button_and_a_screen(qtbot: QtBot, window: MainWindow) -> None:
    assert set(ACTIONS) == set(ACTION_CODES) - {"none"}
    for code in ACTIONS:
        if code in ("backup", "verify", "repair"):
            continue  # these start an engine run: test_flow_321 presses Repair for real
        window.do_action(code, "wallet")
        expected = "restore" if code == "restore" else "destinations"
        assert window.current_page() is window.page(expected), code


def test_the_button_follows_the_code_not_the_words() -> None:
    now = datetime(2026, 6, 1, tzinfo=timezone.utc)
    drive = CopyEvidence("destination", "usb", "fs:usb", "external", verified_at=now)
    original = CopyEvidence("original", "original", "fs:laptop", "internal")
    verdict = evaluate("wallet", [original, drive], PolicyConfig(), now=now)
    assert verdict.action_code == "add-offsite" and action_for(verdict) == "add-offsite"
    reworded = type(verdict)(**{**verdict.__dict__, "action": "something else entirely"})
    assert action_for(reworded) == "add-offsite"
    holds = evaluate(
        "wallet", [original, drive], PolicyConfig(min_copies=2, min_offsite=0), now=now
    )
    assert holds.action_code == "none" and action_for(holds) is None


def test_the_heir_types_the_kits_b2_read_key(
    qtbot: QtBot,
    window: MainWindow,
    monkeypatch: pytest.MonkeyPatch,
    b2: tuple[B2TestServer, tuple[str, str]],
    tmp_path: Path,
) -> None:
    """Recover from b2://: the key ID and key typed in the Restore screen reach B2 (the
    environment has none): a wrong key is refused by B2, the right one gets as far as
    finding no backup under an empty prefix."""
    monkeypatch.delenv("B2_APPLICATION_KEY_ID", raising=False)
    monkeypatch.delenv("B2_APPLICATION_KEY", raising=False)
    _, master = b2
    view = window.show_page("restore")
    assert isinstance(view, RestoreView)
    view.recover_source.setText(str(tmp_path))
    assert view.recover_b2_key.isHidden()  # only for a b2:// backup
    view.recover_source.setText(f"b2://{BUCKET}/laptop")
    assert not view.recover_b2_key.isHidden()
    view.recover_out.setText(str(tmp_path / "out"))

    def recover(key: tuple[str, str] | None) -> str:
        # Any valid key phrase: the run stops at B2 before a key is tried.
        view.recover_words.edit.setText(" ".join(["abandon"] * 23 + ["art"]))
        view.recover_b2_key_id.setText(key[0] if key else "")
        view.recover_b2_key.edit.setText(key[1] if key else "")
        view.run_recover()
        return _error(qtbot)

    assert "no B2 credentials" in recover(None)
    assert "B2 rejected the application key" in recover((master[0], "not-the-key"))
    assert view.recover_b2_key.is_empty()  # the key is not left in the field
    found = recover(master)
    assert "no keyvault backup" in found, found
