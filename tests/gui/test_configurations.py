"""A wallet configuration on the items screen: its identity and cosigner map (offscreen)."""

from __future__ import annotations

from pathlib import Path

from keyvault_gui.views.configurations import ConfigurationDialog
from keyvault_gui.views.items import ItemsView
from keyvault_gui.views.main_window import MainWindow
from pytestqt.qtbot import QtBot

from keyvault.configs import read_configuration
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, wallet
from keyvault.vault.configurations import add_configuration_item
from keyvault.vault.items import add_phrase_item

from .conftest import PASSPHRASE, close_error_dialogs, error_dialogs

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
OTHER = (
    "[1cf0bf7e/48h/0h/0h/2h]xpub6FL8FhxNNUVnG64YurPd16AfGyvFLhh7S2uSsDqR3Qfcm6o9jtcMYwh6Dvmc"
    "BF9qozxNQmTCVvWtxLpKTnhVLN3Pgnu2D3pAoXYFgVyd8Yz"
)


def _configured(home: Path) -> str:
    add_phrase_item(home, "my ledger", Secret(PHRASE))
    seed = bip39.to_seed(Secret(PHRASE))
    fingerprint = wallet.master_fingerprint(seed)
    xpub = wallet.extended_public_key(seed, "m/48h/0h/0h/2h")
    seed.wipe()
    ours = f"[{fingerprint}/48h/0h/0h/2h]{xpub}/<0;1>/*"
    text = f"wsh(sortedmulti(2,{ours},{OTHER}/<0;1>/*))"
    record = add_configuration_item(home, "family", read_configuration(text.encode()), text)[1]
    assert record.config.threshold == 2
    return fingerprint


def test_configuration_identity_and_cosigner_map(
    qtbot: QtBot, vault_window: MainWindow, kv_home: Path
) -> None:
    fingerprint = _configured(kv_home)
    view = vault_window.show_page("items")
    assert isinstance(view, ItemsView)
    view.refresh()
    qtbot.waitUntil(lambda: "family" in view.item_names(), timeout=10_000)
    row = view.item_names().index("family")
    assert view.table.item(row, 1).text() == "wallet configuration"
    view.table.selectRow(view.item_names().index("my ledger"))
    assert view.open_configuration() is None  # a phrase has no configuration to show
    view.table.selectRow(row)
    dialog = view.open_configuration()
    assert isinstance(dialog, ConfigurationDialog)
    dialog.passphrase.edit.setText("wrong passphrase")
    dialog.load()
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=20_000)
    close_error_dialogs()
    assert dialog.view is None
    dialog.passphrase.edit.setText(PASSPHRASE)
    dialog.load()
    qtbot.waitUntil(lambda: dialog.view is not None, timeout=20_000)
    assert dialog.summary.text() == "2-of-2 wsh sortedmulti (mainnet)"
    assert dialog.descriptor.text().startswith("wsh(sortedmulti(2,")
    assert "you hold 1 of the 2 keys here (2 are needed)" in dialog.holding.text()
    cells = {
        dialog.cosigners.item(r, 1).text(): dialog.cosigners.item(r, 3).text()
        for r in range(dialog.cosigners.rowCount())
    }
    assert cells == {
        fingerprint: "in this vault: seed phrase 'my ledger'",
        "1cf0bf7e": "not in this vault",
    }
    assert dialog.passphrase.is_empty()
    dialog.reject()
