"""A value that refuses to print.

Mnemonics, passphrases, age identities and API keys travel through keyvault as
:class:`Secret`. Its ``repr``/``str`` are redacted, it has no content equality (use
:meth:`Secret.equals`, constant time), it cannot be pickled, and :meth:`Secret.wipe`
zeroes its buffer as far as Python allows (best effort: copies made by ``reveal()`` or by
the libraries it is handed to are outside our control).
"""

from __future__ import annotations

from typing import NoReturn

__all__ = ["Secret"]


class Secret:
    """Secret bytes (or UTF-8 text) with a redacted representation."""

    __slots__ = ("_buffer", "_label")

    def __init__(self, value: bytes | bytearray | str, *, label: str = "secret") -> None:
        if isinstance(value, str):
            value = value.encode("utf-8")
        if not isinstance(value, (bytes, bytearray)):
            raise TypeError("Secret takes bytes or str")
        self._buffer = bytearray(value)
        self._label = label

    def reveal(self) -> bytes:
        """The secret bytes. Call only at the point of use, never to log or print."""
        return bytes(self._buffer)

    def reveal_text(self) -> str:
        """The secret as text (UTF-8). Call only at the point of use."""
        return self._buffer.decode("utf-8")

    def equals(self, other: Secret) -> bool:
        """Constant-time comparison with another secret."""
        import hmac  # here: the CLI's start-up need not load hashlib

        return hmac.compare_digest(bytes(self._buffer), bytes(other._buffer))

    def is_empty(self) -> bool:
        """True when the secret has no bytes (an empty passphrase)."""
        return len(self._buffer) == 0

    def __len__(self) -> int:
        return len(self._buffer)

    def wipe(self) -> None:
        """Overwrite the buffer with zeros and empty it (best effort)."""
        for i in range(len(self._buffer)):
            self._buffer[i] = 0
        self._buffer = bytearray()

    def __repr__(self) -> str:
        return f"Secret({self._label}: **redacted**)"

    __str__ = __repr__

    def __format__(self, format_spec: str) -> str:
        return repr(self)

    def __eq__(self, other: object) -> bool:
        # Content equality would invite timing leaks; identity only.
        return self is other

    def __hash__(self) -> int:
        return id(self)

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Secret cannot be pickled")

    def __bool__(self) -> bool:
        return True
