"""Where a B2 destination's application key comes from, and where it is kept.

Three stores, chosen per destination when it is added (``options.credentials`` in the
config names the store, never the key):

- ``env``: ``B2_APPLICATION_KEY_ID`` / ``B2_APPLICATION_KEY`` (the B2 CLI's names), read
  at every run; nothing is stored.
- ``keyring``: the OS keyring (``keyring``), service :data:`KEYRING_SERVICE`, user name
  = the destination name.
- ``file``: ``b2-credentials.json`` in the config dir, mode 0600, written atomically; for
  machines where no keyring runs (timers, servers). Chosen explicitly, never a fallback.

The key travels as :class:`~keyvault.secret.Secret`; the key ID is not secret (B2 shows
it in its web UI and error messages) and may appear in messages.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from keyvault.atomic import atomic_write
from keyvault.errors import ConfigError, DestinationCredentialsError
from keyvault.secret import Secret

__all__ = [
    "CREDENTIALS_FILE",
    "CREDENTIAL_STORES",
    "ENV_KEY",
    "ENV_KEY_ID",
    "KEYRING_SERVICE",
    "B2Credentials",
    "CredentialStore",
    "credentials_from_env",
    "delete_credentials",
    "keyring_available",
    "load_credentials",
    "save_credentials",
]

ENV_KEY_ID = "B2_APPLICATION_KEY_ID"
ENV_KEY = "B2_APPLICATION_KEY"
KEYRING_SERVICE = "keyvault-b2"
CREDENTIALS_FILE = "b2-credentials.json"

CredentialStore = Literal["env", "keyring", "file"]
CREDENTIAL_STORES: tuple[str, ...] = ("env", "keyring", "file")


@dataclass(frozen=True)
class B2Credentials:
    """An application key ID and its key. The repr never shows the key."""

    key_id: str
    key: Secret
    #: Where they came from: ``env``, ``keyring`` or ``file``.
    source: str

    def __post_init__(self) -> None:
        if not isinstance(self.key, Secret):
            raise TypeError("the application key must be a Secret")
        if not self.key_id or any(c.isspace() for c in self.key_id):
            raise ValueError("the application key ID must be non-empty, without spaces")

    def __repr__(self) -> str:
        return f"B2Credentials(key_id={self.key_id!r}, key=**redacted**, source={self.source!r})"

    __str__ = __repr__


def _check_store(store: str) -> CredentialStore:
    if store not in CREDENTIAL_STORES:
        raise ValueError(f"unknown credential store {store!r}; use env, keyring or file")
    return store  # type: ignore[return-value]


def credentials_from_env() -> B2Credentials | None:
    """The credentials in ``B2_APPLICATION_KEY_ID``/``B2_APPLICATION_KEY``, if both are set."""
    key_id = os.environ.get(ENV_KEY_ID, "").strip()
    key = os.environ.get(ENV_KEY, "").strip()
    if not key_id or not key:
        return None
    return B2Credentials(key_id, Secret(key, label="B2 application key"), "env")


def keyring_available() -> bool:
    """True when an OS keyring back end is usable (not keyring's "fail" back end)."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:  # pragma: no cover - keyring is a dependency
        return False
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken back end configuration
        return False
    return not isinstance(backend, fail.Keyring)


def _encode(credentials: B2Credentials) -> str:
    return json.dumps({"key_id": credentials.key_id, "key": credentials.key.reveal_text()})


def _decode(text: str, source: str, where: str) -> B2Credentials:
    try:
        data = json.loads(text)
        key_id, key = data["key_id"], data["key"]
        if not isinstance(key_id, str) or not isinstance(key, str):
            raise TypeError
        return B2Credentials(key_id, Secret(key, label="B2 application key"), source)
    except (ValueError, KeyError, TypeError):
        raise DestinationCredentialsError(
            f"the B2 credentials stored in {where} are unreadable",
            hint="store them again with 'keyvault dest add b2 ...'",
        ) from None


def _file_path(home: Path) -> Path:
    return home / CREDENTIALS_FILE


def _read_file(home: Path) -> dict[str, Any]:
    path = _file_path(home)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise DestinationCredentialsError(
            f"cannot read the B2 credentials file {path}: {type(exc).__name__}"
        ) from None
    if not isinstance(data, dict):
        raise DestinationCredentialsError(f"the B2 credentials file {path} is malformed")
    return data


def _keyring_error(action: str) -> DestinationCredentialsError:
    return DestinationCredentialsError(
        f"cannot {action} the B2 key in the OS keyring: no usable keyring here",
        hint="use '--store file' (a 0600 file in the config dir) or '--store env'",
    )


def load_credentials(home: Path, store: str, destination: str) -> B2Credentials:
    """The credentials for ``destination`` from ``store``.

    Raises :class:`~keyvault.errors.DestinationCredentialsError` (with a hint) when they
    are not there; ``ValueError`` for an unknown store name.
    """
    store = _check_store(store)
    if store == "env":
        found = credentials_from_env()
        if found is None:
            raise DestinationCredentialsError(
                f"B2 destination {destination!r} takes its key from the environment, "
                f"but {ENV_KEY_ID} and {ENV_KEY} are not both set",
                hint=f"export {ENV_KEY_ID} and {ENV_KEY}",
            )
        return found
    if store == "keyring":
        if not keyring_available():
            raise _keyring_error("read")
        import keyring
        import keyring.errors

        try:
            text = keyring.get_password(KEYRING_SERVICE, destination)
        except keyring.errors.KeyringError:
            raise _keyring_error("read") from None
        if text is None:
            raise DestinationCredentialsError(
                f"no B2 key for destination {destination!r} in the OS keyring",
                hint="store it again with 'keyvault dest add b2 ...'",
            )
        return _decode(text, "keyring", "the OS keyring")
    entry = _read_file(home).get(destination)
    if entry is None:
        raise DestinationCredentialsError(
            f"no B2 key for destination {destination!r} in {_file_path(home)}",
            hint="store it again with 'keyvault dest add b2 ... --store file'",
        )
    return _decode(json.dumps(entry), "file", str(_file_path(home)))


def save_credentials(home: Path, store: str, destination: str, credentials: B2Credentials) -> None:
    """Keep ``credentials`` for ``destination`` in ``store`` (``env`` stores nothing)."""
    store = _check_store(store)
    if store == "env":
        return
    if store == "keyring":
        if not keyring_available():
            raise _keyring_error("store")
        import keyring
        import keyring.errors

        try:
            keyring.set_password(KEYRING_SERVICE, destination, _encode(credentials))
        except keyring.errors.KeyringError:
            raise _keyring_error("store") from None
        return
    data = _read_file(home)
    data[destination] = json.loads(_encode(credentials))
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        atomic_write(_file_path(home), json.dumps(data, indent=2).encode("utf-8"), mode=0o600)
    except OSError as exc:
        raise ConfigError(f"cannot write {_file_path(home)}: {exc.strerror}") from None


def delete_credentials(home: Path, store: str, destination: str) -> None:
    """Forget the stored credentials of ``destination`` (missing ones are not an error)."""
    store = _check_store(store)
    if store == "env":
        return
    if store == "keyring":
        if not keyring_available():
            return
        import keyring
        import keyring.errors

        try:
            keyring.delete_password(KEYRING_SERVICE, destination)
        except keyring.errors.KeyringError:  # PasswordDeleteError included: already gone
            pass
        return
    data = _read_file(home)
    if data.pop(destination, None) is not None:
        atomic_write(_file_path(home), json.dumps(data, indent=2).encode("utf-8"), mode=0o600)
