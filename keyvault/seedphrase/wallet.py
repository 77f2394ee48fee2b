"""What wallet a phrase opens: master fingerprint, account xpub, first addresses (embit).

The seed always comes from :func:`keyvault.seedphrase.bip39.to_seed`, which
NFKD-normalises the phrase and the passphrase as BIP39 requires; embit's own
``mnemonic_to_seed`` does not normalise, so it is never used here. Only public data
leaves this module (fingerprints, xpubs, descriptors, addresses), except the explicit
:func:`extended_private_key`, which returns a :class:`Secret`.

Scripts and their standard accounts:

=============  ==========  =====================  ===============
script         BIP         path (account 0)       account key
=============  ==========  =====================  ===============
p2wpkh         BIP84       m/84'/coin'/0'         zpub (vpub)
p2sh-p2wpkh    BIP49       m/49'/coin'/0'         ypub (upub)
p2tr           BIP86       m/86'/coin'/0'         xpub (tpub)
=============  ==========  =====================  ===============

coin is 0 on mainnet and 1 on testnet (the testnet key names are in brackets).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from keyvault.errors import InvalidExtendedKeyError
from keyvault.secret import Secret

from . import bip39

__all__ = [
    "SCRIPTS",
    "Script",
    "WalletInfo",
    "check_extended_key",
    "extended_private_key",
    "extended_public_key",
    "inspect",
    "master_fingerprint",
    "phrase_fingerprint",
]

Script = Literal["p2wpkh", "p2sh-p2wpkh", "p2tr"]

#: Supported scripts, the default (BIP84 native segwit) first.
SCRIPTS: tuple[Script, ...] = ("p2wpkh", "p2sh-p2wpkh", "p2tr")

_PURPOSE: dict[str, int] = {"p2wpkh": 84, "p2sh-p2wpkh": 49, "p2tr": 86}
_VERSION_NAME: dict[str, str] = {"p2wpkh": "zpub", "p2sh-p2wpkh": "ypub", "p2tr": "xpub"}
_DESCRIPTOR: dict[str, tuple[str, str]] = {
    "p2wpkh": ("wpkh(", ")"),
    "p2sh-p2wpkh": ("sh(wpkh(", "))"),
    "p2tr": ("tr(", ")"),
}


@dataclass(frozen=True)
class WalletInfo:
    """Public facts about the wallet a phrase (and passphrase) opens."""

    fingerprint: str  # master key fingerprint, 8 hex digits (the "XFP")
    script: Script
    network: Literal["mainnet", "testnet"]
    derivation_path: str  # account path, e.g. m/84'/0'/0'
    account_xpub: str  # SLIP-132 form: zpub/ypub (vpub/upub), xpub (tpub) for p2tr
    descriptor: str  # receive-chain output descriptor with checksum (standard xpub)
    addresses: tuple[str, ...]  # the first receive addresses, index 0 first


def _root(seed: Secret) -> Any:
    from embit import bip32

    return bip32.HDKey.from_seed(seed.reveal())


def master_fingerprint(seed: Secret) -> str:
    """The master key fingerprint (8 hex digits) of a BIP32 seed."""
    fingerprint: bytes = _root(seed).my_fingerprint
    return fingerprint.hex()


def phrase_fingerprint(
    phrase: bip39.Phrase | Secret | str, passphrase: Secret | None = None
) -> str:
    """The master key fingerprint of the wallet a phrase (and BIP39 passphrase) opens."""
    seed = bip39.to_seed(phrase, passphrase)
    try:
        return master_fingerprint(seed)
    finally:
        seed.wipe()


def _normalise_path(path: str) -> str:
    return path.replace("'", "h").replace("H", "h")


def extended_public_key(seed: Secret, path: str = "m", *, testnet: bool = False) -> str:
    """The xpub (tpub on testnet) at ``path`` (``m/0'/1``; ``'`` or ``h`` for hardened)."""
    from embit.networks import NETWORKS

    key = _root(seed).derive(_normalise_path(path)).to_public()
    text: str = key.to_string(version=NETWORKS["test" if testnet else "main"]["xpub"])
    return text


def extended_private_key(seed: Secret, path: str = "m", *, testnet: bool = False) -> Secret:
    """The xprv (tprv on testnet) at ``path``. A secret: it spends the wallet."""
    from embit.networks import NETWORKS

    key = _root(seed).derive(_normalise_path(path))
    text: str = key.to_string(version=NETWORKS["test" if testnet else "main"]["xprv"])
    return Secret(text, label="xprv")


def check_extended_key(text: str) -> Literal["public", "private"]:
    """Whether ``text`` is a valid extended public or private key (any SLIP-132 version).

    Raises :class:`InvalidExtendedKeyError` for a bad checksum, an unknown version, a
    version that does not match the key, an invalid key or inconsistent depth fields.
    """
    from embit import bip32

    try:
        key = bip32.HDKey.from_string(text.strip())
    except Exception:  # embit raises several unrelated types for malformed input
        raise InvalidExtendedKeyError() from None
    return "private" if key.is_private else "public"


def inspect(
    phrase: bip39.Phrase | Secret | str,
    passphrase: Secret | None = None,
    *,
    script: Script = "p2wpkh",
    testnet: bool = False,
    count: int = 5,
    account: int = 0,
) -> WalletInfo:
    """The fingerprint, account key, descriptor and first ``count`` receive addresses.

    ``passphrase`` is the optional BIP39 passphrase: a different passphrase opens a
    different wallet, with a different fingerprint (which is how users tell them apart).
    """
    from embit import script as scripts
    from embit.descriptor.checksum import add_checksum
    from embit.networks import NETWORKS

    if script not in _PURPOSE:
        raise ValueError(f"unknown script {script!r}; one of: {', '.join(SCRIPTS)}")
    if not 0 <= count <= 1000:
        raise ValueError("count is 0 to 1000")
    if not 0 <= account < 2**31:
        raise ValueError("account is 0 to 2^31 - 1")
    network = NETWORKS["test" if testnet else "main"]
    root = _root(bip39.to_seed(phrase, passphrase))
    fingerprint = root.my_fingerprint.hex()
    coin = 1 if testnet else 0
    path = f"m/{_PURPOSE[script]}'/{coin}'/{account}'"
    account_key = root.derive(_normalise_path(path)).to_public()

    addresses = []
    for index in range(count):
        child = account_key.derive([0, index])
        if script == "p2wpkh":
            output = scripts.p2wpkh(child)
        elif script == "p2sh-p2wpkh":
            output = scripts.p2sh(scripts.p2wpkh(child))
        else:
            output = scripts.p2tr(child)  # BIP86: key-path only, no script tree
        addresses.append(output.address(network))

    opening, closing = _DESCRIPTOR[script]
    origin = f"[{fingerprint}/{path[2:]}]"
    standard_xpub = account_key.to_string(version=network["xpub"])
    descriptor = add_checksum(f"{opening}{origin}{standard_xpub}/0/*{closing}")
    return WalletInfo(
        fingerprint=fingerprint,
        script=script,
        network="testnet" if testnet else "mainnet",
        derivation_path=path,
        account_xpub=account_key.to_string(version=network[_VERSION_NAME[script]]),
        descriptor=descriptor,
        addresses=tuple(addresses),
    )
