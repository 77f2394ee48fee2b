"""``vault_kit``: one owner's kit gathered from the config dir, the call behind both the
CLI's ``paper kit`` and the GUI's Print screen. Its contract: the checks that need no key
come before ``unlock``; the kit carries each item's identity, the seal key, every wallet
configuration; a split kit prints shares that give the key back and never the key."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity
from keyvault.crypto.seal import seal_public
from keyvault.errors import InvalidValueError, NotFoundError, VaultNotInitializedError
from keyvault.paper.kit import identity_from_shares
from keyvault.paper.sheets import Document, WordGrid
from keyvault.paper.vault_kit import vault_kit
from keyvault.secret import Secret
from keyvault.vault.config import DestinationConfig, load_config, save_config
from keyvault.vault.items import add_phrase_item
from keyvault.vault.keystore import create_vault

DAY = date(2026, 12, 7)
PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
#: The master fingerprint of PHRASE (no BIP39 passphrase).
FINGERPRINT = "b8688df1"


def _text(document: Document) -> str:
    """Every printed string of the document, one line each (no rendering)."""
    lines: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            lines.append(value)
        elif isinstance(value, tuple | list):
            for part in value:
                walk(part)
        elif hasattr(value, "__dataclass_fields__"):
            for name in value.__dataclass_fields__:
                walk(getattr(value, name))

    walk(document.pages)
    return "\n".join(lines)


@pytest.fixture
def vault(kv_home: Path) -> X25519Identity:
    _, identity = create_vault(kv_home, Secret("correct horse battery staple"), work_factor=16)
    add_phrase_item(kv_home, "ledger", Secret(PHRASE))
    return identity


def _never() -> X25519Identity:
    raise AssertionError("the vault key was asked for before the checks that need none")


def test_the_kit_carries_each_items_identity_and_the_seal_key(
    kv_home: Path, vault: X25519Identity
) -> None:
    built = vault_kit(kv_home, lambda: vault, day=DAY)
    text = _text(built.document)
    assert f"fingerprint {FINGERPRINT}" in text
    assert seal_public(vault) in text
    assert "The vault key" in [page.title for page in built.document.pages]
    assert built.read_keys == ()


def test_a_split_kit_prints_shares_that_give_the_key_back(
    kv_home: Path, vault: X25519Identity
) -> None:
    built = vault_kit(
        kv_home, lambda: vault, day=DAY, split=(2, 3), holders=("Ann", "Bob", "Cy"), paper="letter"
    )
    document = built.document
    assert document.paper == "letter"
    titles = [page.title for page in document.pages]
    assert "The vault key" not in titles
    share_pages = [page for page in document.pages if page.secret]
    assert len(share_pages) == 3
    text = _text(document)
    assert vault.to_secret().reveal_text() not in text
    assert all(name in text for name in ("Ann", "Bob", "Cy"))
    assert f"fingerprint {FINGERPRINT}" in text and seal_public(vault) in text
    # The 33-word shares as printed: any two give the key back.
    printed = [
        block.words.reveal_text()
        for page in share_pages
        for block in page.blocks
        if isinstance(block, WordGrid)
    ]
    assert len(printed) == 3
    assert identity_from_shares(printed[1:]).recipient == vault.recipient


def test_the_checks_that_need_no_key_come_first(
    kv_home: Path, vault: X25519Identity, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(NotFoundError, match="no B2 destination called 'nowhere'"):
        vault_kit(kv_home, _never, day=DAY, b2_read_keys=["nowhere"])
    with pytest.raises(NotFoundError, match="there is no B2 destination"):
        vault_kit(kv_home, _never, day=DAY, b2_read_keys="all")
    config = load_config(kv_home)
    local = DestinationConfig("usb", "local", "external", options={"path": str(kv_home)})
    save_config(kv_home, replace(config, destinations=[local]))
    with pytest.raises(NotFoundError, match="no B2 destination called 'usb'"):
        vault_kit(kv_home, _never, day=DAY, b2_read_keys=["usb"])
    monkeypatch.setenv("KEYVAULT_RELEASE_URL", "http://not-https.example")
    with pytest.raises(InvalidValueError, match="KEYVAULT_RELEASE_URL"):
        vault_kit(kv_home, _never, day=DAY)


def test_no_vault_is_said_before_the_key_is_asked_for(kv_home: Path) -> None:
    with pytest.raises(VaultNotInitializedError):
        vault_kit(kv_home, _never, day=DAY)


def test_impossible_split_numbers_and_holders_are_refused(
    kv_home: Path, vault: X25519Identity
) -> None:
    with pytest.raises(ValueError):
        vault_kit(kv_home, lambda: vault, day=DAY, split=(3, 2))
    with pytest.raises(ValueError, match="one holder per share"):
        vault_kit(kv_home, _never, day=DAY, split=(2, 3), holders=("Ann", "Bob"))
    with pytest.raises(ValueError, match="one holder per share"):
        vault_kit(kv_home, _never, day=DAY, holders=("Ann",))
