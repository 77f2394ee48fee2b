"""age v1 encryption (scrypt and X25519 recipients) and the vault key. Pure format code.

The recipes most code needs:

- :func:`encrypt_file` / :func:`decrypt_file`: atomic, 0600, no plaintext left on failure.
- :func:`encrypt_stream` / :func:`decrypt_stream`: any binary streams, constant memory,
  64 KiB chunks on several cores, with a progress callback.
- :func:`encrypt_bytes` / :func:`decrypt_bytes`: small in-memory data.

Recipients: :class:`X25519Recipient` (``age1...``; one or more) or one
:class:`ScryptRecipient` (a passphrase, always alone in a file). Identities:
:class:`X25519Identity` (``AGE-SECRET-KEY-1...``), :class:`ScryptIdentity`.
Every file is standard age v1 (C2SP age): the stock ``age`` CLI opens it, and keyvault
opens age's files (except post-quantum and plugin recipients, which raise
:class:`~keyvault.errors.UnsupportedRecipientError`). Errors are the typed
:mod:`keyvault.errors` encryption errors. The vault key's 24 words and MAC key live in
:mod:`keyvault.crypto.vaultkey`; key strings and files in :mod:`keyvault.crypto.keys`.
"""

from __future__ import annotations

from ._age import (
    HeaderInfo,
    Identity,
    IdentitySource,
    Recipient,
    decrypt_bytes,
    decrypt_file,
    decrypt_stream,
    encrypt_bytes,
    encrypt_file,
    encrypt_stream,
)
from .scrypt import ScryptIdentity, ScryptRecipient
from .x25519 import X25519Identity, X25519Recipient

__all__ = [
    "HeaderInfo",
    "Identity",
    "IdentitySource",
    "Recipient",
    "ScryptIdentity",
    "ScryptRecipient",
    "X25519Identity",
    "X25519Recipient",
    "decrypt_bytes",
    "decrypt_file",
    "decrypt_stream",
    "encrypt_bytes",
    "encrypt_file",
    "encrypt_stream",
]
