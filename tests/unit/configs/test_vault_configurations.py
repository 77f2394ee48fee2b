"""Configuration items in a vault: stored encrypted, read back, and the phrase items
that hold their keys (recorded identities, or the records themselves)."""

from __future__ import annotations

from pathlib import Path

from keyvault.configs import read_configuration
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, wallet
from keyvault.vault import identities
from keyvault.vault.configurations import (
    add_configuration_item,
    configuration_items,
    held_fingerprints,
    read_configuration_item,
    update_configuration_item,
)
from keyvault.vault.items import add_phrase_item, phrase_record_path

from ...cli.test_backup_support import PHRASE, make_vault

SOURCE = Path(__file__).parents[2] / "vectors" / "coldcard" / "export-p2wsh-myself.txt"


def _fingerprint(passphrase: str | None) -> str:
    seed = bip39.to_seed(Secret(PHRASE), Secret(passphrase) if passphrase else None)
    try:
        return wallet.master_fingerprint(seed)
    finally:
        seed.wipe()


def test_stored_encrypted_and_updated(kv_home: Path) -> None:
    _, identity = make_vault(kv_home)
    data = SOURCE.read_bytes()
    item, record = add_configuration_item(
        kv_home, "family", read_configuration(data), data.decode()
    )
    stored = phrase_record_path(kv_home, item).read_bytes()
    assert b"tpub" not in stored and b"sortedmulti" not in stored
    assert [i.name for i in configuration_items(kv_home)] == ["family"]
    again = read_configuration_item(kv_home, "family", [identity])
    assert again.config == record.config and again.source == data.decode()
    update_configuration_item(kv_home, again.with_location("6ba6cfd0", "at the bank"))
    assert read_configuration_item(kv_home, "family", [identity]).locations == {
        "6ba6cfd0": "at the bank"
    }


def test_held_fingerprints_with_and_without_recorded_identities(kv_home: Path) -> None:
    _, identity = make_vault(kv_home)
    add_phrase_item(kv_home, "plain", Secret(PHRASE))
    add_phrase_item(
        kv_home,
        "with passphrase",
        Secret(PHRASE),
        bip39_passphrase=Secret("TREZOR"),
        store_bip39_passphrase=True,
    )
    expected = {_fingerprint(None): "plain", _fingerprint("TREZOR"): "with passphrase"}
    assert held_fingerprints(kv_home, [identity]) == expected
    for name in ("plain", "with passphrase"):
        identities.forget(kv_home, name)  # an older vault: nothing recorded
    assert held_fingerprints(kv_home, [identity]) == expected
