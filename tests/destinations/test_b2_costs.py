"""What B2 bills: a backup with nothing to do costs at most 2 Class C calls per destination.

The HTTP test server counts every call by B2's billing class. A "run" is a fresh
B2Destination over the same config dir, as a new ``keyvault backup`` process would be.
The engine's no-change path touches a destination with ``list`` (of the vault prefix),
``stat`` and ``get``: one ``b2_list_file_names`` (Class C), a HEAD and a download (Class B).
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import sqlite3
import stat as stat_module
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest

from keyvault.destinations.b2 import B2Destination, B2Settings, cache_path_for
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.secret import Secret

from .b2_server import (
    FAST,
    B2TestServer,
    CountingSource,
    KeyvaultSimulator,
    create_account,
    create_key,
)

BUCKET = "kv-bucket"
VAULT = "keyvault/0123abcd/"
MANIFEST = VAULT + "manifest.age"


def _run(
    server: B2TestServer, home: Path, key: tuple[str, str], *, hours_later: float = 0
) -> B2Destination:
    settings = B2Settings(**FAST, clock=lambda: time.time() + hours_later * 3600)  # type: ignore[arg-type]
    return B2Destination(
        name="offsite",
        bucket=BUCKET,
        prefix="laptop",
        credentials=B2Credentials(key[0], Secret(key[1], label="B2 application key"), "env"),
        cache_path=cache_path_for(home, "offsite"),
        realm=server.realm_url,
        settings=settings,
    )


def _first_backup(dest: B2Destination) -> None:
    for name, data in ((MANIFEST, b"manifest" * 10), (VAULT + "objects/a.age", b"object")):
        dest.put(name, io.BytesIO(data), len(data))


def _no_change_run(dest: B2Destination) -> None:
    assert [info.key for info in dest.list(VAULT)] == [MANIFEST, VAULT + "objects/a.age"]
    dest.stat(MANIFEST)
    dest.get(MANIFEST, io.BytesIO())


@pytest.fixture
def server() -> B2TestServer:
    with B2TestServer(KeyvaultSimulator(part_size=100_000)) as srv:
        yield srv  # type: ignore[misc]


def test_no_change_run_makes_one_class_c_call(server: B2TestServer, tmp_path: Path) -> None:
    key = create_account(server.sim, BUCKET)
    _first_backup(_run(server, tmp_path, key))
    assert server.endpoints()[:2] == ["b2_authorize_account", "b2_list_buckets"]
    for _ in range(2):
        server.reset_calls()
        _no_change_run(_run(server, tmp_path, key))
        assert server.counts()["C"] == 1, server.endpoints()
        assert server.endpoints().count("b2_list_file_names") == 1


def test_a_day_later_the_token_is_renewed_first(server: B2TestServer, tmp_path: Path) -> None:
    key = create_account(server.sim, BUCKET)
    _first_backup(_run(server, tmp_path, key))
    for token in list(server.sim.auth_token_to_key):
        server.sim.expire_auth_token(token)  # B2 tokens last 24 hours
    server.reset_calls()
    _no_change_run(_run(server, tmp_path, key, hours_later=24))
    assert server.counts()["C"] == 2, server.endpoints()
    assert server.endpoints()[:2] == ["b2_authorize_account", "b2_list_file_names"]
    # The bucket id survived the re-authorization (b2sdk alone would list buckets again).
    assert "b2_list_buckets" not in server.endpoints()


def test_an_early_expired_token_is_renewed_transparently(
    server: B2TestServer, tmp_path: Path
) -> None:
    key = create_account(server.sim, BUCKET)
    _first_backup(_run(server, tmp_path, key))
    for token in list(server.sim.auth_token_to_key):
        server.sim.expire_auth_token(token)
    server.reset_calls()
    _no_change_run(_run(server, tmp_path, key, hours_later=1))
    # The refused call, the authorization, the call again; no bucket listing.
    assert server.endpoints()[:3] == [
        "b2_list_file_names",
        "b2_authorize_account",
        "b2_list_file_names",
    ]
    assert server.endpoints().count("b2_authorize_account") == 1


def test_restricted_key_needs_no_bucket_listing(server: B2TestServer, tmp_path: Path) -> None:
    master = create_account(server.sim, BUCKET)
    key = create_key(
        server.sim,
        master,
        ["listFiles", "readFiles", "writeFiles", "deleteFiles"],
        bucket=BUCKET,
        name_prefix="laptop/",
    )
    _first_backup(_run(server, tmp_path, key))
    assert "b2_list_buckets" not in server.endpoints()
    assert server.counts()["C"] == 1  # the authorization


def test_the_cache_is_private_and_holds_no_key(server: B2TestServer, tmp_path: Path) -> None:
    key = create_account(server.sim, BUCKET)
    _first_backup(_run(server, tmp_path, key))
    path = cache_path_for(tmp_path, "offsite")
    assert stat_module.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat_module.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert key[1].encode() not in path.read_bytes()
    with sqlite3.connect(path) as conn:
        stored = conn.execute("SELECT application_key FROM account").fetchone()
    assert stored == ("",)


def test_no_key_in_logs_or_reprs(
    server: B2TestServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    key = create_account(server.sim, BUCKET)
    with caplog.at_level(logging.DEBUG):
        dest = _run(server, tmp_path, key)
        _first_backup(dest)
        for token in list(server.sim.auth_token_to_key):
            server.sim.expire_auth_token(token)  # forces a re-authorization with the key
        _no_change_run(dest)
        text = repr(dest) + repr(dest.connection.credentials) + str(dest.connection.credentials)
    assert caplog.records, "nothing was logged at DEBUG level"
    logged = "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    assert key[1] not in logged
    assert key[1] not in text


class _CountingHash:
    """A hashlib object that adds the bytes it is fed to ``counts[name]``."""

    def __init__(self, name: str, inner: Any, counts: dict[str, int]) -> None:
        self._name, self._inner, self._counts = name, inner, counts

    def update(self, data: bytes) -> None:
        self._counts[self._name] += len(memoryview(data).cast("B"))
        self._inner.update(data)

    def hexdigest(self) -> str:
        return str(self._inner.hexdigest())

    def digest(self) -> bytes:
        return bytes(self._inner.digest())


@pytest.mark.parametrize("size", [50_000, 3 * 100_000 + 17], ids=["small", "large"])
def test_a_put_reads_its_source_once_and_spools_nothing_and_a_get_hashes_once(
    server: B2TestServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    key = create_account(server.sim, BUCKET)
    dest = _run(server, tmp_path, key)
    dest.check_available()
    counts = {"sha1": 0, "sha256": 0}
    for name in counts:
        real = getattr(hashlib, name)
        monkeypatch.setattr(
            hashlib,
            name,
            lambda *a, _n=name, _r=real, **k: _CountingHash(_n, _r(*a, **k), counts),
        )

    def no_spool(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a put must not spool its source")

    real_spool = tempfile.SpooledTemporaryFile
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", no_spool)
    data = os.urandom(size)
    sha256 = hashlib.sha256(data).hexdigest()  # data given to the constructor: not counted
    source = CountingSource(data)
    dest.put(VAULT + "objects/big.age", source, size, sha256=sha256)
    # With the sha256 known (as the engine knows it), the upload is the one pass: it
    # reads the source once and hashes each request's bytes (SHA-1) as it sends them.
    assert counts == {"sha1": size, "sha256": 0}
    assert source.read_bytes == size
    # A caller that does not know the sha256 costs one pass more, to hash it.
    counts.update(sha1=0, sha256=0)
    other = CountingSource(data)
    dest.put(VAULT + "objects/other.age", other, size)
    assert counts == {"sha1": size, "sha256": size}
    assert other.read_bytes == 2 * size
    # A get (the engine's read-back) checks the one recorded sha256, in one pass.
    monkeypatch.setattr(tempfile, "SpooledTemporaryFile", real_spool)
    counts.update(sha1=0, sha256=0)
    sink = io.BytesIO()
    dest.get(VAULT + "objects/big.age", sink)
    assert sink.getvalue() == data
    assert counts == {"sha1": 0, "sha256": size}
    monkeypatch.undo()
    assert server.sim.stored(BUCKET, "laptop/" + VAULT + "objects/big.age") == data
