"""Wallet inspection against the BIP32, BIP84, BIP86 and BIP49 vectors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from embit import bip32

from keyvault.errors import InvalidExtendedKeyError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, wallet

FOLDER = Path(__file__).parents[2] / "vectors" / "bip32"
BIP32 = json.loads((FOLDER / "bip32_test_vectors.json").read_text("utf-8"))
ACCOUNTS = json.loads((FOLDER / "bip84_bip86_bip49_vectors.json").read_text("utf-8"))
CHAINS = [
    pytest.param(vector["seed_hex"], chain, id=f"{vector['name'][-1]}-{chain['path']}")
    for vector in BIP32["vectors"]
    for chain in vector["chains"]
]


@pytest.mark.parametrize("vector", BIP32["vectors"], ids=lambda v: v["name"])
def test_bip32_master_fingerprint(vector: dict[str, str]) -> None:
    seed = Secret(bytes.fromhex(vector["seed_hex"]))
    assert wallet.master_fingerprint(seed) == vector["master_fingerprint"]
    assert wallet.extended_public_key(seed) == vector["master_xpub"]
    assert wallet.extended_private_key(seed).reveal_text() == vector["master_xprv"]


@pytest.mark.parametrize(("seed_hex", "chain"), CHAINS)
def test_bip32_chain(seed_hex: str, chain: dict[str, object]) -> None:
    seed = Secret(bytes.fromhex(seed_hex))
    path = str(chain["path"])
    assert wallet.extended_public_key(seed, path) == chain["ext_pub"]
    assert wallet.extended_private_key(seed, path).reveal_text() == chain["ext_prv"]
    parsed = bip32.HDKey.from_string(str(chain["ext_pub"]))
    assert parsed.depth == chain["depth"]
    assert parsed.fingerprint.hex() == chain["parent_fingerprint"]
    assert parsed.child_number == chain["child_number"]
    assert wallet.check_extended_key(str(chain["ext_pub"])) == "public"
    assert wallet.check_extended_key(str(chain["ext_prv"])) == "private"


@pytest.mark.parametrize("case", BIP32["invalid_extended_keys"], ids=lambda c: c["reason"])
def test_bip32_invalid_keys_rejected(case: dict[str, str]) -> None:
    with pytest.raises(InvalidExtendedKeyError):
        wallet.check_extended_key(case["key"])


def test_bip84_native_segwit() -> None:
    v = ACCOUNTS["bip84"]
    info = wallet.inspect(v["mnemonic"], None, count=2)
    assert info.fingerprint == v["master_fingerprint"] == "73c5da0a"
    assert info.derivation_path == v["account_path"] == "m/84'/0'/0'"
    assert info.account_xpub == v["account_zpub"]
    assert info.addresses == tuple(a["address"] for a in v["addresses"][:2])
    assert (info.script, info.network) == ("p2wpkh", "mainnet")
    assert info.descriptor.startswith("wpkh([73c5da0a/84'/0'/0']xpub")
    assert info.descriptor.endswith("/0/*)" + info.descriptor[-9:])


def test_bip86_taproot() -> None:
    v = ACCOUNTS["bip86"]
    info = wallet.inspect(v["mnemonic"], script="p2tr", count=2)
    assert info.fingerprint == v["master_fingerprint"]
    assert info.account_xpub == v["account_xpub"]
    assert info.derivation_path == "m/86'/0'/0'"
    assert info.addresses == tuple(a["address"] for a in v["addresses"][:2])
    assert info.descriptor.startswith(f"tr([73c5da0a/86'/0'/0']{v['account_xpub']}/0/*)#")


def test_bip49_testnet_nested_segwit() -> None:
    v = ACCOUNTS["bip49"]
    info = wallet.inspect(v["mnemonic"], script="p2sh-p2wpkh", testnet=True, count=1)
    assert info.fingerprint == v["master_fingerprint"]
    assert info.derivation_path == v["account_path"] == "m/49'/1'/0'"
    assert info.account_xpub == v["account_upub"]
    assert info.addresses == (v["addresses"][0]["address"],)
    assert info.network == "testnet"
    assert info.descriptor.startswith("sh(wpkh([73c5da0a/49'/1'/0']tpub")


def test_testnet_native_segwit_uses_vpub_and_tb_addresses() -> None:
    info = wallet.inspect(ACCOUNTS["bip84"]["mnemonic"], testnet=True, count=1)
    assert info.account_xpub.startswith("vpub")
    assert info.addresses[0].startswith("tb1q")
    assert info.derivation_path == "m/84'/1'/0'"


def test_passphrase_opens_another_wallet_and_is_normalised() -> None:
    mnemonic = ACCOUNTS["bip84"]["mnemonic"]
    plain = wallet.inspect(mnemonic, count=1)
    with_pass = wallet.inspect(mnemonic, Secret("TREZOR"), count=1)
    assert plain.fingerprint != with_pass.fingerprint
    # NFC and NFKD spellings of a passphrase are the same passphrase under BIP39.
    composed = wallet.inspect(mnemonic, Secret("caf\u00e9"), count=1)
    decomposed = wallet.inspect(mnemonic, Secret("cafe\u0301"), count=1)
    assert composed.fingerprint == decomposed.fingerprint
    seed = bip39.to_seed(mnemonic, Secret("TREZOR"))
    assert wallet.master_fingerprint(seed) == with_pass.fingerprint


def test_japanese_vector_fingerprint_matches_bip32jp() -> None:
    entry = json.loads((FOLDER.parent / "bip39" / "bip32JP_test_JP_BIP39.json").read_text("utf-8"))[
        0
    ]
    info = wallet.inspect(entry["mnemonic"], Secret(entry["passphrase"]), count=0)
    root = bip32.HDKey.from_string(entry["bip32_xprv"])
    assert info.fingerprint == root.my_fingerprint.hex()
    assert info.addresses == ()


def test_bad_arguments() -> None:
    mnemonic = ACCOUNTS["bip84"]["mnemonic"]
    with pytest.raises(ValueError):
        wallet.inspect(mnemonic, script="p2pkh")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        wallet.inspect(mnemonic, count=-1)
    with pytest.raises(ValueError):
        wallet.inspect(mnemonic, account=2**31)


def test_info_has_no_secret() -> None:
    info = wallet.inspect(ACCOUNTS["bip84"]["mnemonic"], count=1)
    assert "abandon" not in repr(info)
    assert "prv" not in repr(info)
