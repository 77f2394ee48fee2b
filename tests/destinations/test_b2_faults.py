"""B2 under faults: every call position of a put/get sequence, one fault per run, each kind.

B2 makes one attempt per operation and raises RetryableDestinationError for what may
pass; the engine's retry wrapper is the only retry loop. So the tests that expect success
after a fault wrap the destination in RetryingDestination, as ``open_destinations`` does,
and the tests of a service that stays down count the HTTP attempts.

The faults come from the HTTP test server (b2_server.py): b2sdk's real HTTP stack meets
503s, 429s with Retry-After, timeouts, dropped connections (before and after the server
did the work), expired tokens, corrupted and truncated downloads. After every run the
simulator is inspected directly: no unfinished large file may be left, and whatever the
destination reported as stored must really be there, byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyvault.destinations.b2 import B2Destination, B2Settings
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.destinations.base import Destination
from keyvault.destinations.wrappers import CheckedDestination, RetryingDestination
from keyvault.errors import (
    DestinationError,
    DestinationUnavailableError,
    ObjectNotFoundError,
    RetryableDestinationError,
)
from keyvault.secret import Secret

from .b2_server import (
    FAST,
    FAULT_KINDS,
    B2TestServer,
    Call,
    KeyvaultSimulator,
    create_account,
    iter_positions,
)

PART = 100_000
BUCKET = "kv-bucket"
PREFIX = "offsite"
SMALL_KEY = "keyvault/v1/objects/small.age"
LARGE_KEY = "keyvault/v1/objects/large.age"
SMALL = b"age-encryption.org/v1 small object \x00\xff" * 20
LARGE = os.urandom(3 * PART + 1234)
SETTINGS = B2Settings(**{**FAST, "read_timeout": 0.25})  # type: ignore[arg-type]
STALL = 0.6
#: The retry wrapper's attempts per operation (its default).
ATTEMPTS = 4


class World:
    """A fresh simulated account behind a fresh HTTP server, and a destination on it."""

    def __init__(self, tmp_path: Path) -> None:
        self.sim = KeyvaultSimulator(part_size=PART)
        self.key = create_account(self.sim, BUCKET)
        self.server = B2TestServer(self.sim, stall=STALL).start()
        self.cache = tmp_path / "cache.sqlite"

    def destination(self, settings: B2Settings = SETTINGS) -> B2Destination:
        return B2Destination(
            name="offsite",
            bucket=BUCKET,
            prefix=PREFIX,
            credentials=B2Credentials(self.key[0], Secret(self.key[1]), "env"),
            cache_path=self.cache,
            realm=self.server.realm_url,
            settings=settings,
        )

    def retrying(self, attempts: int = ATTEMPTS) -> RetryingDestination:
        """The destination in the engine's retry wrapper (no waits)."""
        return RetryingDestination(self.destination(), attempts=attempts, sleep=lambda _: None)

    def stored(self, key: str) -> bytes | None:
        return self.sim.stored(BUCKET, f"{PREFIX}/{key}")


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.server.stop()


def get(dest: Destination, key: str) -> bytes:
    sink = io.BytesIO()
    dest.get(key, sink)
    return sink.getvalue()


class Pipe(io.RawIOBase):
    """A sink that cannot be rewound (as the pipe into the decryptor): B2 spools first."""

    def __init__(self) -> None:
        super().__init__()
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.data += data
        return len(data)


def get_through(sink_kind: str, dest: Destination, key: str) -> bytes:
    """``key``'s bytes read into each kind of sink a get meets: a plain file (B2 hashes),
    the wrappers' hashing sink (B2 takes its sha256: one pass), a pipe (B2 spools)."""
    if sink_kind == "file":
        return get(dest, key)
    if sink_kind == "hashing":
        target = io.BytesIO()
        read = CheckedDestination(dest).read_into(key, target, 1 << 30)
        assert read.sha256 == hashlib.sha256(target.getvalue()).hexdigest()
        return target.getvalue()
    pipe = Pipe()
    dest.get(key, pipe)  # type: ignore[arg-type]
    return bytes(pipe.data)


SINK_KINDS = ["file", "hashing", "pipe"]


def sequence(dest: Destination) -> None:
    """What a first backup and a verify do: put small and large, read back, stat, list."""
    dest.put(SMALL_KEY, io.BytesIO(SMALL), len(SMALL))
    dest.put(LARGE_KEY, io.BytesIO(LARGE), len(LARGE))
    assert get(dest, SMALL_KEY) == SMALL
    assert get(dest, LARGE_KEY) == LARGE
    assert dest.stat(SMALL_KEY).size == len(SMALL)
    assert [info.key for info in dest.list("keyvault/v1/")] == [LARGE_KEY, SMALL_KEY]


def baseline_calls(tmp_path: Path) -> list[Call]:
    world = World(tmp_path / "baseline")
    try:
        sequence(world.retrying())
        return list(world.server.calls)
    finally:
        world.server.stop()


def test_the_sequence_covers_every_kind_of_call(tmp_path: Path) -> None:
    endpoints = {call.endpoint for call in baseline_calls(tmp_path)}
    assert endpoints == {
        "b2_authorize_account",
        "b2_list_buckets",
        "b2_get_upload_url",
        "b2_upload_file",
        "b2_start_large_file",
        "b2_get_upload_part_url",
        "b2_upload_part",
        "b2_finish_large_file",
        "b2_download_file_by_name",
        "b2_head_file_by_name",
        "b2_list_file_names",
    }


@pytest.mark.slow
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_one_fault_at_every_call_position(tmp_path: Path, kind: str) -> None:
    calls = baseline_calls(tmp_path)
    positions = list(iter_positions(calls, kind))
    assert positions, f"no call position takes a {kind} fault"
    problems: list[str] = []
    for position in positions:
        world = World(tmp_path / f"{kind}-{position}")
        world.server.inject(kind, index=position)
        where = f"{kind} at call {position} ({calls[position].endpoint})"
        try:
            sequence(world.retrying())
        except DestinationError as exc:
            # Allowed by the contract, but with one fault the retries should always win.
            problems.append(f"{where}: {type(exc).__name__}: {exc}")
        except AssertionError as exc:
            problems.append(f"{where}: wrong result: {exc}")
        finally:
            world.server.stop()
        assert world.server.calls[position].fault == kind, f"{where}: fault not delivered"
        if world.sim.unfinished_large_files():
            problems.append(f"{where}: unfinished large files left behind")
        # Never an unverified success: what was reported stored is there, exactly.
        if world.stored(SMALL_KEY) not in (None, SMALL) or world.stored(LARGE_KEY) not in (
            None,
            LARGE,
        ):
            problems.append(f"{where}: stored bytes differ")
    assert not problems, "\n".join(problems)


# --- a destination that stays down ------------------------------------------------------


@pytest.mark.parametrize("kind", ["503", "429", "drop", "timeout"])
def test_a_service_that_stays_down_gives_a_typed_error(world: World, kind: str) -> None:
    world.server.inject(kind, index=0, times=10_000)
    with pytest.raises(RetryableDestinationError) as raised:
        world.destination().put(SMALL_KEY, io.BytesIO(SMALL), len(SMALL))
    assert "offsite" in str(raised.value)
    # One attempt, one HTTP request (the authorization): b2sdk repeats nothing.
    assert len(world.server.calls) == 1
    assert world.stored(SMALL_KEY) is None


@pytest.mark.parametrize(
    ("key", "data", "endpoint"),
    [(SMALL_KEY, SMALL, "b2_upload_file"), (LARGE_KEY, LARGE, "b2_upload_part")],
    ids=["small", "large"],
)
def test_an_upload_that_always_fails_costs_one_attempt_per_wrapper_try(
    world: World, key: str, data: bytes, endpoint: str
) -> None:
    world.server.inject("503", endpoint=endpoint, times=10_000)
    with pytest.raises(RetryableDestinationError):
        world.destination().put(key, io.BytesIO(data), len(data))
    assert world.server.endpoints().count(endpoint) == 1
    world.server.reset_calls()
    with pytest.raises(RetryableDestinationError):
        world.retrying().put(key, io.BytesIO(data), len(data))
    # The wrapper's attempts are the only retries: no b2sdk or B2-level repeats on top.
    assert world.server.endpoints().count(endpoint) == ATTEMPTS
    assert world.sim.unfinished_large_files() == []
    assert world.stored(key) is None


def test_parts_that_keep_failing_are_cancelled(world: World) -> None:
    world.server.inject("503", endpoint="b2_upload_part", nth=1, times=10_000)
    with pytest.raises(RetryableDestinationError):
        world.retrying().put(LARGE_KEY, io.BytesIO(LARGE), len(LARGE))
    assert world.sim.unfinished_large_files() == []
    assert world.server.endpoints().count("b2_cancel_large_file") == ATTEMPTS
    assert world.stored(LARGE_KEY) is None


def test_an_outage_mid_upload_is_swept_by_the_next_run(world: World) -> None:
    dest = world.destination()
    dest.check_available()
    start = len(world.server.calls)
    # Everything fails from the second part on, the cancel included.
    world.server.inject("drop", index=start + 4, times=10_000)
    with pytest.raises(RetryableDestinationError):
        dest.put(LARGE_KEY, io.BytesIO(LARGE), len(LARGE))
    assert world.sim.unfinished_large_files() == [f"{PREFIX}/{LARGE_KEY}"]
    world.server.faults.clear()
    world.server.reset_calls()
    later = world.destination()  # a later run: a new process with the same cache
    assert list(later.list("keyvault/")) == []
    assert world.sim.unfinished_large_files() == []
    assert "b2_cancel_large_file" in world.server.endpoints()


def test_an_interrupted_upload_is_cancelled(world: World) -> None:
    dest = world.destination()

    def interrupt(done: int, total: int | None) -> None:
        if done > PART:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        dest.put(LARGE_KEY, io.BytesIO(LARGE), len(LARGE), interrupt)
    assert world.sim.unfinished_large_files() == []


def test_a_killed_process_leaves_nothing_after_the_next_run(world: World, tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import io, os, sys
        from pathlib import Path
        from keyvault.destinations.b2 import B2Destination, B2Settings
        from keyvault.destinations.b2.credentials import B2Credentials
        from keyvault.secret import Secret

        dest = B2Destination(
            name="offsite", bucket={BUCKET!r}, prefix={PREFIX!r},
            credentials=B2Credentials(sys.argv[1], Secret(sys.stdin.read()), "env"),
            cache_path=Path({str(world.cache)!r}), realm={world.server.realm_url!r},
        )
        def die(done, total):
            if done > {PART}:
                os._exit(9)  # as a power cut or kill -9 would
        data = os.urandom({len(LARGE)})
        dest.put({LARGE_KEY!r}, io.BytesIO(data), len(data), die)
        """
    )
    killed = subprocess.run(
        [sys.executable, "-c", script, world.key[0]],
        input=world.key[1].encode(),
        capture_output=True,
        timeout=60,
    )
    assert killed.returncode == 9, killed.stderr.decode()
    assert world.sim.unfinished_large_files() == [f"{PREFIX}/{LARGE_KEY}"]
    world.server.reset_calls()
    world.destination().check_available()
    assert world.sim.unfinished_large_files() == []
    # The sweep cancelled by id: no paid listing of unfinished files was needed.
    assert "b2_list_unfinished_large_files" not in world.server.endpoints()


def test_a_lost_start_reply_leaves_no_orphan(world: World) -> None:
    dest = world.retrying()
    dest.check_available()
    # The server starts the large file but the reply never arrives; its id was never seen,
    # so it is found by name and cancelled, and the retried put starts a second one.
    world.server.inject("drop-after", endpoint="b2_start_large_file")
    dest.put(LARGE_KEY, io.BytesIO(LARGE), len(LARGE))
    assert world.server.endpoints().count("b2_start_large_file") == 2
    assert world.sim.unfinished_large_files() == []
    assert world.stored(LARGE_KEY) == LARGE


@pytest.mark.parametrize(
    ("key", "data", "endpoint"),
    [(SMALL_KEY, SMALL, "b2_upload_file"), (LARGE_KEY, LARGE, "b2_finish_large_file")],
    ids=["small", "large"],
)
def test_an_upload_b2_records_differently_is_not_a_success(
    world: World, key: str, data: bytes, endpoint: str
) -> None:
    world.server.inject("bad-reply", endpoint=endpoint)
    with pytest.raises(DestinationError, match=r"recorded the upload .* was sent \(size\)"):
        world.destination().put(key, io.BytesIO(data), len(data))
    assert world.sim.unfinished_large_files() == []


# --- corruption -------------------------------------------------------------------------


@pytest.mark.parametrize("sink_kind", SINK_KINDS)
@pytest.mark.parametrize(
    ("key", "data"), [(SMALL_KEY, SMALL), (LARGE_KEY, LARGE)], ids=["small", "large"]
)
def test_corruption_at_rest_is_retried_then_left_to_the_caller(
    world: World, key: str, data: bytes, sink_kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    dest = world.retrying()
    dest.put(key, io.BytesIO(data), len(data))
    world.sim.corrupt_at_rest(BUCKET, f"{PREFIX}/{key}", offset=len(data) // 3)
    world.server.reset_calls()
    got = get_through(sink_kind, dest, key)
    # Downloaded again in case the damage happened in transit: the same wrong bytes twice
    # are damage at rest...
    assert world.server.endpoints().count("b2_download_file_by_name") == 2
    # ...then handed over as stored (the caller's sha256 check catches it) with a warning.
    assert len(got) == len(data) and got != data
    assert hashlib.sha256(got).digest() != hashlib.sha256(data).digest()
    assert "does not match its recorded checksum" in caplog.text


@pytest.mark.parametrize("sink_kind", SINK_KINDS)
def test_corruption_in_transit_is_retried(world: World, sink_kind: str) -> None:
    dest = world.retrying()
    dest.put(LARGE_KEY, io.BytesIO(LARGE), len(LARGE))
    world.server.inject("corrupt", endpoint="b2_download_file_by_name", times=2)
    assert get_through(sink_kind, dest, LARGE_KEY) == LARGE
    assert world.server.endpoints().count("b2_download_file_by_name") == 3


def test_missing_object_and_missing_bucket(world: World) -> None:
    dest = world.destination()
    with pytest.raises(ObjectNotFoundError):
        get(dest, SMALL_KEY)
    other = B2Destination(
        name="typo",
        bucket="no-such-bucket",
        credentials=B2Credentials(world.key[0], Secret(world.key[1]), "env"),
        cache_path=world.cache.with_name("other.sqlite"),
        realm=world.server.realm_url,
        settings=SETTINGS,
    )
    with pytest.raises(DestinationUnavailableError, match="no bucket named 'no-such-bucket'"):
        other.check_available()


def test_a_start_that_keeps_losing_its_reply_is_cleaned_up(world: World) -> None:
    dest = world.retrying()
    dest.check_available()
    world.server.inject("drop-after", endpoint="b2_start_large_file", times=10_000)
    with pytest.raises(RetryableDestinationError):
        dest.put(LARGE_KEY, io.BytesIO(LARGE), len(LARGE))
    # Every started file exists at B2, its id never seen: found by name and cancelled.
    assert world.server.endpoints().count("b2_start_large_file") == ATTEMPTS
    assert world.sim.unfinished_large_files() == []
