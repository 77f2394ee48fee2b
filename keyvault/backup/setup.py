"""Adding and removing backup destinations: the steps both faces (CLI, GUI) share.

- :func:`add_local_destination`: a folder on a drive. The folder must exist (a missing
  one may be a drive that is not mounted); it gets the vault's public marker
  ``keyvault/<vault-id>/vault.json`` and the config records its filesystem UUID where the
  OS tells, so that later an empty mount point is reported missing, never written to.
- :func:`check_b2_destination` then :func:`add_b2_destination`: a Backblaze B2 bucket
  (prefix). The first checks everything that needs no key (so a face can refuse early,
  before asking for one); the second checks the key and the bucket at B2 before anything
  is saved, writes the same marker, stores the key in the chosen store and records the
  destination (never the key) in the config.
- :func:`update_destination`: change a destination's media kind, offsite or offline
  mark after it was added.
- :func:`remove_destination`: stop backing up to a destination. Its copies stay where
  they are; a B2 destination's stored key and local cache are deleted.

Faces add their own wording (hints naming commands or buttons); what is wrong is said
by the typed errors raised here. b2sdk is reached only through
:mod:`keyvault.destinations.b2`, imported when a B2 function runs.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keyvault.destinations import mounts
from keyvault.destinations.base import Destination
from keyvault.destinations.local import create_marker
from keyvault.destinations.wrappers import wrap
from keyvault.errors import (
    AlreadyExistsError,
    DestinationCredentialsError,
    DestinationError,
    InvalidValueError,
    KeyvaultError,
    NotFoundError,
    ObjectNotFoundError,
)
from keyvault.layout import MARKER_CAP, marker_document, marker_key, parse_marker
from keyvault.vault.config import Config, DestinationConfig, load_config, save_config

if TYPE_CHECKING:
    from keyvault.destinations.b2 import B2Probe, RetentionMode
    from keyvault.destinations.b2.credentials import B2Credentials

__all__ = [
    "DESTINATION_NAME_RULE",
    "LOCAL_MEDIA",
    "MAX_IMMUTABLE_DAYS",
    "AddedB2Destination",
    "AddedLocalDestination",
    "B2Target",
    "RemovedDestination",
    "UpdatedDestination",
    "add_b2_destination",
    "add_local_destination",
    "check_b2_destination",
    "check_new_destination",
    "is_valid_destination_name",
    "remove_destination",
    "update_destination",
]

#: Media kinds a folder destination can be (a bucket is always ``cloud``).
LOCAL_MEDIA: tuple[str, ...] = ("internal", "external", "nas", "optical")
#: What a destination name may be, in words (for faces that validate as the user types).
DESTINATION_NAME_RULE = "use 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit"
#: The longest Object Lock period accepted (100 years).
MAX_IMMUTABLE_DAYS = 36500
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\Z")
_SIDECARS = ("", "-journal", "-wal", "-shm")


def _stamp(now: datetime | None) -> str:
    if now is None:
        now = datetime.now(timezone.utc)
    elif now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.isoformat(timespec="seconds")


def is_valid_destination_name(name: str) -> bool:
    """True when ``name`` follows :data:`DESTINATION_NAME_RULE`."""
    return bool(_NAME.match(name))


def check_new_destination(home: Path, name: str) -> Config:
    """The config, once it is clear that a destination ``name`` may be added to it.

    Raises :class:`~keyvault.errors.InvalidValueError` for a name against
    :data:`DESTINATION_NAME_RULE`, :class:`~keyvault.errors.VaultNotInitializedError`
    when there is no vault yet and :class:`~keyvault.errors.AlreadyExistsError` when the
    name is taken.
    """
    if not is_valid_destination_name(name):
        raise InvalidValueError(f"invalid destination name {name!r}: {DESTINATION_NAME_RULE}")
    config = load_config(home)
    config.require_vault()
    if config.destination(name) is not None:
        raise AlreadyExistsError(f"a destination called {name!r} exists already")
    return config


# --- a folder -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AddedLocalDestination:
    """What :func:`add_local_destination` did.

    ``guessed_media``: what the OS suggested (the entry's media is the one asked for, or
    this). ``warnings``: things the person should check, in words (e.g. a "drive" that
    is on the same disk as keyvault's own files: probably not mounted).
    """

    entry: DestinationConfig
    marker: Path
    guessed_media: str
    warnings: tuple[str, ...] = ()

    @property
    def folder(self) -> Path:
        """The destination folder (absolute, symlinks resolved)."""
        return Path(str(self.entry.options["path"]))

    @property
    def fs_uuid(self) -> str | None:
        """The filesystem UUID recorded for the folder, when the OS told one."""
        value = self.entry.options.get("fs_uuid")
        return str(value) if value else None


def add_local_destination(
    home: Path,
    name: str,
    path: Path,
    *,
    media: str | None = None,
    offsite: bool = False,
    offline: bool = False,
    now: datetime | None = None,
) -> AddedLocalDestination:
    """Mark the existing folder ``path`` for this vault and record it as destination ``name``.

    ``media`` is one of :data:`LOCAL_MEDIA` (``ValueError`` otherwise), or ``None`` to take
    the OS's guess (removable drive -> external, network share -> nas, else internal).
    ``now`` dates a new marker (an existing marker of this vault is kept as it is).
    Raises what :func:`check_new_destination` raises, then
    :class:`~keyvault.errors.NotFoundError` when the folder does not exist,
    :class:`~keyvault.errors.AlreadyExistsError` when another destination uses it, and
    :class:`~keyvault.errors.DestinationError` when the marker cannot be written or the
    folder holds another vault's. The config is saved only after the marker is written.
    """
    if media is not None and media not in LOCAL_MEDIA:
        raise ValueError(f"unknown media kind for a folder {media!r}")
    created = _stamp(now)
    config = check_new_destination(home, name)
    vault = config.require_vault()
    folder = Path(path).expanduser().absolute()
    if not folder.is_dir():
        raise NotFoundError(
            f"folder {folder} does not exist",
            hint="create the folder first, or connect and mount the drive",
        )
    folder = folder.resolve()
    for other in config.destinations:
        if other.type == "local" and other.options.get("path") == str(folder):
            raise AlreadyExistsError(f"destination {other.name!r} already uses {folder}")
    guessed = mounts.guess_media(folder)
    chosen = media or guessed
    warnings: list[str] = []
    if chosen in ("external", "nas") and guessed == "internal":
        # A drive that is not mounted leaves its mount point on the internal disk.
        home_place = mounts.location_id(home) if Path(home).is_dir() else None
        if home_place == mounts.location_id(folder):
            warnings.append(
                f"{folder} is on the same disk as keyvault's own files: is the drive mounted?"
            )
    fs_uuid = mounts.filesystem_uuid(folder)
    marker = create_marker(folder, vault.id, created)
    options: dict[str, Any] = {"path": str(folder), "vault_id": vault.id}
    if fs_uuid:
        options["fs_uuid"] = fs_uuid
    entry = DestinationConfig(name, "local", chosen, offsite, offline, options)
    config.destinations.append(entry)
    save_config(home, config)
    return AddedLocalDestination(entry, marker, guessed, tuple(warnings))


# --- a B2 bucket --------------------------------------------------------------------------


@dataclass(frozen=True)
class B2Target:
    """A checked request for a B2 destination (from :func:`check_b2_destination`)."""

    name: str
    bucket: str
    #: Without leading or trailing '/'; empty for the bucket's top.
    prefix: str = ""
    #: Days every uploaded object is locked for (B2 Object Lock); 0: no lock.
    immutable_days: int = 0
    retention: RetentionMode = "governance"

    @property
    def url(self) -> str:
        """``b2://bucket/prefix`` (``b2://bucket`` without a prefix)."""
        return f"b2://{self.bucket}" + (f"/{self.prefix}" if self.prefix else "")


@dataclass(frozen=True)
class AddedB2Destination:
    """What :func:`add_b2_destination` did: the entry, the marker's key at B2, where the
    key is kept, and what checking the key and the bucket found (its ``warnings`` are
    for the person: e.g. a key that cannot delete, no lifecycle rule)."""

    entry: DestinationConfig
    marker: str
    store: str
    probe: B2Probe = field(repr=False)


def check_b2_destination(
    home: Path,
    name: str,
    *,
    bucket: str,
    prefix: str = "",
    immutable_days: int = 0,
    compliance: bool = False,
) -> B2Target:
    """Check what can be checked without a key, so that a face can refuse before asking.

    Raises what :func:`check_new_destination` raises, then
    :class:`~keyvault.errors.InvalidValueError` for a bad bucket name or prefix, an
    Object Lock period outside 0..:data:`MAX_IMMUTABLE_DAYS`, or compliance mode without
    one. Nothing is written.
    """
    from keyvault.destinations.b2 import parse_b2_url

    check_new_destination(home, name)
    if not 0 <= immutable_days <= MAX_IMMUTABLE_DAYS:
        raise InvalidValueError(
            f"the Object Lock period must be 0 to {MAX_IMMUTABLE_DAYS} days, not {immutable_days}"
        )
    if compliance and not immutable_days:
        raise InvalidValueError("compliance mode needs an Object Lock period (days)")
    try:
        bucket, prefix = parse_b2_url(f"b2://{bucket}/{prefix.strip('/')}")
    except ValueError as exc:
        raise InvalidValueError(str(exc)) from None
    retention: RetentionMode = "compliance" if compliance else "governance"
    return B2Target(name, bucket, prefix, immutable_days, retention)


def _write_marker(destination: Destination, vault_id: str, created: str) -> str:
    """Put the vault's marker at ``destination`` unless it is there already; its key."""
    key = marker_key(vault_id)
    # Through the one wrapper stack like every other read and write at a destination: the
    # bucket's content is untrusted (a read bounded by the marker's cap), the put read back.
    checked = wrap(destination)
    try:
        found = checked.read_small(key, MARKER_CAP)
    except ObjectNotFoundError:
        document = marker_document(vault_id, created)
        checked.put(key, io.BytesIO(document), len(document))
        return key
    try:
        existing = parse_marker(found)
    except ValueError:
        raise DestinationError(f"{key} exists at B2 but is not a keyvault marker") from None
    if existing.vault_id != vault_id:
        raise DestinationError(f"{key} at B2 belongs to another vault")
    return key


def add_b2_destination(
    home: Path,
    target: B2Target,
    credentials: B2Credentials,
    *,
    store: str,
    now: datetime | None = None,
) -> AddedB2Destination:
    """Check the key and the bucket at B2, mark the bucket, keep the key, record ``target``.

    ``store`` (``keyring``, ``file`` or ``env``; see
    :mod:`keyvault.destinations.b2.credentials`) is where the key is kept; ``env`` stores
    nothing and fits only credentials that came from the environment (``ValueError``
    otherwise, as for an unknown store). The endpoint and timings come from the
    environment (``KEYVAULT_B2_REALM``, ``KEYVAULT_B2_TIMEOUT``, ...), as for every B2
    destination. Order: the config is checked again (:func:`check_new_destination`), a
    ``keyring`` store must be usable (else
    :class:`~keyvault.errors.DestinationCredentialsError`), then
    :meth:`~keyvault.destinations.b2.B2Destination.probe` says precisely what is wrong
    with the key or the bucket (``DestinationCredentialsError``,
    ``DestinationUnavailableError``, ``DestinationPermissionError``); only then are the
    marker written (``DestinationError`` when the bucket holds something else there),
    the key stored and the config saved.
    """
    from keyvault.destinations.b2 import B2Destination, B2Settings, cache_path_for, realm_from_env
    from keyvault.destinations.b2.credentials import (
        CREDENTIAL_STORES,
        keyring_available,
        save_credentials,
    )

    if store not in CREDENTIAL_STORES:
        raise ValueError(f"unknown credential store {store!r}")
    if store == "env" and credentials.source != "env":
        raise ValueError("store 'env' keeps nothing: it fits only keys from the environment")
    created = _stamp(now)
    vault = check_new_destination(home, target.name).require_vault()
    if store == "keyring" and not keyring_available():
        raise DestinationCredentialsError(
            "cannot store the B2 key in the OS keyring: no usable keyring here",
            hint="keep it in a file in the config dir (0600) or in the environment instead",
        )
    destination = B2Destination(
        name=target.name,
        bucket=target.bucket,
        prefix=target.prefix,
        credentials=credentials,
        cache_path=cache_path_for(home, target.name),
        realm=realm_from_env(),
        immutable_days=target.immutable_days,
        retention_mode=target.retention,
        settings=B2Settings.from_env(),
    )
    probe = destination.probe()
    marker = _write_marker(destination, vault.id, created)
    # Read again: the checks took network time, and the config may have changed meanwhile
    # (the key must not replace the one of a destination added under this name since).
    config = check_new_destination(home, target.name)
    save_credentials(home, store, target.name, credentials)
    options: dict[str, Any] = {
        "bucket": target.bucket,
        "prefix": target.prefix,
        "immutable_days": target.immutable_days,
        "retention": target.retention,
        "credentials": store,
        "vault_id": vault.id,
    }
    entry = DestinationConfig(target.name, "b2", "cloud", True, False, options)
    config.destinations.append(entry)
    save_config(home, config)
    return AddedB2Destination(entry, marker, store, probe)


# --- changing ----------------------------------------------------------------------------


@dataclass(frozen=True)
class UpdatedDestination:
    """What :func:`update_destination` did: the entry as it was and as it is now
    (``changed`` is empty when nothing differed)."""

    before: DestinationConfig
    entry: DestinationConfig

    @property
    def changed(self) -> tuple[str, ...]:
        """The names of the properties whose value changed (``media``, ``offsite``, ...)."""
        return tuple(
            key
            for key in ("media", "offsite", "offline")
            if getattr(self.before, key) != getattr(self.entry, key)
        )


def update_destination(
    home: Path,
    name: str,
    *,
    media: str | None = None,
    offsite: bool | None = None,
    offline: bool | None = None,
) -> UpdatedDestination:
    """Change destination ``name``'s media kind, offsite or offline mark (``None``: keep).

    ``media`` is one of :data:`LOCAL_MEDIA` or ``cloud`` (``ValueError`` otherwise). Raises
    :class:`~keyvault.errors.NotFoundError` when there is no such destination and
    :class:`~keyvault.errors.InvalidValueError` for a media kind the destination cannot
    be (a bucket is always ``cloud``; a folder never is). Nothing else about the
    destination changes; the config is saved only when a value differs.
    """
    if media is not None and media not in (*LOCAL_MEDIA, "cloud"):
        raise ValueError(f"unknown media kind {media!r}")
    config = load_config(home)
    entry = config.destination(name)
    if entry is None:
        raise NotFoundError(f"no destination called {name!r}")
    if media is not None and (media == "cloud") != (entry.type == "b2"):
        kinds = "cloud" if entry.type == "b2" else ", ".join(LOCAL_MEDIA)
        raise InvalidValueError(
            f"destination {name!r} ({entry.type}) cannot be {media!r}: it can be {kinds}"
        )
    before = replace(entry, options=dict(entry.options))
    if media is not None:
        entry.media = media
    if offsite is not None:
        entry.offsite = offsite
    if offline is not None:
        entry.offline = offline
    updated = UpdatedDestination(before, entry)
    if updated.changed:
        save_config(home, config)
    return updated


# --- removing -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RemovedDestination:
    """What :func:`remove_destination` did: the entry it removed from the config, and
    what it could not clean up (in words; the removal itself stands)."""

    entry: DestinationConfig
    warnings: tuple[str, ...] = ()


def _forget_b2(home: Path, entry: DestinationConfig) -> list[str]:
    """Delete a removed B2 destination's stored key and local cache; what failed, in words."""
    from keyvault.destinations.b2 import cache_path_for
    from keyvault.destinations.b2.credentials import delete_credentials

    warnings: list[str] = []
    store = str(entry.options.get("credentials", "env"))
    try:
        delete_credentials(home, store, entry.name)
    except ValueError:
        warnings.append(f"the B2 key's store {store!r} is unknown: nothing was deleted there")
    except (KeyvaultError, OSError) as exc:
        why = exc.message if isinstance(exc, KeyvaultError) else exc.strerror
        warnings.append(f"the stored B2 key of {entry.name!r} could not be deleted ({why})")
    cache = cache_path_for(home, entry.name)
    for suffix in _SIDECARS:
        path = cache.with_name(cache.name + suffix)
        try:
            path.unlink(missing_ok=True)
        except OSError as exc:
            warnings.append(f"{path} could not be deleted ({exc.strerror})")
    return warnings


def remove_destination(home: Path, name: str) -> RemovedDestination:
    """Stop backing up to destination ``name``; the copies already there stay in place.

    The config is saved first; then, for a B2 destination, its key is deleted from the
    store it was kept in (keyring or file; ``env`` keeps nothing) and its local cache
    (authorization, bucket id, records of unfinished uploads) is deleted. Raises
    :class:`~keyvault.errors.NotFoundError` when there is no such destination.
    """
    config = load_config(home)
    entry = config.destination(name)
    if entry is None:
        raise NotFoundError(f"no destination called {name!r}")
    config.destinations.remove(entry)
    save_config(home, config)
    warnings = _forget_b2(home, entry) if entry.type == "b2" else []
    return RemovedDestination(entry, tuple(warnings))
