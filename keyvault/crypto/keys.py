"""Key strings and key files as the age CLI writes them (``-r``, ``-R``, ``-i``).

- A recipients file has one ``age1...`` recipient per line; empty lines and ``#`` comments
  are ignored.
- An identity file (``age-keygen`` output) has one ``AGE-SECRET-KEY-1...`` per line, with
  the same comment rules.

Recipient and identity kinds keyvault does not implement (post-quantum ``age1pq1...``,
hardware-tag ``age1tag1...``, plugins ``age1<name>1...``, SSH keys) are recognised and
refused with :class:`~keyvault.errors.UnsupportedRecipientError` naming the kind, rather
than a vague "invalid key".
"""

from __future__ import annotations

from keyvault.errors import InvalidKeyError, UnsupportedRecipientError
from keyvault.secret import Secret

from .x25519 import X25519Identity, X25519Recipient

__all__ = [
    "UNSUPPORTED_STANZA_TYPES",
    "is_age_file",
    "parse_identity",
    "parse_identity_file",
    "parse_recipient",
    "parse_recipients_file",
]

#: Stanza types of other age recipient kinds, with what they are (for error messages).
UNSUPPORTED_STANZA_TYPES: dict[str, str] = {
    "mlkem768x25519": "post-quantum hybrid",
    "p256tag": "hardware tag",
    "mlkem768p256tag": "post-quantum hardware tag",
    "ssh-ed25519": "SSH Ed25519",
    "ssh-rsa": "SSH RSA",
    "piv-p256": "YubiKey plugin",
}


def _unsupported(kind: str, stanza_type: str | None = None) -> UnsupportedRecipientError:
    named = f"{kind} ({stanza_type})" if stanza_type else kind
    return UnsupportedRecipientError(
        f"{named} keys are not supported by keyvault",
        hint="keyvault supports X25519 keys (age1..., AGE-SECRET-KEY-1...) and passphrases",
    )


def parse_recipient(text: str) -> X25519Recipient:
    """An ``age1...`` X25519 recipient; other known kinds raise UnsupportedRecipientError."""
    value = text.strip()
    lowered = value.lower()
    if lowered.startswith("age1pq1"):
        raise _unsupported("post-quantum hybrid", "mlkem768x25519")
    if lowered.startswith("age1tagpq1"):
        raise _unsupported("post-quantum hardware tag", "mlkem768p256tag")
    if lowered.startswith("age1tag1"):
        raise _unsupported("hardware tag", "p256tag")
    if lowered.startswith(("ssh-", "ecdsa-")):
        raise _unsupported("SSH")
    # A plugin recipient's human-readable part is "age1<name>", so its string has a second
    # "1", which never occurs in the data part of a plain X25519 recipient.
    if lowered.startswith("age1") and "1" in lowered[4:]:
        name = lowered[4:].split("1", 1)[0]
        if name.isalnum() and name.isascii():
            raise _unsupported(f"age plugin '{name[:32]}'")
    return X25519Recipient.parse(value)


def parse_identity(text: str | Secret) -> X25519Identity:
    """An ``AGE-SECRET-KEY-1...`` identity; other known kinds raise UnsupportedRecipientError."""
    value = (text.reveal_text() if isinstance(text, Secret) else text).strip()
    upper = value.upper()
    if upper.startswith("AGE-SECRET-KEY-PQ-1"):
        raise _unsupported("post-quantum hybrid", "mlkem768x25519")
    if upper.startswith("AGE-PLUGIN-"):
        raise _unsupported("age plugin")
    if value.startswith("-----BEGIN") and "PRIVATE KEY" in value:
        raise _unsupported("SSH")
    return X25519Identity.parse(value)


def _lines(text: str) -> list[tuple[int, str]]:
    return [
        (number, line.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        if line.strip() and not line.strip().startswith("#")
    ]


def parse_recipients_file(text: str) -> list[X25519Recipient]:
    """Every recipient in a recipients file; errors name the line number, never its text."""
    recipients: list[X25519Recipient] = []
    for number, line in _lines(text):
        try:
            recipients.append(parse_recipient(line))
        except (InvalidKeyError, UnsupportedRecipientError) as error:
            raise type(error)(f"line {number}: {error.message}", hint=error.hint) from None
    if not recipients:
        raise InvalidKeyError("the recipients file has no recipient")
    return recipients


def parse_identity_file(text: Secret) -> list[X25519Identity]:
    """Every identity in an identity file (``age-keygen`` format)."""
    if text.reveal_text().lstrip().startswith("-----BEGIN OPENSSH PRIVATE KEY"):
        raise _unsupported("SSH")
    identities: list[X25519Identity] = []
    for number, line in _lines(text.reveal_text()):
        try:
            identities.append(parse_identity(line))
        except (InvalidKeyError, UnsupportedRecipientError) as error:
            raise type(error)(f"line {number}: {error.message}", hint=error.hint) from None
    if not identities:
        raise InvalidKeyError("the identity file has no identity")
    return identities


def is_age_file(data: bytes) -> bool:
    """True when ``data`` starts like an age file, binary or armored (e.g. a key.age).

    Lets a face tell an encrypted key file from a plain one before asking for a passphrase.
    """
    head = data.lstrip(b" \t\r\n")
    return head.startswith((b"age-encryption.org/", b"-----BEGIN AGE ENCRYPTED FILE-----"))
