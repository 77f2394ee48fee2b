"""BIP-85: deterministic child secrets (phrases, keys, passwords) from one master key.

``entropy = HMAC-SHA512(key=b"bip-entropy-from-k", data=k)`` where ``k`` is the private
key at ``m/83696968'/{app}'/...'`` (all hardened). Each application truncates or encodes
those 64 bytes its own way:

=========  ==============================================  ===================================
app        path                                            child
=========  ==============================================  ===================================
bip39      ``83696968'/39'/{language}'/{words}'/{index}'``   BIP39 phrase of the first bytes
wif        ``83696968'/2'/{index}'``                        compressed WIF (first 32 bytes)
xprv       ``83696968'/32'/{index}'``                       xprv: chain code first, key second
hex        ``83696968'/128169'/{bytes}'/{index}'``          16-64 bytes as hex
base64     ``83696968'/707764'/{length}'/{index}'``         password, 20-86 characters
base85     ``83696968'/707785'/{length}'/{index}'``         password, 10-80 characters
=========  ==============================================  ===================================

The same master and parameters always give the same child, so a child need never be
stored: it is re-derived from the master when needed. Every child is a
:class:`~keyvault.secret.Secret`. Derivation uses embit's BIP32; the application
encodings are written here from the BIP (embit's ``bip85`` covers bip39 in English, wif,
xprv and hex only, and serves as the differential reference in the tests).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any, Literal

from keyvault.errors import InvalidExtendedKeyError
from keyvault.secret import Secret

from . import bip39

__all__ = [
    "APPLICATIONS",
    "LANGUAGE_CODES",
    "Application",
    "child",
    "derive_entropy",
    "root_from_seed",
    "root_from_xprv",
]

Application = Literal["bip39", "wif", "xprv", "hex", "base64", "base85"]

#: The applications keyvault derives, in the order the BIP lists them.
APPLICATIONS: tuple[Application, ...] = ("bip39", "wif", "xprv", "hex", "base64", "base85")

#: BIP-85's language codes for the bip39 application (Russian and Turkish have none).
LANGUAGE_CODES: dict[str, int] = {
    "english": 0,
    "japanese": 1,
    "korean": 2,
    "spanish": 3,
    "chinese_simplified": 4,
    "chinese_traditional": 5,
    "french": 6,
    "italian": 7,
    "czech": 8,
    "portuguese": 9,
}

_MAGIC = b"bip-entropy-from-k"
_PURPOSE = 83696968
_HARDENED = 0x80000000
_APP_NUMBER: dict[str, int] = {
    "bip39": 39,
    "wif": 2,
    "xprv": 32,
    "hex": 128169,
    "base64": 707764,
    "base85": 707785,
}
_MAX_INDEX = _HARDENED - 1
# secp256k1's group order: a derived private key must be below it and non-zero.
_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def root_from_seed(seed: Secret) -> Any:
    """The BIP32 root key (embit ``HDKey``) of a BIP32 seed, e.g. ``bip39.to_seed(...)``."""
    from embit import bip32

    return bip32.HDKey.from_seed(seed.reveal())


def root_from_xprv(text: Secret) -> Any:
    """The BIP32 root from an xprv (mainnet or testnet); raises for a public or bad key."""
    from embit import bip32

    try:
        key = bip32.HDKey.from_string(text.reveal_text().strip())
    except Exception:  # embit raises several unrelated types for malformed input
        raise InvalidExtendedKeyError() from None
    if not key.is_private:
        raise InvalidExtendedKeyError(
            "this is an extended public key; BIP-85 needs the private master key"
        )
    return key


def derive_entropy(root: Any, path: list[int]) -> Secret:
    """64 bytes of BIP-85 entropy at ``m/83696968'/path'`` (each element hardened here)."""
    if any(not 0 <= p <= _MAX_INDEX for p in path):
        raise ValueError("BIP-85 path elements are 0 to 2^31 - 1")
    derived = root.derive([_PURPOSE + _HARDENED, *(p + _HARDENED for p in path)])
    return Secret(hmac.new(_MAGIC, derived.secret, hashlib.sha512).digest(), label="bip85")


def _private_key(raw: bytes) -> bytes:
    if not 0 < int.from_bytes(raw, "big") < _ORDER:  # pragma: no cover - p < 2^-127
        raise ValueError("this index gives an invalid key (BIP-85: use the next index)")
    return raw


def child(
    root: Any,
    app: Application,
    *,
    index: int = 0,
    words: int = 12,
    language: str = "english",
    length: int | None = None,
    testnet: bool = False,
) -> Secret:
    """The BIP-85 child for ``app`` at ``index``.

    ``words`` (12-24) and ``language`` apply to bip39; ``length`` is the byte count for hex
    (16-64, default 32) and the password length for base64 (20-86, default 21) and base85
    (10-80, default 12). Bad parameters raise ``ValueError``.
    """
    if not 0 <= index <= _MAX_INDEX:
        raise ValueError("the index is 0 to 2^31 - 1")
    number = _APP_NUMBER.get(app)
    if number is None:
        raise ValueError(f"unknown BIP-85 application {app!r}; one of {', '.join(APPLICATIONS)}")
    if app == "bip39":
        if words not in bip39.WORD_COUNTS:
            raise ValueError("a BIP39 child has 12, 15, 18, 21 or 24 words")
        code = LANGUAGE_CODES.get(language)
        if code is None:
            raise ValueError(f"BIP-85 defines no code for {language}")
        entropy = derive_entropy(root, [number, code, words, index]).reveal()
        return bip39.from_entropy(Secret(entropy[: words * 4 // 3]), language)
    if app == "wif":
        from embit import ec
        from embit.networks import NETWORKS

        entropy = derive_entropy(root, [number, index]).reveal()
        key = ec.PrivateKey(_private_key(entropy[:32]))
        wif: str = key.wif(NETWORKS["test" if testnet else "main"])
        return Secret(wif, label="wif")
    if app == "xprv":
        from embit import bip32, ec
        from embit.networks import NETWORKS

        entropy = derive_entropy(root, [number, index]).reveal()
        hd = bip32.HDKey(ec.PrivateKey(_private_key(entropy[32:])), entropy[:32])
        version = NETWORKS["test" if testnet else "main"]["xprv"]
        text: str = hd.to_string(version=version)
        return Secret(text, label="xprv")
    if app == "hex":
        size = 32 if length is None else length
        if not 16 <= size <= 64:
            raise ValueError("a hex child is 16 to 64 bytes")
        entropy = derive_entropy(root, [number, size, index]).reveal()
        return Secret(entropy[:size].hex(), label="hex")
    bounds = {"base64": (20, 86, 21), "base85": (10, 80, 12)}[app]
    size = bounds[2] if length is None else length
    if not bounds[0] <= size <= bounds[1]:
        raise ValueError(f"a {app} password is {bounds[0]} to {bounds[1]} characters")
    entropy = derive_entropy(root, [number, size, index]).reveal()
    encode = base64.b64encode if app == "base64" else base64.b85encode
    return Secret(encode(entropy)[:size], label="password")
