"""Benchmark: what one B2 put costs in hashing and, when B2 keeps failing, in HTTP requests.

    python bench/bench_b2_put.py
    PYTHONPATH=<an older tree> python bench/bench_b2_put.py   # the same figures, before

Against the loopback B2 HTTP test server (``tests/destinations/b2_server.py``, b2sdk's
simulator behind B2's JSON API): (1) the ciphertext bytes fed to SHA-1 and sha256 by the
client per put, and the bytes it read from the source, divided by the object's size (the
server's own checks run in other threads and are not counted); the put is given the
object's sha256, as the engine gives it (a tree whose put takes none is asked without);
(2) for an upload the server answers with 503 every time,
through the engine's retry wrapper (``RetryingDestination``, 4 attempts, waits cut to
nothing): the upload requests and all HTTP requests made before the typed error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from keyvault.destinations.b2 import B2Destination, B2Settings
from keyvault.destinations.wrappers import RetryingDestination
from keyvault.errors import DestinationError
from keyvault.secret import Secret
from tests.destinations.b2_server import (
    B2TestServer,
    CountingSource,
    KeyvaultSimulator,
    create_account,
)

try:
    from keyvault.destinations.b2.credentials import B2Credentials
except ImportError:  # a tree from before the b2 package
    from keyvault.destinations.b2_credentials import B2Credentials  # type: ignore[no-redef]

PART = 1_000_000
COUNTS = {"sha1": 0, "sha256": 0}
REAL = {name: getattr(hashlib, name) for name in COUNTS}
MAIN = threading.main_thread()


class _Counting:
    def __init__(self, name: str, inner: Any) -> None:
        self._name, self._inner = name, inner

    def update(self, data: bytes) -> None:
        if threading.current_thread() is MAIN:
            COUNTS[self._name] += len(memoryview(data).cast("B"))
        self._inner.update(data)

    def hexdigest(self) -> str:
        return str(self._inner.hexdigest())

    def digest(self) -> bytes:
        return bytes(self._inner.digest())


def _counting(name: str) -> Any:
    def make(data: bytes = b"", **kwargs: Any) -> _Counting:
        hashed = _Counting(name, REAL[name](**kwargs))
        hashed.update(data)
        return hashed

    return make


def _put(dest: Any, key: str, source: io.BytesIO, size: int, sha256: str) -> None:
    try:
        dest.put(key, source, size, sha256=sha256)
    except TypeError:  # a tree from before put took the caller's sha256
        source.seek(0)
        dest.put(key, source, size)


def _settings() -> Any:
    wanted = {"connect_timeout": 5.0, "read_timeout": 5.0, "backoff_initial": 0.0,
              "backoff_max": 0.0, "sleep": lambda _: None}  # fmt: skip
    names = {f.name for f in dataclasses.fields(B2Settings)}
    return B2Settings(**{k: v for k, v in wanted.items() if k in names})


def main() -> None:
    print("| object | client SHA-1 / size | client sha256 / size | source bytes read / size "
          "| always-503 upload: upload requests | all HTTP requests |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for label, size in (("64 KiB (one b2_upload_file)", 64 << 10), ("3 MB (3 parts)", 3 * PART)):
        sim = KeyvaultSimulator(part_size=PART)
        key = create_account(sim, "kv")
        with B2TestServer(sim) as server, tempfile.TemporaryDirectory() as tmp:
            dest = B2Destination(
                name="offsite",
                bucket="kv",
                prefix="bench",
                credentials=B2Credentials(key[0], Secret(key[1]), "env"),
                cache_path=Path(tmp) / "cache.sqlite",
                realm=server.realm_url,
                settings=_settings(),
            )
            dest.check_available()
            data = os.urandom(size)
            sha256 = hashlib.sha256(data).hexdigest()
            source = CountingSource(data)
            for name in COUNTS:
                COUNTS[name] = 0
                setattr(hashlib, name, _counting(name))
            try:
                _put(dest, "keyvault/v/objects/a.age", source, size, sha256)
            finally:
                for name in COUNTS:
                    setattr(hashlib, name, REAL[name])
            endpoint = "b2_upload_file" if size <= PART else "b2_upload_part"
            server.inject("503", endpoint=endpoint, times=10**6)
            server.reset_calls()
            retrying = RetryingDestination(dest, attempts=4, sleep=lambda _: None)
            try:
                retrying.put("keyvault/v/objects/b.age", io.BytesIO(os.urandom(size)), size)
            except DestinationError:
                pass
            print(
                f"| {label} | {COUNTS['sha1'] / size:.0f}x | {COUNTS['sha256'] / size:.0f}x "
                f"| {source.read_bytes / size:.0f}x "
                f"| {server.endpoints().count(endpoint)} | {len(server.endpoints())} |"
            )


if __name__ == "__main__":
    main()
