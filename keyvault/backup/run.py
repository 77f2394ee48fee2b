"""One engine call's context: config, keys, local state, the wrapped destinations and
the ciphertext spool (:class:`RunContext`), loaded once per call and shared by everything
the call does (a backup's closing status included)."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import secrets
import shutil
import time
import unicodedata
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, cast

from keyvault import layout
from keyvault.crypto import X25519Recipient
from keyvault.destinations.base import Destination
from keyvault.destinations.factory import open_destination
from keyvault.destinations.wrappers import CheckedDestination, HashingSink, wrap
from keyvault.vault.config import Config, VaultSection, load_config
from keyvault.vault.keystore import (
    manifest_mac_key,
)
from keyvault.vault.lock import pid_alive
from keyvault.vault.state import State, utc_now

from .manifest import (
    reader_identity,
)
from .reports import ProgressEvent, ProgressFn

__all__ = [
    "CHUNK",
    "SPOOL_DIR",
    "HashSink",
    "RunContext",
    "as_binary",
    "open_destinations",
    "safe_name",
    "sha256",
]


CHUNK = 1 << 20


SPOOL_DIR = "spool"


#: The engine's hashing sink is the wrappers' (one implementation).
HashSink = HashingSink


def as_binary(stream: io.IOBase) -> BinaryIO:
    return cast(BinaryIO, stream)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def safe_name(name: str) -> str:
    """A file name made from an item name: no separators, control characters or dots only."""
    cleaned = "".join(
        "_" if ch in "/\\:" or unicodedata.category(ch).startswith("C") else ch for ch in name
    ).strip()
    if cleaned in ("", ".", ".."):
        cleaned = "item"
    return cleaned[:200]


def open_destinations(
    config: Config,
    home: Path,
    destinations: Sequence[Destination] | None = None,
    *,
    dry_run: bool = False,
) -> list[CheckedDestination]:
    """Every configured destination (or ``destinations``, given by a test or the GUI),
    opened and wrapped once in the one wrapper stack (:func:`~keyvault.destinations.
    wrappers.wrap`: bounded reads, read-back verification, retries within one attempt
    budget, dry run). Opening never touches the storage."""
    if destinations is None:
        vault_id = config.vault.id if config.vault is not None else None
        destinations = [
            open_destination(cfg, home, vault_id=vault_id) for cfg in config.destinations
        ]
    return [wrap(dest, dry_run=dry_run) for dest in destinations]


class RunContext:
    """What one engine call works with: config, keys, state, destinations, spool."""

    def __init__(
        self,
        home: Path,
        state: State,
        *,
        destinations: Sequence[Destination] | None,
        progress: ProgressFn | None,
        now: datetime | None,
    ) -> None:
        self.home = Path(home)
        self.state = state
        self.config = load_config(self.home)
        self.vault: VaultSection = self.config.require_vault()
        # From the config just loaded (what keystore.vault_recipient reads), not again.
        self.recipient = X25519Recipient.parse(self.vault.recipient)
        #: The recipient as text (what versions record), encoded once per run.
        self.recipient_text = str(self.recipient)
        self.mac_key = manifest_mac_key(self.home)
        self.reader = reader_identity(self.mac_key)
        self.now = now or utc_now()
        self.progress = progress
        self.dests = open_destinations(self.config, self.home, destinations)
        self.spool = self.home / SPOOL_DIR / f"{os.getpid()}-{secrets.token_hex(8)}"
        self.run_generation: int | None = None

    # keys at a destination (keyvault.layout spells them)
    def object_key(self, object_id: str) -> str:
        return layout.object_key(self.vault.id, object_id)

    @property
    def objects_prefix(self) -> str:
        return layout.objects_prefix(self.vault.id)

    @property
    def manifest_key(self) -> str:
        return layout.manifest_key(self.vault.id)

    @property
    def key_key(self) -> str:
        return layout.key_key(self.vault.id)

    def emit(self, event: ProgressEvent) -> None:
        if self.progress is not None:
            self.progress(event)

    def byte_progress(
        self, phase: str, item: str | None, dest: str | None, total: int | None
    ) -> Callable[[int, int | None], None]:
        def callback(done: int, known_total: int | None = None) -> None:
            self.emit(ProgressEvent(phase, item, dest, done, known_total or total))

        return callback

    # the ciphertext spool: one folder per call, removed at its end
    def clear_spool(self) -> None:
        shutil.rmtree(self.spool, ignore_errors=True)
        with contextlib.suppress(OSError):
            self.spool.parent.rmdir()

    def clear_stale_spools(self) -> None:
        """Remove spool folders left by killed runs (their process is gone) or older than
        a day (a reused pid). Call only while holding the run lock."""
        root = self.spool.parent
        with contextlib.suppress(OSError):
            for folder in root.iterdir():
                pid_text = folder.name.split("-", 1)[0]
                stale = time.time() - folder.stat().st_mtime > 24 * 3600
                if stale or not pid_text.isdigit() or not pid_alive(int(pid_text)):
                    shutil.rmtree(folder, ignore_errors=True)

    def spool_path(self) -> Path:
        self.spool.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self.spool / f"{secrets.token_hex(16)}.age"
