"""Which wallet a copy holds: the identity recorded with a version, rebuilt from a
restored copy, and the one comparison every caller (restore, recover, drills) makes.

A version's identity (:class:`~keyvault.wallets.identity.Identity`) is recorded when it
is backed up and travels in the encrypted manifest, so a new machine holding only the
vault key can tell "the wallet the owner backed up" from "some valid wallet":

- a phrase item: the identity recorded when the phrase was added (``identities.json``);
- a wallet file: its public identity parsed from the plaintext as it was read for the
  backup (up to :data:`KEPT_FOR_IDENTITY` bytes; a larger file is named by its sha256);
- a folder: its archive's sha256.

:func:`compare` says ``same``, ``different``, ``unknown`` (no public identity can be
rebuilt to compare, e.g. a BIP39 passphrase that was not stored with the phrase) or
``not-recorded`` (a version of an earlier release).
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Literal

from keyvault.errors import KeyvaultError
from keyvault.secret import Secret
from keyvault.vault.items import PHRASE_KINDS, parse_phrase_record
from keyvault.wallets.identity import Identity, file_identity, wallet_identity

__all__ = [
    "KEPT_FOR_IDENTITY",
    "IdentityCheck",
    "compare",
    "describe",
    "restored_identity",
    "snapshot_identity",
]

#: Wallet files up to this size are parsed for their public identity when backed up.
KEPT_FOR_IDENTITY = 16 << 20
_MAX_RECORD = 64 << 10

#: The outcome of :func:`compare`.
IdentityCheck = Literal["same", "different", "unknown", "not-recorded"]


def snapshot_identity(
    kind: str, kept: bytes | None, head: bytes, name: str, sha256: str
) -> Identity | None:
    """The identity of an original as it was read for a backup (``kind`` ``file`` or
    ``folder``; ``kept``: its whole plaintext when it fit :data:`KEPT_FOR_IDENTITY`,
    ``head``: its first bytes, ``name``: the original's name, ``sha256``: its hash)."""
    if kind == "folder":
        return Identity(kind="sha256", format="folder", sha256=sha256)
    suffix = Path(name).suffix
    with contextlib.suppress(KeyvaultError):
        if kept is not None:
            return wallet_identity(kept, suffix, sha256)
        # Too large to parse here: named by its hash (the format read from its head).
        shown = wallet_identity(head[:4096], suffix).format
        return Identity(kind="sha256", format=shown, sha256=sha256)
    return None


def restored_identity(kind: str, phrase_kind: str | None, path: Path, sha256: str) -> Identity:
    """The wallet identity of a restored copy at ``path`` (a file or folder just written,
    of item kind ``kind``; ``sha256`` its plaintext hash)."""
    if kind == "folder":
        return Identity(kind="sha256", format="folder", sha256=sha256)
    if kind == "phrase":
        with path.open("rb") as handle:
            data = handle.read(_MAX_RECORD + 1)
        if phrase_kind in PHRASE_KINDS and len(data) <= _MAX_RECORD:
            return parse_phrase_record(Secret(data, label="phrase record")).identity()
        return wallet_identity(data)
    # The restore has just compared the bytes with ``sha256``: the file is not hashed again.
    return file_identity(path, sha256)


def compare(recorded: Identity | None, found: Identity | None, sha256: str) -> IdentityCheck:
    """Whether ``found`` (rebuilt from a copy whose plaintext has ``sha256``) is the wallet
    ``recorded`` names.

    A recorded hash identity is compared with the copy's hash (a file too large to parse
    at backup time, a folder, a file with no public identity). A phrase recorded with a
    BIP39 passphrase that was not stored cannot be rebuilt: ``unknown``.
    """
    if recorded is None:
        return "not-recorded"
    if recorded.kind == "sha256":
        return "same" if recorded.sha256 == sha256 else "different"
    if found is None:
        return "unknown"
    if recorded.kind == "bip39" and recorded.bip39_passphrase and not found.bip39_passphrase:
        return "unknown"
    # The format is read partly from the file's name, which a restore chooses: not part
    # of which wallet it is.
    return "same" if recorded.same_wallet(replace(found, format=recorded.format)) else "different"


def describe(check: IdentityCheck, recorded: Identity | None, found: Identity | None) -> str:
    """One line for a report."""
    if check == "same" and recorded is not None:
        return f"same wallet as recorded ({recorded.proof})"
    if check == "different" and recorded is not None:
        shown = found.proof if found is not None else "no readable identity"
        return f"NOT the wallet recorded: it holds {shown}, recorded {recorded.proof}"
    if check == "unknown":
        return "its identity cannot be rebuilt to compare (e.g. a BIP39 passphrase not stored)"
    return "no identity was recorded with this version"
