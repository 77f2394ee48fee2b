"""What names a wallet without being secret: its identity record.

An :class:`Identity` is what a drill, an heir or the passphrase guard compares to tell
"this is still the owner's wallet" from "this is some valid wallet". Nothing in it can
spend or restore funds; all of it is already public to whoever sees the wallet's sheets
or a watch-only copy:

==================  ==========================================================
kind                what identifies the wallet
==================  ==========================================================
``bip39``           the master fingerprint of the phrase (with its BIP39
                    passphrase, if one is recorded) and the first receive
                    address of each common script (BIP44 p2pkh, BIP49
                    p2sh-p2wpkh, BIP84 p2wpkh, BIP86 p2tr; mainnet, account 0)
``words``           a non-BIP39 phrase (Electrum, Monero, ...): its word count
                    only. A hash of a free-form phrase could confirm guesses
``core-descriptors``  a Bitcoin Core descriptor wallet (SQLite): the public
                    descriptors of its ``walletdescriptor`` records (the
                    private keys live in other records, never read)
``electrum-xpubs``  an unencrypted Electrum wallet (JSON): its keystores' xpubs
``sha256``          anything else (encrypted wallets, other formats): the
                    plaintext's sha256
==================  ==========================================================

:func:`phrase_identity` and :func:`words_identity` take a phrase; :func:`wallet_identity`
takes a wallet file's bytes and :func:`file_identity` a path (opened without following a
symlink, bounded). The JSON form (:meth:`Identity.to_json`, :meth:`Identity.from_json`)
has every key, in sorted order, so equal identities serialise to equal bytes.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast, get_args

from keyvault.errors import IdentityRecordError, InvalidExtendedKeyError, WalletIdentityError
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, wallet

from .formats import FileFormat, format_of

__all__ = [
    "ADDRESS_SCRIPTS",
    "MAX_IN_MEMORY",
    "Identity",
    "IdentityKind",
    "file_identity",
    "phrase_identity",
    "wallet_identity",
    "words_identity",
]

IdentityKind = Literal["bip39", "words", "core-descriptors", "electrum-xpubs", "sha256"]
AddressScript = Literal["p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr"]

#: The scripts whose first receive address a phrase identity holds, in this order.
ADDRESS_SCRIPTS: tuple[AddressScript, ...] = ("p2pkh", "p2sh-p2wpkh", "p2wpkh", "p2tr")
_PURPOSE: dict[str, int] = {"p2pkh": 44, "p2sh-p2wpkh": 49, "p2wpkh": 84, "p2tr": 86}

#: Wallet files up to this size are parsed for their public identity; larger ones are
#: identified by their sha256 (streamed), whatever their format.
MAX_IN_MEMORY = 256 << 20
#: Bounds on what one wallet may contribute (and what a stored record may hold).
_MAX_DESCRIPTORS = 1000
_MAX_DESCRIPTOR_CHARS = 4096
_MAX_XPUBS = 15
_MAX_XPUB_CHARS = 200
_MAX_ADDRESS_CHARS = 100
#: Bitcoin Core's key prefix for a descriptor record: CompactSize(16) + "walletdescriptor"
#: (walletdb.cpp DBKeys::WALLETDESCRIPTOR), followed by the 32-byte descriptor id.
_DESCRIPTOR_KEY = b"\x10walletdescriptor"
#: Electrum keystores: "keystore" for a standard wallet, "x1/", "x2/", ... for multisig.
_ELECTRUM_KEYSTORE = re.compile(r"^(keystore|x[1-9][0-9]?/)$")
#: Private key material that a public descriptor never holds (xprv/tprv/yprv/..., WIF).
_PRIVATE_MARKER = re.compile(
    r"[xtyzuvYZUV]prv|(?<![1-9A-HJ-NP-Za-km-z])[5KLc9][1-9A-HJ-NP-Za-km-z]{50,51}"
    r"(?![1-9A-HJ-NP-Za-km-z])"
)
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_HEX8 = re.compile(r"^[0-9a-f]{8}$")
_PRINTABLE = re.compile(r"^[\x20-\x7e]+$")


@dataclass(frozen=True)
class Identity:
    """The non-secret identity of a wallet (see the module docstring)."""

    kind: IdentityKind
    #: ``bip39``, ``words`` or the file's :class:`~keyvault.wallets.formats.FileFormat`.
    format: str
    fingerprint: str | None = None
    #: Whether a BIP39 passphrase went into ``fingerprint`` and ``addresses``.
    bip39_passphrase: bool = False
    #: (script, first receive address), in :data:`ADDRESS_SCRIPTS` order.
    addresses: tuple[tuple[str, str], ...] = ()
    descriptors: tuple[str, ...] = ()
    xpubs: tuple[str, ...] = ()
    sha256: str | None = None
    words: int | None = None

    @property
    def proof(self) -> str:
        """What this identity proves, in a few words for a report line."""
        if self.kind == "bip39":
            suffix = " (with the BIP39 passphrase)" if self.bip39_passphrase else ""
            return f"fingerprint {self.fingerprint}{suffix}"
        if self.kind == "words":
            return f"a {self.words}-word phrase"
        if self.kind == "core-descriptors":
            count = len(self.descriptors)
            return f"{count} public descriptor{'s' if count != 1 else ''}"
        if self.kind == "electrum-xpubs":
            return "xpub " + ", ".join(x[:12] + "..." + x[-6:] for x in self.xpubs)
        return f"sha256 {self.sha256}"

    def same_wallet(self, found: Identity) -> bool:
        """Whether ``found`` (rebuilt from a copy) is the wallet this record names.

        A Bitcoin Core wallet may gain descriptors over time (imports): it is the same
        wallet while every recorded descriptor is still there. Everything else must match
        exactly; a different kind is a different wallet.
        """
        if self.kind != found.kind:
            return False
        if self.kind == "core-descriptors":
            return bool(self.descriptors) and set(self.descriptors) <= set(found.descriptors)
        return self == found

    def to_json(self) -> dict[str, Any]:
        """The stable JSON form: every key, sorted; lists for tuples."""
        return {
            "addresses": {script: address for script, address in self.addresses},
            "bip39_passphrase": self.bip39_passphrase,
            "descriptors": list(self.descriptors),
            "fingerprint": self.fingerprint,
            "format": self.format,
            "kind": self.kind,
            "sha256": self.sha256,
            "words": self.words,
            "xpubs": list(self.xpubs),
        }

    @classmethod
    def from_json(cls, document: object) -> Identity:
        """Read the JSON form back, checking every field and its bounds.

        Raises :class:`IdentityRecordError` when the document is not an identity record.
        """
        if not isinstance(document, dict):
            raise IdentityRecordError()
        kind = document.get("kind")
        if kind not in get_args(IdentityKind):
            raise IdentityRecordError()
        addresses = document.get("addresses", {})
        if not isinstance(addresses, dict) or not set(addresses) <= set(ADDRESS_SCRIPTS):
            raise IdentityRecordError()
        pairs = tuple(
            (s, _text(addresses[s], _MAX_ADDRESS_CHARS)) for s in ADDRESS_SCRIPTS if s in addresses
        )
        identity = cls(
            kind=cast(IdentityKind, kind),
            format=_text(document.get("format"), 40),
            fingerprint=_optional(document.get("fingerprint"), _HEX8),
            bip39_passphrase=_flag(document.get("bip39_passphrase", False)),
            addresses=pairs,
            descriptors=_texts(document.get("descriptors", []), _MAX_DESCRIPTORS, 4096),
            xpubs=_texts(document.get("xpubs", []), _MAX_XPUBS, _MAX_XPUB_CHARS),
            sha256=_optional(document.get("sha256"), _HEX64),
            words=_count(document.get("words")),
        )
        if (kind == "bip39") != (identity.fingerprint is not None) or (
            kind == "sha256" and identity.sha256 is None
        ):
            raise IdentityRecordError()
        return identity


def _text(value: object, limit: int) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= limit or not _PRINTABLE.match(value):
        raise IdentityRecordError()
    return value


def _texts(value: object, count: int, limit: int) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > count:
        raise IdentityRecordError()
    return tuple(_text(v, limit) for v in value)


def _optional(value: object, pattern: re.Pattern[str]) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.match(value):
        raise IdentityRecordError()
    return value


def _flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise IdentityRecordError()
    return value


def _count(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 1000:
        raise IdentityRecordError()
    return value


# --- phrases ------------------------------------------------------------------------------


def phrase_identity(
    phrase: bip39.Phrase | Secret | str, bip39_passphrase: Secret | None = None
) -> Identity:
    """The identity of the wallet a BIP39 phrase (and optional passphrase) opens.

    An empty passphrase is no passphrase (BIP39 makes them the same wallet).
    Raises :class:`~keyvault.errors.InvalidMnemonicError` for an invalid phrase.
    """
    from embit import script as scripts
    from embit.bip32 import HDKey
    from embit.networks import NETWORKS

    seed = bip39.to_seed(phrase, bip39_passphrase)
    try:
        root = HDKey.from_seed(seed.reveal())
    finally:
        seed.wipe()
    network = NETWORKS["main"]
    addresses: list[tuple[str, str]] = []
    for script in ADDRESS_SCRIPTS:
        key = root.derive(f"m/{_PURPOSE[script]}h/0h/0h/0/0").to_public()
        if script == "p2pkh":
            output = scripts.p2pkh(key)
        elif script == "p2sh-p2wpkh":
            output = scripts.p2sh(scripts.p2wpkh(key))
        elif script == "p2wpkh":
            output = scripts.p2wpkh(key)
        else:
            output = scripts.p2tr(key)  # BIP86: key path only
        addresses.append((script, output.address(network)))
    used = bip39_passphrase is not None and not bip39_passphrase.is_empty()
    return Identity(
        kind="bip39",
        format="bip39",
        fingerprint=root.my_fingerprint.hex(),
        bip39_passphrase=used,
        addresses=tuple(addresses),
    )


def words_identity(phrase: Secret) -> Identity:
    """The identity of a phrase that is not BIP39 (Electrum, Monero, ...): its word count."""
    count = len(phrase.reveal_text().split())
    if not 0 < count <= 1000:
        raise WalletIdentityError("the phrase has no words, or too many")
    return Identity(kind="words", format="words", words=count)


# --- wallet files -------------------------------------------------------------------------


def wallet_identity(data: bytes, suffix: str = "", sha256: str | None = None) -> Identity:
    """The identity of a wallet file's plaintext ``data`` (``suffix``: its name's, if known).

    Parsing is bounded (:data:`MAX_IN_MEMORY` bytes, at most 1000 descriptors of 4096
    characters, 15 keystores). A file that parses as none of the readable formats, or
    holds no public identity (an encrypted Electrum file, a Core wallet without
    descriptors), is identified by its sha256: ``sha256`` when the caller has just
    hashed ``data`` itself (a backup, a restore), so it is not hashed a second time.
    """
    file_format = format_of(data[:4096], suffix)
    if len(data) <= MAX_IN_MEMORY:
        if file_format is FileFormat.SQLITE:
            descriptors = _core_descriptors(data)
            if descriptors:
                return Identity(
                    kind="core-descriptors", format=file_format.value, descriptors=descriptors
                )
        elif file_format is FileFormat.JSON:
            xpubs = _electrum_xpubs(data)
            if xpubs:
                return Identity(kind="electrum-xpubs", format=file_format.value, xpubs=xpubs)
    if sha256 is None:
        sha256 = hashlib.sha256(data).hexdigest()
    return Identity(kind="sha256", format=file_format.value, sha256=sha256)


def file_identity(path: Path, sha256: str | None = None) -> Identity:
    """The identity of the wallet file at ``path`` (see :func:`wallet_identity`).

    The file is opened read-only, without following a symlink and without blocking (a
    FIFO is refused, not waited on); only a regular file is read. Files over
    :data:`MAX_IN_MEMORY` bytes are hashed in chunks, never held whole. When the caller
    gives the ``sha256`` it has just checked the content against (a restore), the file is
    not hashed again: a large one is read only for its head (the format).
    Raises :class:`WalletIdentityError` for a symlink, a non-regular or unreadable file.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise WalletIdentityError(f"{path} is a symbolic link; it is not followed") from None
        raise WalletIdentityError(f"cannot read {path}: {exc.strerror}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise WalletIdentityError(f"{path} is not a regular file")
    with os.fdopen(fd, "rb") as handle:
        try:
            if info.st_size <= MAX_IN_MEMORY:
                data = handle.read(MAX_IN_MEMORY + 1)
                if len(data) <= MAX_IN_MEMORY:
                    return wallet_identity(data, path.suffix, sha256)
                handle.seek(0)
            head = handle.read(4096)
            if sha256 is None:
                digest = hashlib.sha256(head)
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
                sha256 = digest.hexdigest()
        except OSError as exc:
            raise WalletIdentityError(f"cannot read {path}: {exc.strerror}") from None
    file_format = format_of(head, path.suffix)
    return Identity(kind="sha256", format=file_format.value, sha256=sha256)


@contextlib.contextmanager
def _sqlite_in_memory(data: bytes) -> Iterator[sqlite3.Connection]:
    """A read-only connection to the SQLite database ``data``, without touching a disk."""
    conn = sqlite3.connect(":memory:")
    try:
        if hasattr(conn, "deserialize"):
            conn.deserialize(data)  # Python 3.11+: the bytes become the database
            conn.execute("PRAGMA query_only = 1")
            yield conn
            return
        # Python 3.10 has no deserialize: a private folder, removed at once, holds a copy.
        conn.close()  # pragma: no cover - exercised only on Python 3.10
        with tempfile.TemporaryDirectory() as folder:  # pragma: no cover
            copy = Path(folder) / "wallet.sqlite"
            copy.touch(mode=0o600)
            copy.write_bytes(data)
            conn = sqlite3.connect(f"{copy.as_uri()}?mode=ro&immutable=1", uri=True)
            yield conn
    finally:
        conn.close()


def _compact_size(value: bytes) -> tuple[int, int]:
    """(length, bytes used) of Bitcoin's CompactSize at the start of ``value``."""
    if not value:
        raise ValueError("empty")
    first = value[0]
    if first < 0xFD:
        return first, 1
    width = {0xFD: 2, 0xFE: 4, 0xFF: 8}[first]
    if len(value) < 1 + width:
        raise ValueError("short")
    return int.from_bytes(value[1 : 1 + width], "little"), 1 + width


def _core_descriptors(data: bytes) -> tuple[str, ...]:
    """The public descriptor strings of a Core descriptor wallet's ``walletdescriptor``
    records (a serialised WalletDescriptor starts with the descriptor as a string);
    empty when the database is not such a wallet. Private records are never selected."""
    found: set[str] = set()
    try:
        with _sqlite_in_memory(data) as conn:
            rows = conn.execute(
                "SELECT value FROM main WHERE substr(key, 1, ?) = ? AND length(value) <= ? LIMIT ?",
                (
                    len(_DESCRIPTOR_KEY),
                    _DESCRIPTOR_KEY,
                    _MAX_DESCRIPTOR_CHARS + 64,
                    _MAX_DESCRIPTORS + 1,
                ),
            ).fetchall()
    except sqlite3.Error:
        return ()
    for (value,) in rows[:_MAX_DESCRIPTORS]:
        if not isinstance(value, bytes):
            continue
        try:
            length, used = _compact_size(value)
            text = value[used : used + length].decode("ascii")
        except (ValueError, KeyError, UnicodeDecodeError):
            continue
        if (
            len(text) != length
            or not 0 < length <= _MAX_DESCRIPTOR_CHARS
            or not _PRINTABLE.match(text)
            or _PRIVATE_MARKER.search(text)
        ):
            continue  # damaged, or (never written by Core) private: not an identity
        found.add(text)
    return tuple(sorted(found))


def _electrum_xpubs(data: bytes) -> tuple[str, ...]:
    """The xpubs of an unencrypted Electrum wallet's keystores; empty when it is not one."""
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return ()
    if not isinstance(document, dict) or not (
        "seed_version" in document or "wallet_type" in document
    ):
        return ()
    xpubs: set[str] = set()
    for key, keystore in document.items():
        if not _ELECTRUM_KEYSTORE.match(str(key)) or not isinstance(keystore, dict):
            continue
        xpub = keystore.get("xpub")
        if not isinstance(xpub, str) or len(xpub) > _MAX_XPUB_CHARS:
            continue
        try:
            if wallet.check_extended_key(xpub) == "public":
                xpubs.add(xpub.strip())
        except InvalidExtendedKeyError:
            continue
    return tuple(sorted(xpubs))[:_MAX_XPUBS]
