"""engine.recover_from_source: recovery from a folder named as the person types it."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyvault.backup import engine
from keyvault.backup.setup import add_local_destination
from keyvault.crypto import X25519Identity
from keyvault.errors import (
    DestinationCredentialsError,
    NoMatchingIdentityError,
    NotFoundError,
    RollbackError,
    WrongPassphraseError,
)
from keyvault.secret import Secret
from keyvault.vault.items import add_path_item

from .conftest import PASSPHRASE


@pytest.fixture
def backed_up(vault: tuple[Path, X25519Identity], tmp_path: Path) -> tuple[Path, bytes]:
    """A folder destination holding one backed-up file; (its folder, the file's bytes)."""
    home, _ = vault
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"WALLET " * 500)
    add_path_item(home, wallet, "my wallet")
    folder = tmp_path / "usb"
    folder.mkdir()
    add_local_destination(home, "usb", folder)
    assert not engine.backup(home).failed
    return folder, wallet.read_bytes()


def test_recover_from_a_folder_with_the_passphrase_or_the_key(
    vault: tuple[Path, X25519Identity], backed_up: tuple[Path, bytes], tmp_path: Path
) -> None:
    _, identity = vault
    folder, content = backed_up
    fresh = tmp_path / "fresh-home"
    report = engine.recover_from_source(
        str(folder), tmp_path / "out1", home=fresh, passphrase=Secret(PASSPHRASE)
    )
    assert [r.name for r in report.restored] == ["my wallet"] and report.failed == []
    assert (tmp_path / "out1" / "my wallet").read_bytes() == content
    # A key that does not fit is skipped for the one that does (an age key file may hold several).
    wrong = X25519Identity.generate()
    report = engine.recover_from_source(
        str(folder), tmp_path / "out2", home=fresh, identities=[wrong, identity]
    )
    assert (tmp_path / "out2" / "my wallet").read_bytes() == content


def test_recover_from_source_says_what_is_wrong(
    backed_up: tuple[Path, bytes], tmp_path: Path
) -> None:
    folder, _ = backed_up
    fresh = tmp_path / "fresh-home"
    # A key that opens nothing there is the wrong key (with a hint), not a forgery.
    with pytest.raises(NoMatchingIdentityError) as wrong_key:
        engine.recover_from_source(
            str(folder), tmp_path / "o", home=fresh, identities=[X25519Identity.generate()]
        )
    assert not isinstance(wrong_key.value, RollbackError)
    assert wrong_key.value.hint and "encrypted to another key" in wrong_key.value.hint
    with pytest.raises(WrongPassphraseError):
        engine.recover_from_source(str(folder), tmp_path / "o", home=fresh, passphrase=Secret("no"))
    with pytest.raises(NotFoundError, match="does not exist"):
        engine.recover_from_source(
            str(tmp_path / "nope"), tmp_path / "o", home=fresh, passphrase=Secret("x")
        )
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(NotFoundError, match="no keyvault backup") as raised:
        engine.recover_from_source(str(empty), tmp_path / "o", home=fresh, passphrase=Secret("x"))
    assert raised.value.hint is not None
    with pytest.raises(DestinationCredentialsError, match="no B2 credentials"):
        engine.recover_from_source(
            "b2://bucket/prefix", tmp_path / "o", home=fresh, passphrase=Secret("x")
        )
    with pytest.raises(ValueError):
        engine.recover_from_source(str(folder), tmp_path / "o", home=fresh)
    assert not (tmp_path / "o").exists()
