"""Electrum seeds: recognise them (so a BIP39 checksum error is not a false alarm) and
derive what Electrum derives from them.

**Electrum v2 seeds** use BIP39's English words but no BIP39 checksum: the seed *version* is
the hex of ``HMAC-SHA512(key=b"Seed version", normalised seed)``, and its prefix names the
wallet type: ``01`` standard (p2pkh, keys at ``m``), ``100`` segwit (p2wpkh at ``m/0'``),
``101`` 2fa and ``102`` 2fa-segwit (TrustedCoin 2-of-3: user keys at ``m/0'`` and
``m/1'``; pre-2.7 2fa seeds of 20+ words split into two halves, keys at ``m``). The
BIP32 seed is ``PBKDF2-HMAC-SHA512(normalised seed, "electrum" + normalised passphrase,
2048)``. Normalisation (Electrum's ``normalize_text``): NFKD, lower case, accents
removed, whitespace collapsed, spaces between CJK characters removed.

**Old (pre-2.0) Electrum seeds** are 12 or 24 words from a separate 1,626-word list (or
32/64 hex digits): every three words encode 32 bits. The master private key is the hex
seed stretched with 100,000 rounds of SHA-256; addresses are p2pkh of uncompressed keys
``mpk + sha256d("n:change:" + mpk)·G``. Old seeds take no passphrase.

The classification order and rules are Electrum's (``calc_seed_type``); the wordlist
``electrum_old_wordlist.txt`` is copied from Electrum (MIT licence). Only public data
leaves :func:`inspect`. 2fa wallets' addresses also need TrustedCoin's cosigner key, so
:func:`inspect` gives their two user keys and no addresses.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import string
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from keyvault.secret import Secret

__all__ = [
    "KINDS",
    "ElectrumKind",
    "ElectrumWallet",
    "describe",
    "inspect",
    "kind",
    "to_seed",
]

ElectrumKind = Literal["standard", "segwit", "2fa", "2fa_segwit", "old"]

#: Every kind, with the words keyvault uses for it in messages.
KINDS: dict[str, str] = {
    "standard": "Electrum standard seed",
    "segwit": "Electrum segwit seed",
    "2fa": "Electrum two-factor (2fa) seed",
    "2fa_segwit": "Electrum two-factor segwit seed",
    "old": "old (pre-2.0) Electrum seed",
}

_PREFIXES: tuple[tuple[ElectrumKind, str], ...] = (
    ("standard", "01"),
    ("segwit", "100"),
    ("2fa", "101"),
    ("2fa_segwit", "102"),
)
_MAX_CHARS = 2000
_PBKDF2_ROUNDS = 2048
_OLD_STRETCH_ROUNDS = 100_000
# Electrum's CJK ranges: whitespace between two such characters is dropped.
_CJK = (
    (0x4E00, 0x9FFF),
    (0x3400, 0x4DBF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2B73F),
    (0x2B740, 0x2B81F),
    (0xF900, 0xFAFF),
    (0x2F800, 0x2FA1D),
    (0x2E80, 0x2EFF),
    (0x2F00, 0x2FDF),
    (0x2FF0, 0x2FFF),
    (0x3000, 0x303F),
    (0x31C0, 0x31EF),
    (0x3200, 0x32FF),
    (0x3300, 0x33FF),
    (0xF900, 0xFAFF),
    (0xFE30, 0xFE4F),
    (0x1F200, 0x1F2FF),
    (0x3040, 0x309F),
    (0x30A0, 0x30FF),
    (0x31F0, 0x31FF),
    (0x1B000, 0x1B0FF),
    (0x1B100, 0x1B12F),
    (0x1100, 0x11FF),
    (0xA960, 0xA97F),
    (0xD7B0, 0xD7FF),
    (0x3130, 0x318F),
    (0xAC00, 0xD7AF),
)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK)


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).lower()
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = " ".join(text.split())
    return "".join(
        c
        for i, c in enumerate(text)
        if not (
            c in string.whitespace
            and 0 < i < len(text) - 1
            and _is_cjk(text[i - 1])
            and _is_cjk(text[i + 1])
        )
    )


def _text(phrase: Secret | str) -> str:
    text = phrase.reveal_text() if isinstance(phrase, Secret) else phrase
    if not isinstance(text, str):
        raise TypeError("a seed is a Secret or a str")
    if len(text) > _MAX_CHARS:
        raise ValueError("a seed phrase is at most 2000 characters")
    return _normalise(text)


@functools.cache
def _old_words() -> tuple[tuple[str, ...], dict[str, int]]:
    data = resources.files(__package__).joinpath("electrum_old_wordlist.txt").read_text("utf-8")
    words = tuple(data.split())
    if len(words) != 1626:  # pragma: no cover - packaging
        raise RuntimeError("the old Electrum wordlist is damaged")
    return words, {word: i for i, word in enumerate(words)}


def _old_hex(normalised: str) -> str | None:
    """The hex seed of an old Electrum seed (Electrum's ``is_old_seed`` rules), or None."""
    try:
        raw = bytes.fromhex(normalised)
    except ValueError:
        raw = b""
    if len(raw) in (16, 32):
        return normalised
    words = normalised.split()
    if len(words) not in (12, 24):
        return None
    _, index = _old_words()
    if any(word not in index for word in words):
        return None
    n = 1626
    out = ""
    for i in range(0, len(words), 3):
        w1, w2, w3 = (index[w] for w in words[i : i + 3])
        out += "%08x" % (w1 + n * ((w2 - w1) % n) + n * n * ((w3 - w2) % n))
    return out


def _has_prefix(normalised: str, prefix: str) -> bool:
    version = hmac.new(b"Seed version", normalised.encode("utf-8"), hashlib.sha512).hexdigest()
    return version.startswith(prefix)


def kind(phrase: Secret | str) -> ElectrumKind | None:
    """The Electrum seed type of ``phrase`` (Electrum's ``calc_seed_type``), or None."""
    normalised = _text(phrase)
    if not normalised:
        return None
    if _old_hex(normalised) is not None:
        return "old"
    count = len(normalised.split())
    for name, prefix in _PREFIXES:
        if not _has_prefix(normalised, prefix):
            continue
        if name == "2fa" and not (count == 12 or count >= 20):
            continue
        return name
    return None


def describe(name: ElectrumKind) -> str:
    """Human words for a kind: "Electrum segwit seed"."""
    return KINDS[name]


def to_seed(phrase: Secret | str, passphrase: Secret | None = None) -> Secret:
    """Electrum's BIP32 seed for a v2 seed: PBKDF2 with salt "electrum" + passphrase."""
    extension = _normalise(passphrase.reveal_text()) if passphrase is not None else ""
    seed = hashlib.pbkdf2_hmac(
        "sha512",
        _text(phrase).encode("utf-8"),
        b"electrum" + extension.encode("utf-8"),
        _PBKDF2_ROUNDS,
    )
    return Secret(seed, label="electrum seed")


@dataclass(frozen=True)
class ElectrumWallet:
    """Public facts about the wallet Electrum restores from a seed."""

    kind: ElectrumKind
    fingerprint: str  # Electrum's root fingerprint (8 hex digits)
    script: str  # p2pkh, p2wpkh, or the 2fa multisig script
    derivation_path: str  # where the keystore's key sits
    master_keys: tuple[str, ...]  # the account xpub (zpub) or old master public key; 2 for 2fa
    addresses: tuple[str, ...]  # first receive addresses (none for 2fa)
    change_addresses: tuple[str, ...]


def _old_wallet(hex_seed: str, count: int) -> ElectrumWallet:
    from embit import ec, script
    from embit.networks import NETWORKS
    from embit.util import secp256k1

    encoded = hex_seed.encode("ascii")
    x = encoded
    for _ in range(_OLD_STRETCH_ROUNDS):
        x = hashlib.sha256(x + encoded).digest()
    master = ec.PrivateKey(x).get_public_key()
    master.compressed = False
    mpk = master.sec()[1:]
    fingerprint = hashlib.new("ripemd160", hashlib.sha256(_compressed(master)).digest()).digest()

    def address(n: int, change: int) -> str:
        tweak = hashlib.sha256(
            hashlib.sha256(f"{n}:{change}:".encode("ascii") + mpk).digest()
        ).digest()
        point = secp256k1.ec_pubkey_add(secp256k1.ec_pubkey_parse(b"\x04" + mpk), tweak)
        raw = secp256k1.ec_pubkey_serialize(point, secp256k1.EC_UNCOMPRESSED)
        text: str = script.p2pkh(ec.PublicKey.parse(raw)).address(NETWORKS["main"])
        return text

    return ElectrumWallet(
        kind="old",
        fingerprint=fingerprint[:4].hex(),
        script="p2pkh",
        derivation_path="m",
        master_keys=(mpk.hex(),),
        addresses=tuple(address(n, 0) for n in range(count)),
        change_addresses=tuple(address(n, 1) for n in range(count)),
    )


def _compressed(key: object) -> bytes:
    from embit import ec

    assert isinstance(key, ec.PublicKey)
    copy = ec.PublicKey.parse(key.sec())
    copy.compressed = True
    raw: bytes = copy.sec()
    return raw


def inspect(
    phrase: Secret | str, passphrase: Secret | None = None, *, count: int = 5
) -> ElectrumWallet:
    """What Electrum restores from ``phrase``: root fingerprint, master key(s), addresses.

    Raises ``ValueError`` when ``phrase`` is no Electrum seed, or when a passphrase is given
    for a seed type that cannot have one (old seeds, pre-2.7 2fa seeds).
    """
    from embit import bip32, script
    from embit.networks import NETWORKS

    if not 0 <= count <= 1000:
        raise ValueError("count is 0 to 1000")
    name = kind(phrase)
    if name is None:
        raise ValueError("this is not an Electrum seed")
    has_passphrase = passphrase is not None and not passphrase.is_empty()
    normalised = _text(phrase)
    if name == "old":
        if has_passphrase:
            raise ValueError("old Electrum seeds take no passphrase")
        hex_seed = _old_hex(normalised)
        assert hex_seed is not None
        return _old_wallet(hex_seed, count)
    network = NETWORKS["main"]
    words = normalised.split()
    if name == "2fa" and len(words) >= 20:
        if has_passphrase:
            raise ValueError("pre-2.7 Electrum 2fa seeds take no passphrase")
        halves = (" ".join(words[:12]), " ".join(words[12:]))
        roots = [bip32.HDKey.from_seed(to_seed(half).reveal()) for half in halves]
        keys = tuple(root.to_public().to_string(version=network["xpub"]) for root in roots)
        return ElectrumWallet(
            kind=name,
            fingerprint=roots[0].my_fingerprint.hex(),
            script="p2sh 2-of-3 (TrustedCoin)",
            derivation_path="m",
            master_keys=keys,
            addresses=(),
            change_addresses=(),
        )
    root = bip32.HDKey.from_seed(to_seed(phrase, passphrase).reveal())
    fingerprint = root.my_fingerprint.hex()
    if name in ("2fa", "2fa_segwit"):
        version = network["xpub"] if name == "2fa" else network["Zpub"]
        keys = tuple(
            root.derive(path).to_public().to_string(version=version) for path in ("m/0h", "m/1h")
        )
        return ElectrumWallet(
            kind=name,
            fingerprint=fingerprint,
            script="p2sh 2-of-3 (TrustedCoin)" if name == "2fa" else "p2wsh 2-of-3 (TrustedCoin)",
            derivation_path="m/0'",
            master_keys=keys,
            addresses=(),
            change_addresses=(),
        )
    if name == "standard":
        account, path, version = root, "m", network["xpub"]
    else:
        account, path, version = root.derive("m/0h"), "m/0'", network["zpub"]
    public = account.to_public()

    def address(change: int, n: int) -> str:
        child = public.derive([change, n])
        output = script.p2pkh(child) if name == "standard" else script.p2wpkh(child)
        text: str = output.address(network)
        return text

    return ElectrumWallet(
        kind=name,
        fingerprint=fingerprint,
        script="p2pkh" if name == "standard" else "p2wpkh",
        derivation_path=path,
        master_keys=(public.to_string(version=version),),
        addresses=tuple(address(0, n) for n in range(count)),
        change_addresses=tuple(address(1, n) for n in range(count)),
    )
