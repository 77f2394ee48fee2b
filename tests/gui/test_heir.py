"""The heir's path, end to end: a rendered recovery kit PDF -> the wizard's "I am
recovering someone's keys" -> scan the kit -> point at the drive, or at ``b2://`` with the
kit's read-only B2 key (over the B2 HTTP test server) -> see what will be restored (each
item, its kind, date, size, identity and seal) -> recover -> the files."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import pytest
from embit import bip32
from keyvault_gui.views import wizard as wiz
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.print_view import PrintView
from keyvault_gui.views.restore import RestoreView
from mnemonic import Mnemonic
from pytestqt.qtbot import QtBot

from keyvault.backup.drill import seal_destinations
from keyvault.backup.engine import BackupReport, RecoverReport, backup
from keyvault.crypto.seal import seal_public
from keyvault.crypto.vaultkey import identity_to_words
from keyvault.destinations.b2 import READ_ONLY_CAPABILITIES
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.config import load_config
from keyvault.vault.items import add_phrase_item
from keyvault.vault.state import open_state

from ..cli.test_backup_support import add_local_dest
from ..destinations.b2_server import B2TestServer
from ..destinations.test_b2_read_key import _pdftotext, _printed_key
from .conftest import (
    BUCKET,
    FAST_WORK_FACTOR,
    PASSPHRASE,
    VALID_12,
    close_error_dialogs,
    error_dialogs,
    wait_idle,
)
from .flows import (
    add_b2_destination,
    back_up_to_a_drive,
    new_computer,
    open_screen,
    protect_a_wallet,
    run_and_wait,
)

#: The master fingerprint of VALID_12, computed independently (python-mnemonic's seed,
#: embit's BIP32): what the kit prints beside the phrase item and the preview shows.
LEDGER_FINGERPRINT = bip32.HDKey.from_seed(Mnemonic.to_seed(VALID_12, "")).my_fingerprint.hex()


def _heir_scans_the_kit(
    qtbot: QtBot, window: MainWindow, home: Path, pdf: Path
) -> tuple[MainWindow, RestoreView]:
    """The heir's computer (nothing at ``home``): the wizard opens, they pick "I am
    recovering someone's keys" (no vault setup) and scan the kit ``pdf``."""
    heir = new_computer(qtbot, window, home)
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
    return heir, view


def _preview(qtbot: QtBot, view: RestoreView) -> dict[str, list[str]]:
    """Press "Show what will be restored": item name -> its kind, backed up, size,
    identity and seal, as the table shows them."""
    view.run_preview()
    qtbot.waitUntil(lambda: view.last_contents is not None, timeout=30_000)
    assert view.contents.isVisibleTo(view)
    return {
        view.contents.item(row, 0).text(): [
            view.contents.item(row, column).text() for column in range(1, 6)
        ]
        for row in range(view.contents.rowCount())
    }


def _print_kit(qtbot: QtBot, window: MainWindow, document: str, pdf: Path) -> Path:
    """The owner prints ``document`` (a kit) in the Print screen and saves it as ``pdf``."""
    printing = open_screen(window, "print", PrintView)
    printing.choose(document)
    printing.passphrase.edit.setText(PASSPHRASE)
    printing.preview()
    qtbot.waitUntil(lambda: printing.rendered is not None, timeout=60_000)
    printing.save_pdf(pdf)
    qtbot.waitUntil(pdf.exists, timeout=10_000)
    wait_idle(qtbot, window.runner)
    return pdf


def _written(home: Path) -> set[str]:
    """Every file under ``home``, relative to it."""
    return {str(p.relative_to(home)) for p in home.rglob("*") if p.is_file()}


def _recover(qtbot: QtBot, heir: MainWindow, view: RestoreView, out: Path) -> None:
    """Press "Recover everything" into ``out`` and wait for the report."""
    view.recover_out.setText(str(out))
    view.run_recover()
    qtbot.waitUntil(lambda: isinstance(view.last_result, RecoverReport), timeout=30_000)
    wait_idle(qtbot, heir.runner)


@pytest.mark.parametrize("split", [False, True], ids=["key-page", "2-of-3-shares"])
def test_heir_recovers_from_the_kit_pdf(
    qtbot: QtBot, window: MainWindow, kv_home: Path, tmp_path: Path, split: bool
) -> None:
    _, content = back_up_to_a_drive(qtbot, window, tmp_path)
    add_phrase_item(kv_home, "ledger", Secret(VALID_12))
    run_and_wait(qtbot, window, "backup_button")
    identity = keystore.unlock_vault_key(kv_home, Secret(PASSPHRASE))
    if not split:  # the owner sealed this backup (a drill seals it); the other is not
        assert seal_destinations(kv_home, identity) == ["drive"]
    # The owner prints the kit in the Print screen and saves it as a PDF.
    pdf = _print_kit(qtbot, window, "kit-split" if split else "kit", tmp_path / "kit.pdf")
    printed = _pdftotext(pdf)
    assert f"fingerprint {LEDGER_FINGERPRINT}" in printed  # beside 'ledger', to compare
    assert seal_public(identity) in "".join(printed.split())

    heir, view = _heir_scans_the_kit(qtbot, window, tmp_path / "heir-home", pdf)
    assert str(identity.recipient) in view.kit_status.text()
    view.recover_source.setText(str(tmp_path / "drive"))

    # Before anything is restored: what the backup holds, item by item.
    rows = _preview(qtbot, view)
    assert set(rows) == {"wallet.dat", "ledger"}
    sealed = "not sealed" if split else "sealed"
    kind, backed_up, size, shown_identity, seal = rows["wallet.dat"]
    assert (kind, size, seal) == ("file", "3.0 KB", sealed)
    assert backed_up.startswith(date.today().isoformat())
    # Each item's identity, as the manifest records it: what the heir compares with the kit.
    assert shown_identity == f"sha256 {hashlib.sha256(content).hexdigest()}"
    assert rows["ledger"][0] == "phrase (bip39)"
    assert rows["ledger"][3] == f"fingerprint {LEDGER_FINGERPRINT}"
    # The preview wrote nothing but the local state of the heir's fresh home, and nothing
    # in it: not even the generation seen, which the recover below records.
    assert _written(tmp_path / "heir-home") == {"state.db"}
    assert view.last_contents is not None
    with open_state(tmp_path / "heir-home") as state:
        assert state.seen_generation(view.last_contents.vault_id) == 0  # none
    assert rows["ledger"][4] == sealed
    assert view.contents_note.text().startswith("2 items, backup generation ")
    assert ("not seal" in view.contents_note.text()) is split
    assert not (tmp_path / "inherited").exists()  # nothing written yet

    _recover(qtbot, heir, view, tmp_path / "inherited")
    assert (tmp_path / "inherited" / "wallet.dat").read_bytes() == content
    assert VALID_12 in (tmp_path / "inherited" / "ledger.phrase.json").read_text()
    assert "restored wallet.dat version 1" in view.result.toPlainText()
    assert not (tmp_path / "heir-home" / "key.age").exists()  # no vault was set up


def test_heir_recovers_from_b2_with_the_kits_read_key(
    qtbot: QtBot,
    window: MainWindow,
    kv_home: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    b2: tuple[B2TestServer, tuple[str, str]],
) -> None:
    """The owner backs up to B2 and prints, in the Print screen, a kit with a read-only key
    for it; the heir has only that PDF: its key QR opens the backup, its 'Cloud access'
    page reaches B2."""
    monkeypatch.delenv("B2_APPLICATION_KEY_ID", raising=False)
    monkeypatch.delenv("B2_APPLICATION_KEY", raising=False)
    server, master = b2
    _, content = protect_a_wallet(qtbot, window, tmp_path)
    add_phrase_item(kv_home, "ledger", Secret(VALID_12))
    add_b2_destination(qtbot, window, "offsite", master)
    backup = run_and_wait(qtbot, window, "backup_button")
    assert isinstance(backup.last_report, BackupReport)
    assert [d.state for d in backup.last_report.destinations] == ["ok"]

    # The owner prints the kit with a read-only key for the bucket, and saves it as a PDF.
    keys_before = set(server.sim.key_id_to_key)
    printing = open_screen(window, "print", PrintView)
    printing.choose("kit")
    assert printing.b2_read_keys.isVisibleTo(printing)
    printing.b2_read_keys.setChecked(True)
    printing.passphrase.edit.setText(PASSPHRASE)
    printing.preview()
    qtbot.waitUntil(lambda: printing.rendered is not None, timeout=60_000)
    pdf = tmp_path / "kit.pdf"
    printing.save_pdf(pdf)
    qtbot.waitUntil(pdf.exists, timeout=10_000)
    wait_idle(qtbot, window.runner)
    [key_id] = set(server.sim.key_id_to_key) - keys_before
    read_key = server.sim.key_id_to_key[key_id]
    assert sorted(read_key.capabilities) == sorted(READ_ONLY_CAPABILITIES)
    assert read_key.name_prefix_or_none == "laptop/"
    printed = _pdftotext(pdf)
    assert "Cloud access" in printed and key_id in printed
    assert _printed_key(printed) == read_key.key
    told = printing.info.text()
    assert f"Created the read-only B2 key {key_id} for 'offsite'" in told
    assert told.endswith(f"saved to {pdf}")

    server.reset_calls()
    heir, view = _heir_scans_the_kit(qtbot, window, tmp_path / "heir-home", pdf)
    # Where the kit says the copy is ("bucket kv-bucket, folder laptop/"), as typed.
    assert f"bucket {BUCKET}, folder laptop/" in " ".join(printed.split())
    view.recover_source.setText(f"b2://{BUCKET}/laptop/")
    assert not view.recover_b2_key.isHidden()
    view.recover_b2_key_id.setText(key_id)
    # Typed as printed: in groups of four (spaces do not count).
    typed = _printed_key(printed)
    view.recover_b2_key.edit.setText(" ".join(typed[i : i + 4] for i in range(0, len(typed), 4)))
    rows = _preview(qtbot, view)
    assert set(rows) == {"wallet.dat", "ledger"}
    assert rows["wallet.dat"][0] == "file" and rows["ledger"][0] == "phrase (bip39)"
    assert rows["ledger"][3] == f"fingerprint {LEDGER_FINGERPRINT}"
    # The preview wrote the heir's (empty) local state and b2sdk's authorization cache
    # (no key in it: checked below), as recover does.
    assert {path.split("/")[0] for path in _written(tmp_path / "heir-home")} == {
        "state.db",
        "b2-cache",
    }
    assert not (tmp_path / "inherited").exists()  # nothing written yet

    _recover(qtbot, heir, view, tmp_path / "inherited")
    assert (tmp_path / "inherited" / "wallet.dat").read_bytes() == content
    assert VALID_12 in (tmp_path / "inherited" / "ledger.phrase.json").read_text()
    assert view.recover_b2_key.is_empty()  # the key is not left in the field
    assert not (tmp_path / "heir-home" / "key.age").exists()  # no vault was set up
    for secret in (master[1], read_key.key):  # no B2 key kept on the heir's computer
        assert not any(
            secret.encode() in p.read_bytes()
            for p in (tmp_path / "heir-home").rglob("*")
            if p.is_file()
        )
    # The heir only read: every call B2 saw was a listing or a download.
    called = set(server.endpoints())
    assert "b2_download_file_by_name" in called or "b2_download_file_by_id" in called
    assert not called & {"b2_upload_file", "b2_start_large_file", "b2_delete_file_version"}


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
    back_up_to_a_drive(qtbot, window, tmp_path)
    view = window.show_page("restore")
    assert isinstance(view, RestoreView)
    view.recover_source.setText(str(tmp_path / "drive"))
    view.with_words.setChecked(True)
    words = Mnemonic("english").generate(256)  # another vault's
    said: list[str] = []
    for press in (view.run_preview, view.run_recover):
        view.recover_words.edit.setText(words)
        view.recover_out.setText(str(tmp_path / "inherited"))
        press()
        qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=30_000)
        said.append(error_dialogs()[0].text())
        close_error_dialogs()
    # The core's words, the same for the preview as for recover.
    assert "no identity matched any of the file's recipients" in said[0]
    assert said[0] == said[1]
    assert view.last_contents is None
    assert not view.contents.isVisibleTo(view)
    assert view.contents.rowCount() == 0
    assert not (tmp_path / "inherited").exists()


def test_the_preview_names_another_vaults_folder_it_passed_over(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    """Two vaults back up to the same drive: the preview lists the vault the words open
    and names the other one's folder, tried first and skipped."""
    words, _ = back_up_to_a_drive(qtbot, window, tmp_path)
    other_home = tmp_path / "other-home"
    _, other = keystore.create_vault(other_home, Secret(PASSPHRASE), work_factor=FAST_WORK_FACTOR)
    add_phrase_item(other_home, "other ledger", Secret(VALID_12))
    add_local_dest(other_home, "drive", tmp_path / "drive")
    assert [d.state for d in backup(other_home).destinations] == ["ok"]
    # Vault folders are tried in the order of their ids: open the one tried second.
    (first, _), (second, second_words) = sorted(
        [
            (load_config(window.home).require_vault().id, " ".join(words)),
            (load_config(other_home).require_vault().id, identity_to_words(other).reveal_text()),
        ]
    )
    heir = new_computer(qtbot, window, tmp_path / "heir-home")
    view = heir.show_page("restore")
    assert isinstance(view, RestoreView)
    view.recover_source.setText(str(tmp_path / "drive"))
    view.with_words.setChecked(True)
    view.recover_words.edit.setText(second_words)
    _preview(qtbot, view)
    assert view.last_contents is not None and view.last_contents.vault_id == second
    assert f"Skipped the folder of vault {first}: " in view.contents_note.text()


def test_a_kit_with_read_keys_needs_a_b2_destination(
    qtbot: QtBot, vault_window: MainWindow
) -> None:
    printing = open_screen(vault_window, "print", PrintView)
    printing.choose("kit-split")
    printing.b2_read_keys.setChecked(True)
    printing.passphrase.edit.setText(PASSPHRASE)
    printing.preview()
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=30_000)
    message = error_dialogs()[0].text()
    close_error_dialogs()
    assert message == "there is no B2 destination to make a read-only key for"
    assert printing.rendered is None
    printing.choose("phrase")
    assert not printing.b2_read_keys.isVisibleTo(printing)  # only for a kit
