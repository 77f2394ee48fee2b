"""Wallet identity records: phrases against BIP44/49/84/86 vectors and embit, wallet
files in Bitcoin Core's SQLite and Electrum's JSON formats."""

from __future__ import annotations

import json
import os
import sqlite3
import struct
from pathlib import Path

import pytest
from embit import bip32
from embit import bip39 as embit_bip39
from embit.descriptor import Descriptor
from embit.networks import NETWORKS

from keyvault.errors import IdentityRecordError, InvalidMnemonicError, WalletIdentityError
from keyvault.secret import Secret
from keyvault.seedphrase import wallet
from keyvault.wallets import identity as identity_module
from keyvault.wallets.identity import (
    ADDRESS_SCRIPTS,
    Identity,
    file_identity,
    phrase_identity,
    wallet_identity,
    words_identity,
)

from .test_discover import electrum_encrypted_blob

VECTORS = json.loads(
    (Path(__file__).parents[2] / "vectors" / "bip32" / "bip84_bip86_bip49_vectors.json").read_text(
        "utf-8"
    )
)
ABANDON = VECTORS["bip84"]["mnemonic"]
OTHER = "legal winner thank year wave sausage worth useful legal winner thank yellow"
#: First receive addresses of the "abandon ... about" wallet (account 0, index 0). BIP84 and
#: BIP86 come from the vectors; BIP44 and BIP49 mainnet are the widely published values
#: (and are checked against embit's descriptor code below as well).
KNOWN = {
    "p2pkh": "1LqBGSKuX5yYUonjxT5qGfpUsXKYYWeabA",
    "p2sh-p2wpkh": "37VucYSaXLCAsxYyAPfbSi9eh4iEcbShgf",
    "p2wpkh": VECTORS["bip84"]["addresses"][0]["address"],
    "p2tr": VECTORS["bip86"]["addresses"][0]["address"],
}
_EMBIT_DESCRIPTOR = {
    "p2pkh": "pkh({})",
    "p2sh-p2wpkh": "sh(wpkh({}))",
    "p2wpkh": "wpkh({})",
    "p2tr": "tr({})",
}
_PURPOSE = {"p2pkh": 44, "p2sh-p2wpkh": 49, "p2wpkh": 84, "p2tr": 86}


def embit_addresses(mnemonic: str, passphrase: str = "") -> tuple[str, dict[str, str]]:
    """(fingerprint, first addresses) through embit's own seed and descriptor code."""
    root = bip32.HDKey.from_seed(embit_bip39.mnemonic_to_seed(mnemonic, passphrase))
    out = {}
    for script in ADDRESS_SCRIPTS:
        account = root.derive(f"m/{_PURPOSE[script]}h/0h/0h").to_public()
        descriptor = Descriptor.from_string(_EMBIT_DESCRIPTOR[script].format(f"{account}/0/*"))
        out[script] = descriptor.derive(0).address(NETWORKS["main"])
    return root.my_fingerprint.hex(), out


# --- phrases ------------------------------------------------------------------------------


def test_phrase_identity_matches_vectors_and_embit() -> None:
    found = phrase_identity(ABANDON)
    assert found.kind == "bip39"
    assert found.fingerprint == VECTORS["bip84"]["master_fingerprint"] == "73c5da0a"
    assert dict(found.addresses) == KNOWN
    assert [s for s, _ in found.addresses] == list(ADDRESS_SCRIPTS)
    fingerprint, addresses = embit_addresses(ABANDON)
    assert (found.fingerprint, dict(found.addresses)) == (fingerprint, addresses)
    assert found.bip39_passphrase is False
    assert found.proof == "fingerprint 73c5da0a"


def test_passphrase_opens_another_identity() -> None:
    plain = phrase_identity(OTHER)
    with_pass = phrase_identity(OTHER, Secret("TREZOR"))
    assert with_pass.bip39_passphrase and not plain.bip39_passphrase
    assert with_pass.fingerprint != plain.fingerprint
    assert with_pass.fingerprint == wallet.phrase_fingerprint(OTHER, Secret("TREZOR"))
    fingerprint, addresses = embit_addresses(OTHER, "TREZOR")
    assert (with_pass.fingerprint, dict(with_pass.addresses)) == (fingerprint, addresses)
    # The empty passphrase is no passphrase (one wallet), and says so.
    assert phrase_identity(OTHER, Secret("")) == plain
    assert not with_pass.same_wallet(plain)


def test_invalid_phrase_is_refused() -> None:
    with pytest.raises(InvalidMnemonicError):
        phrase_identity("abandon " * 11 + "abandon")


def test_words_identity_holds_only_the_count() -> None:
    found = words_identity(Secret("  cash  sample  monkey word  "))
    assert (found.kind, found.words, found.fingerprint, found.sha256) == ("words", 4, None, None)
    assert "cash" not in json.dumps(found.to_json())
    with pytest.raises(WalletIdentityError):
        words_identity(Secret("   "))


# --- the JSON form ------------------------------------------------------------------------


def test_json_form_is_stable_and_round_trips() -> None:
    found = phrase_identity(ABANDON, Secret("x"))
    document = found.to_json()
    assert list(document) == sorted(document)
    assert Identity.from_json(json.loads(json.dumps(document))) == found
    assert json.dumps(document, sort_keys=True) == json.dumps(
        phrase_identity(ABANDON, Secret("x")).to_json(), sort_keys=True
    )


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "magic"},
        {"fingerprint": "73C5DA0A"},
        {"fingerprint": None},
        {"addresses": {"p2wsh": "bc1q"}},
        {"addresses": {"p2pkh": "1" * 101}},
        {"addresses": {"p2pkh": "bad\nline"}},
        {"bip39_passphrase": "yes"},
        {"descriptors": "wpkh(...)"},
        {"descriptors": ["x"] * 1001},
        {"words": True},
        {"words": -1},
        {"sha256": "00"},
        {"format": ""},
    ],
)
def test_damaged_records_are_refused(change: dict[str, object]) -> None:
    document = {**phrase_identity(ABANDON).to_json(), **change}
    with pytest.raises(IdentityRecordError):
        Identity.from_json(document)


def test_not_a_record_is_refused() -> None:
    for document in (None, [], "bip39", {"kind": "sha256", "format": "json"}):
        with pytest.raises(IdentityRecordError):
            Identity.from_json(document)


# --- Bitcoin Core descriptor wallets -----------------------------------------------------


def _compact(text: bytes) -> bytes:
    assert len(text) < 0xFD
    return bytes([len(text)]) + text


def _descriptors(mnemonic: str) -> list[str]:
    """Public descriptors as Bitcoin Core writes them (receive and change, three scripts)."""
    out = []
    for script in ("p2wpkh", "p2sh-p2wpkh", "p2tr"):
        info = wallet.inspect(mnemonic, script=script, count=0)  # type: ignore[arg-type]
        out.append(info.descriptor)
        out.append(info.descriptor.split("#")[0].replace("/0/*", "/1/*"))
    return out


def make_core_wallet(path: Path, descriptors: list[str], *, extra: tuple[bytes, ...] = ()) -> Path:
    """A Bitcoin Core descriptor wallet laid out as walletdb.cpp writes it: table
    ``main(key, value)``, ``walletdescriptor`` records whose value is the serialised
    WalletDescriptor (descriptor string, creation time, next index, range), and private
    keys in separate ``walletdescriptorkey`` records."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA application_id = 0x62746301")
    conn.execute("PRAGMA user_version = 1")
    conn.execute("CREATE TABLE main(key BLOB PRIMARY KEY NOT NULL, value BLOB NOT NULL)")
    rows = [
        (b"\x07version", struct.pack("<I", 270000)),
        (b"\x0eminversion", struct.pack("<I", 169900)),
    ]
    for text in [d.encode() for d in descriptors] + list(extra):
        descriptor_id = os.urandom(32)
        value = _compact(text) + struct.pack("<Qiii", 1700000000, 1000, 0, 1000)
        rows.append((b"\x10walletdescriptor" + descriptor_id, value))
        secret = b"tprv8ZgxMBicQKsPdSECRETKEYNEVERREAD" + os.urandom(16)
        rows.append((b"\x13walletdescriptorkey" + descriptor_id + os.urandom(33), secret))
    conn.executemany("INSERT INTO main VALUES (?, ?)", rows)
    conn.commit()
    conn.close()
    return path


def test_core_wallet_identity_is_its_public_descriptors(tmp_path: Path) -> None:
    descriptors = _descriptors(ABANDON)
    path = make_core_wallet(tmp_path / "wallet.dat", descriptors)
    found = file_identity(path)
    assert found.kind == "core-descriptors"
    assert found.format == "sqlite"
    assert found.descriptors == tuple(sorted(descriptors))
    assert "SECRETKEY" not in json.dumps(found.to_json())
    assert found.proof == "6 public descriptors"
    assert wallet_identity(path.read_bytes()) == found


def test_core_wallet_replaced_by_another_valid_wallet_is_not_the_same(tmp_path: Path) -> None:
    recorded = file_identity(make_core_wallet(tmp_path / "a", _descriptors(ABANDON)))
    other = file_identity(make_core_wallet(tmp_path / "b", _descriptors(OTHER)))
    assert other.kind == recorded.kind == "core-descriptors"
    assert not recorded.same_wallet(other)
    # An imported descriptor later keeps it the same wallet; losing one does not.
    grown = file_identity(make_core_wallet(tmp_path / "c", [*_descriptors(ABANDON), "addr(1)"]))
    assert recorded.same_wallet(grown) and not grown.same_wallet(recorded)


def test_core_descriptor_records_with_private_keys_are_never_recorded(tmp_path: Path) -> None:
    private = (
        b"wpkh(tprv8ZgxMBicQKsPd9TeAdPADNnSyH9SSUUbTVeFszDE23Ki6TBB5nCefAdHkK8Fm3qMQR6sHwA56zqRmKmxnHk37JkiFzvncDqoKmPWubu7hDF/84h/1h/0h/0/*)",
        b"pkh(L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1)",
        b"\x00\x01binary",
    )
    path = make_core_wallet(tmp_path / "w", ["wpkh(02" + "11" * 32 + ")"], extra=private)
    found = file_identity(path)
    assert found.descriptors == ("wpkh(02" + "11" * 32 + ")",)
    assert "prv" not in json.dumps(found.to_json())


def test_sqlite_without_descriptors_or_damaged_is_identified_by_hash(tmp_path: Path) -> None:
    empty = make_core_wallet(tmp_path / "legacy", [])
    assert file_identity(empty).kind == "sha256"
    data = bytearray(empty.read_bytes())
    data[100:4000] = os.urandom(3900)
    found = wallet_identity(bytes(data))
    assert (found.kind, found.format) == ("sha256", "sqlite")


# --- Electrum -------------------------------------------------------------------------


def _electrum(keystores: dict[str, object], **extra: object) -> bytes:
    return json.dumps(
        {"seed_version": 52, "wallet_type": "standard", **keystores, **extra}
    ).encode()


def test_electrum_identity_is_its_keystore_xpubs(tmp_path: Path) -> None:
    zpub = VECTORS["bip84"]["account_zpub"]
    path = tmp_path / "default_wallet"
    path.write_bytes(_electrum({"keystore": {"type": "bip32", "xpub": zpub, "xprv": "encrypted"}}))
    found = file_identity(path)
    assert (found.kind, found.format, found.xpubs) == ("electrum-xpubs", "json", (zpub,))
    assert "encrypted" not in json.dumps(found.to_json())
    other = wallet.inspect(OTHER, count=0).account_xpub
    multisig = _electrum({"x1/": {"xpub": zpub}, "x2/": {"xpub": other}}, wallet_type="2of2")
    assert wallet_identity(multisig).xpubs == tuple(sorted((zpub, other)))
    assert not found.same_wallet(wallet_identity(_electrum({"keystore": {"xpub": other}})))


@pytest.mark.parametrize(
    "data",
    [
        electrum_encrypted_blob(),
        _electrum({"keystore": {"type": "imported", "keypairs": {}}}),
        _electrum({"keystore": {"xpub": "xpub-not-a-key"}}),
        _electrum({"keystore": {"xpub": VECTORS["bip84"]["account_zprv"]}}),
        json.dumps({"keystore": {"xpub": VECTORS["bip84"]["account_zpub"]}}).encode(),
        b"[" * 100000,
        b"{not json",
    ],
    ids=["encrypted", "imported", "bad-xpub", "private", "not-electrum", "deep", "garbage"],
)
def test_electrum_without_public_keystore_is_identified_by_hash(data: bytes) -> None:
    import hashlib

    found = wallet_identity(data)
    assert found.kind == "sha256"
    assert found.sha256 == hashlib.sha256(data).hexdigest()
    assert "prv" not in json.dumps(found.to_json())


# --- reading files safely -----------------------------------------------------------------


def test_symlink_fifo_folder_and_missing_files_are_refused(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.write_bytes(b"x")
    (tmp_path / "link").symlink_to(target)
    os.mkfifo(tmp_path / "fifo")
    for name in ("link", "fifo", "missing"):
        with pytest.raises(WalletIdentityError):
            file_identity(tmp_path / name)
    with pytest.raises(WalletIdentityError):
        file_identity(tmp_path)


def test_large_files_are_hashed_in_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    path = make_core_wallet(tmp_path / "big", _descriptors(ABANDON))
    monkeypatch.setattr(identity_module, "MAX_IN_MEMORY", 1000)
    found = file_identity(path)
    assert (found.kind, found.format) == ("sha256", "sqlite")
    assert found.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
