"""The X25519 recipient type: ``age1...`` recipients and ``AGE-SECRET-KEY-1...`` identities.

Wrapping (C2SP age, "X25519 recipient stanza"): a fresh ephemeral key per stanza, the
shared secret through HKDF-SHA-256 with salt ``share || recipient`` and info
``age-encryption.org/v1/X25519``, the file key sealed with ChaCha20-Poly1305. The stanza
is ``-> X25519 <base64 share>`` with a 32-byte body.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from keyvault.errors import HeaderError, InvalidKeyError
from keyvault.secret import Secret

from . import bech32
from ._format import Stanza, b64decode_canonical, b64encode_unpadded
from ._primitives import FILE_KEY_SIZE, hkdf_sha256, open_file_key, seal_file_key

__all__ = ["STANZA_TYPE", "X25519Identity", "X25519Recipient"]

STANZA_TYPE = "X25519"
_LABEL = b"age-encryption.org/v1/X25519"
_RECIPIENT_HRP = "age"
_IDENTITY_HRP = "age-secret-key-"
_KEY_SIZE = 32
_BODY_SIZE = FILE_KEY_SIZE + 16


class X25519Recipient:
    """A public ``age1...`` recipient. ``str()`` gives the canonical lowercase string."""

    __slots__ = ("_public",)

    def __init__(self, public_key: bytes) -> None:
        if not isinstance(public_key, bytes) or len(public_key) != _KEY_SIZE:
            raise ValueError("an X25519 public key is 32 bytes")
        self._public = public_key

    @classmethod
    def parse(cls, text: str) -> X25519Recipient:
        """Parse ``age1...``; :class:`InvalidKeyError` if it is not a valid X25519 recipient."""
        try:
            hrp, data = bech32.decode(text.strip())
        except ValueError:
            raise InvalidKeyError("this is not a valid age recipient (age1...)") from None
        if hrp != _RECIPIENT_HRP or len(data) != _KEY_SIZE:
            raise InvalidKeyError("this is not a valid age X25519 recipient (age1...)")
        return cls(data)

    @property
    def public_bytes(self) -> bytes:
        """The 32 raw public-key bytes."""
        return self._public

    def wrap(self, file_key: bytes) -> list[Stanza]:
        """One stanza carrying ``file_key`` for this recipient."""
        ephemeral = X25519PrivateKey.generate()
        share = ephemeral.public_key().public_bytes_raw()
        try:
            shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(self._public))
        except ValueError:
            raise InvalidKeyError("this age recipient is not a usable X25519 key") from None
        wrap_key = hkdf_sha256(shared, share + self._public, _LABEL)
        body = seal_file_key(wrap_key, file_key)
        return [Stanza(STANZA_TYPE, (b64encode_unpadded(share).decode("ascii"),), body)]

    def __str__(self) -> str:
        return bech32.encode(_RECIPIENT_HRP, self._public)

    def __repr__(self) -> str:
        return f"X25519Recipient({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, X25519Recipient) and other._public == self._public

    def __hash__(self) -> int:
        return hash(self._public)


class X25519Identity:
    """A private X25519 identity. Its repr never shows the key."""

    __slots__ = ("_private", "_recipient")

    def __init__(self, private_key: X25519PrivateKey) -> None:
        self._private = private_key
        self._recipient = X25519Recipient(private_key.public_key().public_bytes_raw())

    @classmethod
    def generate(cls) -> X25519Identity:
        """A new random identity (from the operating system's CSPRNG)."""
        return cls(X25519PrivateKey.generate())

    @classmethod
    def from_bytes(cls, key: Secret | bytes) -> X25519Identity:
        """The identity for 32 raw secret-key bytes."""
        raw = key.reveal() if isinstance(key, Secret) else key
        if not isinstance(raw, bytes) or len(raw) != _KEY_SIZE:
            raise ValueError("an X25519 identity is 32 bytes")
        return cls(X25519PrivateKey.from_private_bytes(raw))

    @classmethod
    def parse(cls, text: str | Secret) -> X25519Identity:
        """Parse ``AGE-SECRET-KEY-1...``; :class:`InvalidKeyError` on anything else."""
        value = text.reveal_text() if isinstance(text, Secret) else text
        try:
            hrp, data = bech32.decode(value.strip())
        except ValueError:
            raise InvalidKeyError(
                "this is not a valid age identity (AGE-SECRET-KEY-1...)"
            ) from None
        if hrp != _IDENTITY_HRP or len(data) != _KEY_SIZE:
            raise InvalidKeyError("this is not a valid age X25519 identity (AGE-SECRET-KEY-1...)")
        return cls.from_bytes(data)

    @property
    def recipient(self) -> X25519Recipient:
        """The public recipient that files for this identity are encrypted to."""
        return self._recipient

    def to_secret(self) -> Secret:
        """The identity as ``AGE-SECRET-KEY-1...`` text."""
        return Secret(
            bech32.encode(_IDENTITY_HRP, self._private.private_bytes_raw()).upper(),
            label="age identity",
        )

    def secret_bytes(self) -> Secret:
        """The 32 raw secret-key bytes."""
        return Secret(self._private.private_bytes_raw(), label="age identity bytes")

    def unwrap(self, stanzas: Sequence[Stanza]) -> bytes | None:
        """The file key from the first X25519 stanza meant for this identity, else ``None``.

        Malformed X25519 stanzas (wrong argument count, non-canonical or wrong-size share,
        wrong body size, low-order share) raise :class:`HeaderError`.
        """
        own = self._recipient.public_bytes
        for stanza in stanzas:
            if stanza.type != STANZA_TYPE:
                continue
            if len(stanza.args) != 1:
                raise HeaderError("an X25519 recipient stanza has the wrong number of arguments")
            try:
                share = b64decode_canonical(stanza.args[0].encode("ascii"))
            except ValueError:
                raise HeaderError("an X25519 recipient stanza has an invalid share") from None
            if len(share) != _KEY_SIZE:
                raise HeaderError("an X25519 recipient stanza has a share of the wrong size")
            if len(stanza.body) != _BODY_SIZE:
                raise HeaderError("an X25519 recipient stanza has a body of the wrong size")
            try:
                shared = self._private.exchange(X25519PublicKey.from_public_bytes(share))
            except ValueError:
                raise HeaderError("an X25519 recipient stanza has a low-order share") from None
            wrap_key = hkdf_sha256(shared, share + own, _LABEL)
            file_key = open_file_key(wrap_key, stanza.body)
            if file_key is not None:
                return file_key
        return None

    def __repr__(self) -> str:
        return f"X25519Identity(recipient={self._recipient}, secret=**redacted**)"
