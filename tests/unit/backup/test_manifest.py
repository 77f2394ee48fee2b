"""Manifests: MAC'd JSON, encrypted to the vault key and the reader key; forgeries rejected."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from keyvault.backup.manifest import (
    ItemEntry,
    Manifest,
    VersionEntry,
    decrypt_manifest,
    encrypt_manifest,
    reader_identity,
    seal_manifest,
    unseal_manifest,
)
from keyvault.crypto import X25519Identity, encrypt_bytes
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.errors import ConfigError, NoMatchingIdentityError, RollbackError
from keyvault.secret import Secret

VAULT = "0123456789abcdef0123456789abcdef"


def _manifest(generation: int = 3) -> Manifest:
    version = VersionEntry(
        version=1,
        object_id="a" * 32,
        created="2026-11-28T03:00:00Z",
        size=5,
        sha256="b" * 64,
        stored_size=205,
        stored_sha256="c" * 64,
        recipient="age1xyz",
        source_name="wallet.dat",
    )
    item = ItemEntry(item_id="d" * 32, name="my wallet", kind="file", versions=(version,))
    phrase = ItemEntry(
        item_id="e" * 32, name="seed", kind="phrase", versions=(), phrase_kind="bip39"
    )
    return Manifest(
        vault_id=VAULT,
        generation=generation,
        created="2026-11-28T03:00:01Z",
        items=(item, phrase),
        key_sha256="f" * 64,
    )


MAC_KEY = Secret(bytes(range(32)))


def test_seal_round_trip() -> None:
    sealed = seal_manifest(_manifest(), MAC_KEY)
    document = json.loads(sealed)
    assert document["format"] == "keyvault-manifest" and len(document["mac"]) == 64
    opened = unseal_manifest(sealed, MAC_KEY, vault_id=VAULT, min_generation=3)
    assert opened == _manifest()
    assert opened.item("my wallet") is not None
    assert opened.object_ids() == {"a" * 32}
    assert opened.items[0].newest() == _manifest().items[0].versions[0]
    assert _manifest().items[0].versions[0].object_key == "objects/" + "a" * 32 + ".age"


def test_wrong_key_tamper_rollback_and_other_vault_are_rejected() -> None:
    sealed = seal_manifest(_manifest(), MAC_KEY)
    with pytest.raises(RollbackError, match="not authentic"):
        unseal_manifest(sealed, Secret(bytes(32)))
    document = json.loads(sealed)
    document["generation"] = 99
    with pytest.raises(RollbackError, match="not authentic"):
        unseal_manifest(json.dumps(document).encode(), MAC_KEY)
    with pytest.raises(RollbackError, match="rolled back"):
        unseal_manifest(sealed, MAC_KEY, min_generation=4)
    with pytest.raises(RollbackError, match="another vault"):
        unseal_manifest(sealed, MAC_KEY, vault_id="1" * 32)
    for garbage in (b"\xff\xfe", b"[]", b"{}", b'{"mac": 1}'):
        with pytest.raises(RollbackError):
            unseal_manifest(garbage, MAC_KEY)


def _resealed(mutate: object) -> bytes:
    """A correctly MAC'd document after ``mutate(document)``: checks beyond the MAC."""
    import hashlib
    import hmac

    document = json.loads(seal_manifest(_manifest(), MAC_KEY))
    del document["mac"]
    mutate(document)  # type: ignore[operator]
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    document["mac"] = hmac.new(MAC_KEY.reveal(), canonical.encode(), hashlib.sha256).hexdigest()
    return json.dumps(document).encode()


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["items"][0]["versions"][0].update(object="../../etc"),
        lambda d: d["items"][0]["versions"][0].update(size=-1),
        lambda d: d["items"][0]["versions"][0].update(size=True),
        lambda d: d["items"][0]["versions"][0].update(created="yesterday"),
        lambda d: d["items"][0]["versions"][0].update(created="2026-11-28T03:00:00"),
        lambda d: d["items"][0].update(kind="symlink"),
        lambda d: d["items"].append(dict(d["items"][0])),
        lambda d: d["items"][0]["versions"].append(dict(d["items"][0]["versions"][0])),
        lambda d: d.update(format="other"),
        lambda d: d.update(format_version="1"),
        lambda d: d.update(items={}),
        lambda d: d.update(key_sha256="nothex"),
    ],
)
def test_authentic_but_malformed_is_rejected(mutate: object) -> None:
    with pytest.raises(RollbackError):
        unseal_manifest(_resealed(mutate), MAC_KEY)


def test_newer_format_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="newer keyvault"):
        unseal_manifest(_resealed(lambda d: d.update(format_version=2)), MAC_KEY)


def test_unknown_fields_are_kept_as_extra() -> None:
    opened = unseal_manifest(_resealed(lambda d: d.update(note="hello")), MAC_KEY)
    assert opened.extra == {"note": "hello"}


def test_short_mac_key_is_a_caller_mistake() -> None:
    with pytest.raises(ValueError):
        seal_manifest(_manifest(), Secret(b"short"))


def test_encrypted_for_vault_key_and_reader(tmp_path: Path) -> None:
    identity = X25519Identity.generate()
    mac_key = derive_manifest_mac_key(identity)
    data = encrypt_manifest(_manifest(), mac_key, identity.recipient)
    assert b"my wallet" not in data and b"wallet.dat" not in data
    assert decrypt_manifest(data, [identity], mac_key, vault_id=VAULT) == _manifest()
    reader = reader_identity(mac_key)
    assert str(reader.recipient) == str(reader_identity(mac_key).recipient)
    assert decrypt_manifest(data, [reader], mac_key) == _manifest()
    with pytest.raises(NoMatchingIdentityError):
        decrypt_manifest(data, [X25519Identity.generate()], mac_key)

    # The stock age CLI opens it with the vault key alone.
    key_file = tmp_path / "key.txt"
    key_file.write_text(identity.to_secret().reveal_text() + "\n")
    manifest_file = tmp_path / "manifest.age"
    manifest_file.write_bytes(data)
    plain = subprocess.run(
        ["age", "-d", "-i", str(key_file), str(manifest_file)], capture_output=True, check=True
    ).stdout
    assert json.loads(plain)["items"][0]["name"] == "my wallet"


def test_forgery_by_someone_with_only_the_recipient_is_rejected() -> None:
    identity = X25519Identity.generate()
    mac_key = derive_manifest_mac_key(identity)
    forged = encrypt_bytes(seal_manifest(_manifest(), Secret(os.urandom(32))), [identity.recipient])
    with pytest.raises(RollbackError, match="not authentic"):
        decrypt_manifest(forged, [identity], mac_key)
