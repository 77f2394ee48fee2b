"""Every error keyvault reports to a user.

One root, :class:`KeyvaultError`. Each subclass's docstring is user-ready text: the CLI
and the GUI show ``str(error)`` (which defaults to the docstring's first line) and, where
given, the ``hint``. Messages follow age's style: lowercase, no final period.

Caller mistakes (a wrong type, an impossible argument) raise ``ValueError`` or
``TypeError`` instead, never a ``KeyvaultError``. No message may contain a secret: build
messages from positions, counts, names and paths only.

The CLI maps errors to exit codes through :attr:`KeyvaultError.exit_code`, and an
``OSError`` nothing handled to a :class:`FileSystemError` through :func:`from_os_error`.

The tree (the sections below follow it; the exit code is 1 unless shown)::

    KeyvaultError
    |-- InvalidMnemonicError
    |-- InvalidShareError
    |-- SeedQRError
    |-- InvalidCodex32Error
    |-- InvalidSeedXorError
    |-- InvalidKeyError
    |-- InvalidExtendedKeyError
    |-- InvalidValueError (exit 2)
    |-- WeakPassphraseError
    |-- ImageReadError
    |-- UnprintableTextError
    |-- WalletConfigError
    |   |-- DescriptorChecksumError
    |   |-- UnknownScriptError
    |   |-- WrongNetworkError
    |   |-- LabelsError
    |   `-- BBQrError
    |-- AgeFormatError
    |   |-- NotAnAgeFileError
    |   |-- DamagedFileError
    |   |   |-- HeaderError
    |   |   |   |-- WorkFactorTooHighError
    |   |   |   `-- HeaderMacError
    |   |   |-- PayloadError
    |   |   `-- ArmorError
    |   `-- UnsupportedRecipientError
    |-- NoMatchingIdentityError
    |   `-- WrongPassphraseError
    |-- ConfigError
    |-- SecretInputError
    |   |-- SecretInputNotTextError
    |   |-- SecretInputTooLargeError
    |   `-- SecretInputTimeoutError
    |-- FileSystemError
    |   |-- DiskFullError
    |   |-- ReadOnlyError
    |   `-- PermissionDeniedError
    |-- VaultNotInitializedError
    |-- AlreadyExistsError
    |-- NotFoundError
    |-- LockedError
    |-- RollbackError
    |-- SourceChangedError
    |-- SourceUnreadableError
    |-- WalletBusyError
    |-- WalletCheckError
    |-- NodeRpcError
    |-- SchedulerError
    |-- WalletIdentityError
    |-- IdentityRecordError
    |-- InvalidSealError
    `-- DestinationError
        |-- DestinationUnavailableError
        |   `-- DestinationCredentialsError
        |-- RetryableDestinationError
        |   `-- DestinationUnreachableError (also a DestinationUnavailableError)
        |-- DestinationRetriesExhaustedError
        |-- DestinationFullError
        |-- DestinationPermissionError
        |-- ObjectNotFoundError (exit 4)
        |-- DamagedObjectError (exit 4)
        `-- ReadBackMismatchError
"""

from __future__ import annotations

import errno
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import PurePath

__all__ = [
    "AgeFormatError",
    "AlreadyExistsError",
    "ArmorError",
    "BBQrError",
    "ConfigError",
    "DamagedFileError",
    "DamagedObjectError",
    "DescriptorChecksumError",
    "DestinationCredentialsError",
    "DestinationError",
    "DestinationFullError",
    "DestinationPermissionError",
    "DestinationRetriesExhaustedError",
    "DestinationUnavailableError",
    "DestinationUnreachableError",
    "DiskFullError",
    "ExitCode",
    "FileSystemError",
    "HeaderError",
    "HeaderMacError",
    "IdentityRecordError",
    "ImageReadError",
    "InvalidCodex32Error",
    "InvalidExtendedKeyError",
    "InvalidKeyError",
    "InvalidMnemonicError",
    "InvalidSealError",
    "InvalidSeedXorError",
    "InvalidShareError",
    "InvalidValueError",
    "KeyvaultError",
    "LabelsError",
    "LockedError",
    "NoMatchingIdentityError",
    "NodeRpcError",
    "NotAnAgeFileError",
    "NotFoundError",
    "ObjectNotFoundError",
    "PayloadError",
    "PermissionDeniedError",
    "ReadBackMismatchError",
    "ReadOnlyError",
    "RetryableDestinationError",
    "RollbackError",
    "SchedulerError",
    "SecretInputError",
    "SecretInputNotTextError",
    "SecretInputTimeoutError",
    "SecretInputTooLargeError",
    "SeedQRError",
    "SourceChangedError",
    "SourceUnreadableError",
    "UnknownScriptError",
    "UnprintableTextError",
    "UnsupportedRecipientError",
    "VaultNotInitializedError",
    "WalletBusyError",
    "WalletCheckError",
    "WalletConfigError",
    "WalletIdentityError",
    "WeakPassphraseError",
    "WorkFactorTooHighError",
    "WrongNetworkError",
    "WrongPassphraseError",
    "from_os_error",
]


class ExitCode:
    """Process exit codes shared by the CLI and scripts (ARCHITECTURE.md)."""

    OK = 0
    ERROR = 1
    USAGE = 2
    POLICY_NOT_MET = 3
    COPY_MISSING_OR_DAMAGED = 4


# --- the root -------------------------------------------------------------------------


class KeyvaultError(Exception):
    """something went wrong"""

    exit_code: int = ExitCode.ERROR

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        if message is None:
            message = (type(self).__doc__ or "error").strip().splitlines()[0]
        super().__init__(message)
        self.message = message
        self.hint = hint

    @property
    def type_name(self) -> str:
        """The stable name used in ``--json`` error output."""
        return type(self).__name__


# --- what a person typed or scanned ---------------------------------------------------


class InvalidMnemonicError(KeyvaultError):
    """the phrase is not a valid mnemonic"""

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        position: int | None = None,
        suggestions: tuple[str, ...] = (),
    ) -> None:
        super().__init__(message, hint=hint)
        #: 1-based word position the error is about, if any.
        self.position = position
        #: Wordlist words that could be meant (closest matches, or checksum completions).
        self.suggestions = suggestions


class InvalidShareError(KeyvaultError):
    """the SLIP-39 shares are invalid or do not belong together"""


class SeedQRError(KeyvaultError):
    """this phrase or QR code is not a valid SeedQR"""


class InvalidCodex32Error(KeyvaultError):
    """the codex32 string or share set is not valid"""

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        positions: tuple[int, ...] = (),
        share: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        #: 1-based character positions (in the string as typed, separators removed)
        #: that are likely wrong, when the checksum or the alphabet can tell.
        self.positions = positions
        #: 1-based number of the string (share) in the input the error is about, if any.
        self.share = share


class InvalidSeedXorError(KeyvaultError):
    """the Seed XOR parts are not valid"""


class InvalidKeyError(KeyvaultError):
    """this is not a valid age recipient or identity"""


class InvalidExtendedKeyError(KeyvaultError):
    """this is not a valid extended key (xpub/xprv)"""


class InvalidValueError(KeyvaultError):
    """this value is not accepted here"""

    exit_code = ExitCode.USAGE


class WeakPassphraseError(KeyvaultError):
    """the passphrase is too weak"""


class ImageReadError(KeyvaultError):
    """the file cannot be read as an image"""


class UnprintableTextError(KeyvaultError):
    """this text cannot be printed: the font has no glyph for some of its characters"""


# --- wallet configurations: descriptors, BSMS, labels, BBQr ---------------------------


class WalletConfigError(KeyvaultError):
    """this is not a wallet configuration keyvault can read"""

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        line: int | None = None,
        position: int | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        #: 1-based line of the input the error is about, if any.
        self.line = line
        #: 0-based character position (in the descriptor, or in ``line``), if any.
        self.position = position


class DescriptorChecksumError(WalletConfigError):
    """the descriptor's checksum does not match it (a character was changed or lost)"""

    def __init__(self, message: str | None = None, *, expected: str = "", found: str = "") -> None:
        hint = f"the checksum of this text is #{expected}" if expected else None
        super().__init__(message, hint=hint)
        #: The checksum the descriptor text before ``#`` has.
        self.expected = expected
        #: The checksum written after ``#``.
        self.found = found


class UnknownScriptError(WalletConfigError):
    """the descriptor uses a script keyvault does not know"""


class WrongNetworkError(WalletConfigError):
    """a key belongs to another network (mainnet xpub vs testnet tpub)"""


class LabelsError(WalletConfigError):
    """these wallet labels are not valid BIP-329 JSON lines"""


class BBQrError(WalletConfigError):
    """these QR codes are not a complete, consistent BBQr series"""


# --- encrypted files (age) ------------------------------------------------------------


class AgeFormatError(KeyvaultError):
    """the encrypted file cannot be read"""


class NotAnAgeFileError(AgeFormatError):
    """this is not an age-encrypted file"""


class DamagedFileError(AgeFormatError):
    """the encrypted file is damaged or was tampered with"""


class HeaderError(DamagedFileError):
    """the encrypted file's header is damaged or malformed"""


class WorkFactorTooHighError(HeaderError):
    """the passphrase-encrypted file asks for a scrypt work factor above the limit of 22"""


class HeaderMacError(HeaderError):
    """the encrypted file's header failed its integrity check (damaged or tampered with)"""


class PayloadError(DamagedFileError):
    """the encrypted file is damaged, truncated or was tampered with"""


class ArmorError(DamagedFileError):
    """the armored (text) encrypted file is damaged or malformed"""


class UnsupportedRecipientError(AgeFormatError):
    """the file is encrypted to a recipient type keyvault does not support"""


class NoMatchingIdentityError(KeyvaultError):
    """no identity matched any of the file's recipients"""


class WrongPassphraseError(NoMatchingIdentityError):
    """incorrect passphrase"""


# --- the vault, its configuration and local state -------------------------------------


class ConfigError(KeyvaultError):
    """the keyvault configuration is invalid"""


class SecretInputError(KeyvaultError):
    """this secret input cannot be read"""


class SecretInputNotTextError(SecretInputError):
    """the secret input is not UTF-8 text"""


class SecretInputTooLargeError(SecretInputError):
    """the secret input is larger than any secret keyvault reads"""


class SecretInputTimeoutError(SecretInputError):
    """the secret input did not end in time (a pipe or FIFO nobody writes to?)"""


class FileSystemError(KeyvaultError):
    """the operating system refused a file operation"""


class DiskFullError(FileSystemError):
    """the disk is full"""


class ReadOnlyError(FileSystemError):
    """the disk or folder is read-only"""


class PermissionDeniedError(FileSystemError):
    """keyvault is not allowed to write or read there"""


def from_os_error(exc: OSError, path: PurePath | str | None = None) -> FileSystemError:
    """The typed error for an ``OSError`` no caller handled (its path, never file content).

    Full disks, read-only disks and refused permissions get their own class and a hint;
    anything else is a :class:`FileSystemError` with the system's words. ``path`` (the
    file the user asked for) is named instead of the error's own, which may be a temp
    name beside it or, for a failed write, none.
    """
    reason = (exc.strerror or type(exc).__name__).lower()
    named = path if path is not None else exc.filename
    where = f": {named}" if named is not None else ""
    kind: type[FileSystemError] = FileSystemError
    hint = None
    if exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        kind, hint = DiskFullError, "free some space or write to another disk; nothing was lost"
    elif exc.errno == errno.EROFS:
        kind, hint = ReadOnlyError, "write to a disk that is not read-only"
    elif exc.errno in (errno.EACCES, errno.EPERM):
        kind, hint = PermissionDeniedError, "choose a folder you may write to"
    return kind(f"{reason}{where}", hint=hint)


class VaultNotInitializedError(KeyvaultError):
    """no vault here yet"""

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint or "run 'keyvault init' first")


class AlreadyExistsError(KeyvaultError):
    """it already exists"""


class NotFoundError(KeyvaultError):
    """not found"""


class LockedError(KeyvaultError):
    """another keyvault run holds the lock"""


class RollbackError(KeyvaultError):
    """a manifest is older than one already seen, or not authentic"""


# --- originals, wallet copies and schedules -------------------------------------------


class SourceChangedError(KeyvaultError):
    """the item changed while it was being read; run the backup again"""


class SourceUnreadableError(KeyvaultError):
    """cannot read the item's file or folder"""


class WalletBusyError(KeyvaultError):
    """the wallet file is in use and could not be copied consistently"""


class WalletCheckError(KeyvaultError):
    """the copy of the wallet file failed its format check; nothing was written"""


class NodeRpcError(KeyvaultError):
    """the wallet's node refused or failed the backup request"""


class SchedulerError(KeyvaultError):
    """the scheduled backup could not be installed or removed"""


# --- proof of recovery: wallet identities and the owner's seal -------------------------


class WalletIdentityError(KeyvaultError):
    """the wallet's public identity cannot be read from this file"""


class IdentityRecordError(KeyvaultError):
    """the recorded wallet identity is damaged"""


class InvalidSealError(KeyvaultError):
    """this is not a valid keyvault seal or seal key"""


# --- destinations ---------------------------------------------------------------------


class DestinationError(KeyvaultError):
    """the backup destination failed"""


class DestinationUnavailableError(DestinationError):
    """the backup destination is not available (drive not mounted or service unreachable)"""


class DestinationCredentialsError(DestinationUnavailableError):
    """the backup destination's credentials are missing or were rejected"""


class RetryableDestinationError(DestinationError):
    """the backup destination failed temporarily; trying again may work"""


class DestinationUnreachableError(RetryableDestinationError, DestinationUnavailableError):
    """the backup destination did not answer (timeout or dropped connection)"""


class DestinationRetriesExhaustedError(DestinationError):
    """the backup destination kept failing; keyvault gave up on it for this run"""


class DestinationFullError(DestinationError):
    """the backup destination is full"""


class DestinationPermissionError(DestinationError):
    """permission denied at the backup destination"""


class ObjectNotFoundError(DestinationError):
    """the object is missing at the backup destination"""

    exit_code = ExitCode.COPY_MISSING_OR_DAMAGED


class DamagedObjectError(DestinationError):
    """a stored copy is damaged: its checksum does not match what was uploaded"""

    exit_code = ExitCode.COPY_MISSING_OR_DAMAGED


class ReadBackMismatchError(DestinationError):
    """the copy read back from the backup destination does not match what was written"""
