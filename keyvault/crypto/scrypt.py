"""The scrypt (passphrase) recipient type.

Stanza ``-> scrypt <base64 salt> <log2 N>``; wrap key = scrypt(passphrase, salt =
``age-encryption.org/v1/scrypt`` || 16 random bytes, N = 2^logN, r = 8, p = 1). A scrypt
stanza must be the only stanza in a header (C2SP age): :func:`~keyvault.crypto.encrypt_stream`
refuses to mix it with other recipients, and decryption rejects such headers.

Work factor: 18 by default (the age CLI's value, about 1 s and 256 MiB), 16 to 22 when
encrypting, so keyvault never writes a file that it or the stock age would refuse; files
asking for more than 22 are refused with :class:`~keyvault.errors.WorkFactorTooHighError`.
``cryptography``'s scrypt releases the GIL, so a GUI stays responsive if it runs this in a
worker thread.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from keyvault.errors import HeaderError, WorkFactorTooHighError
from keyvault.secret import Secret

from ._format import Stanza, b64decode_canonical, b64encode_unpadded
from ._primitives import FILE_KEY_SIZE, open_file_key, seal_file_key

__all__ = [
    "DEFAULT_WORK_FACTOR",
    "MAX_WORK_FACTOR",
    "MIN_WORK_FACTOR",
    "STANZA_TYPE",
    "ScryptIdentity",
    "ScryptRecipient",
]

STANZA_TYPE = "scrypt"
DEFAULT_WORK_FACTOR = 18
MIN_WORK_FACTOR = 16
MAX_WORK_FACTOR = 22
_LABEL = b"age-encryption.org/v1/scrypt"
_SALT_SIZE = 16
_BODY_SIZE = FILE_KEY_SIZE + 16
_LOG_N = re.compile(r"[1-9][0-9]*")


def _derive(passphrase: Secret, salt: bytes, work_factor: int) -> bytes:
    kdf = Scrypt(salt=_LABEL + salt, length=32, n=1 << work_factor, r=8, p=1)
    return kdf.derive(passphrase.reveal())


class ScryptRecipient:
    """Encrypt to a passphrase. Must be a file's only recipient."""

    __slots__ = ("_passphrase", "_work_factor")

    def __init__(self, passphrase: Secret, work_factor: int = DEFAULT_WORK_FACTOR) -> None:
        if not isinstance(passphrase, Secret):
            raise TypeError("the passphrase must be a Secret")
        if not MIN_WORK_FACTOR <= work_factor <= MAX_WORK_FACTOR:
            raise ValueError(
                f"the scrypt work factor must be between {MIN_WORK_FACTOR} and {MAX_WORK_FACTOR}"
            )
        self._passphrase = passphrase
        self._work_factor = work_factor

    @classmethod
    def _unchecked(cls, passphrase: Secret, work_factor: int) -> ScryptRecipient:
        """Tests only: any work factor from 1, so tests that make many files stay fast."""
        recipient = cls(passphrase)
        recipient._work_factor = work_factor
        return recipient

    @property
    def work_factor(self) -> int:
        """log2 of the scrypt cost N written into the stanza."""
        return self._work_factor

    def wrap(self, file_key: bytes) -> list[Stanza]:
        """The single scrypt stanza carrying ``file_key``."""
        salt = os.urandom(_SALT_SIZE)
        wrap_key = _derive(self._passphrase, salt, self._work_factor)
        salt_text = b64encode_unpadded(salt).decode("ascii")
        body = seal_file_key(wrap_key, file_key)
        return [Stanza(STANZA_TYPE, (salt_text, str(self._work_factor)), body)]

    def __repr__(self) -> str:
        return f"ScryptRecipient(work_factor={self._work_factor}, passphrase=**redacted**)"


class ScryptIdentity:
    """Decrypt with a passphrase, refusing work factors above ``max_work_factor``."""

    __slots__ = ("_max_work_factor", "_passphrase")

    def __init__(self, passphrase: Secret, max_work_factor: int = MAX_WORK_FACTOR) -> None:
        if not isinstance(passphrase, Secret):
            raise TypeError("the passphrase must be a Secret")
        if not 1 <= max_work_factor <= MAX_WORK_FACTOR:
            raise ValueError(f"the maximum scrypt work factor is at most {MAX_WORK_FACTOR}")
        self._passphrase = passphrase
        self._max_work_factor = max_work_factor

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """The file key if the header's scrypt stanza opens with this passphrase, else ``None``.

        Raises :class:`HeaderError` for a malformed scrypt stanza or one that is not alone,
        and :class:`WorkFactorTooHighError` above the cap.
        """
        for stanza in stanzas:
            if stanza.type != STANZA_TYPE:
                continue
            if len(stanzas) != 1:
                raise HeaderError("a passphrase-encrypted file must have no other recipient")
            if len(stanza.args) != 2:
                raise HeaderError("the scrypt stanza has the wrong number of arguments")
            try:
                salt = b64decode_canonical(stanza.args[0].encode("ascii"))
            except ValueError:
                raise HeaderError("the scrypt stanza's salt is not canonical base64") from None
            if len(salt) != _SALT_SIZE:
                raise HeaderError("the scrypt stanza's salt has the wrong size")
            if not _LOG_N.fullmatch(stanza.args[1]):
                raise HeaderError("the scrypt stanza's work factor is malformed")
            if len(stanza.args[1]) > 3 or int(stanza.args[1]) > self._max_work_factor:
                raise WorkFactorTooHighError(
                    hint="the file may be damaged, or was made by a tool with a higher setting"
                )
            if len(stanza.body) != _BODY_SIZE:
                raise HeaderError("the scrypt stanza's body has the wrong size")
            wrap_key = _derive(self._passphrase, salt, int(stanza.args[1]))
            return open_file_key(wrap_key, stanza.body)
        return None

    def __repr__(self) -> str:
        return f"ScryptIdentity(max_work_factor={self._max_work_factor}, passphrase=**redacted**)"
