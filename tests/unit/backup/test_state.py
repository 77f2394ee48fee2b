"""Local state: round trips, 0600, and crash safety under SIGKILL."""

from __future__ import annotations

import os
import random
import signal
import stat
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from keyvault.errors import ConfigError
from keyvault.vault.state import (
    STATE_FILE,
    VersionRecord,
    format_time,
    open_state,
    parse_time,
    utc_now,
)

T0 = datetime(2026, 11, 28, 3, 0, tzinfo=timezone.utc)


def _version(item_id: str, n: int, object_id: str) -> VersionRecord:
    return VersionRecord(
        item="wallet",
        item_id=item_id,
        kind="file",
        version=n,
        object_id=object_id,
        created=T0 + timedelta(hours=n),
        size=10 * n,
        sha256="a" * 64,
        stored_size=10 * n + 200,
        stored_sha256="b" * 64,
        recipient="age1example",
        source_name="wallet.dat",
    )


def test_times_round_trip() -> None:
    assert format_time(T0) == "2026-11-28T03:00:00Z"
    assert parse_time("2026-11-28T03:00:00Z") == T0
    assert parse_time("2026-11-28T04:00:00+01:00") == T0
    assert utc_now().tzinfo is not None
    with pytest.raises(ValueError):
        format_time(datetime(2026, 1, 1))
    with pytest.raises(ValueError):
        parse_time("2026-11-28T03:00:00")


def test_round_trips_and_mode(kv_home: Path) -> None:
    with open_state(kv_home) as state:
        item_id = state.item_id("wallet", "file", "1" * 32)
        assert state.item_id("wallet", "file", "2" * 32) == item_id
        state.add_version(_version(item_id, 1, "c" * 32))
        state.add_version(_version(item_id, 2, "d" * 32))
        assert [v.version for v in state.versions("wallet")] == [1, 2]
        newest = state.newest_version("wallet")
        assert newest is not None and newest.object_id == "d" * 32
        assert state.version_by_object("c" * 32) == _version(item_id, 1, "c" * 32)
        state.mark_deep_verified("c" * 32, T0)
        assert state.versions("wallet")[0].deep_verified_at == T0

        state.record_copy("usb", "c" * 32, T0)
        state.record_check("usb", "c" * 32, T0, level="intact", ok=False, error="sha256 differs")
        copy = state.copies("usb")["c" * 32]
        assert (copy.ok, copy.level, copy.error, copy.stored_at) == (
            False,
            "intact",
            "sha256 differs",
            T0,
        )
        assert [c.dest for c in state.copies_of("c" * 32)] == ["usb"]
        state.remove_copy("usb", "c" * 32)
        assert state.copies("usb") == {}

        assert state.generation() == 0
        assert state.reserve_generation() == 1
        assert state.reserve_generation(at_least=7) == 8
        state.record_manifest("usb", 8, "e" * 64, T0)
        state.record_key("usb", "f" * 64, T0)
        state.record_seen("usb", "dev:42", T0)
        state.record_verify_run("usb", T0, 2)
        record = state.dest("usb")
        assert record is not None
        assert (record.generation, record.manifest_sha256, record.key_sha256) == (
            8,
            "e" * 64,
            "f" * 64,
        )
        assert (record.location_id, record.last_verify_errors) == ("dev:42", 2)
        state.record_manifest_check("usb", False, "damaged")
        assert state.dest("usb").manifest_ok is False  # type: ignore[union-attr]
        state.forget_dest("usb")
        assert state.dest("usb") is None

        assert state.seen_generation("v1") == 0
        state.note_seen_generation("v1", 5)
        state.note_seen_generation("v1", 3)
        assert state.seen_generation("v1") == 5

        first = state.note_unreferenced("usb", ["objects/a.age", "objects/b.age"], T0)
        later = state.note_unreferenced("usb", ["objects/b.age"], T0 + timedelta(days=1))
        assert first == {"objects/a.age": T0, "objects/b.age": T0}
        assert later == {"objects/b.age": T0}

        state.record_source(
            "wallet", fingerprint="fp", sha256="a" * 64, size=1, at=T0, changed_since=None
        )
        source = state.source("wallet")
        assert source is not None and source.sha256 == "a" * 64 and source.changed_since is None
        state.record_run("backup", T0, T0, "ok")
        assert state.last_run("backup") == (T0, T0, "ok")
        assert state.last_run("verify") is None
        assert state.integrity_ok()
    mode = stat.S_IMODE((kv_home / STATE_FILE).stat().st_mode)
    assert mode == 0o600


def test_transaction_rolls_back_everything(kv_home: Path) -> None:
    with open_state(kv_home) as state:
        with pytest.raises(RuntimeError), state.transaction():
            state.record_copy("usb", "a" * 32, T0)
            state.reserve_generation()
            raise RuntimeError("boom")
        assert state.copies("usb") == {}
        assert state.generation() == 0


def test_duplicate_version_is_refused(kv_home: Path) -> None:
    import sqlite3

    with open_state(kv_home) as state:
        state.add_version(_version("1" * 32, 1, "c" * 32))
        with pytest.raises(sqlite3.IntegrityError):
            state.add_version(_version("1" * 32, 1, "d" * 32))


def test_newer_schema_and_garbage_are_refused(kv_home: Path) -> None:
    with open_state(kv_home) as state:
        state._db.execute("UPDATE meta SET value='99' WHERE key='schema'")
    with pytest.raises(ConfigError, match="newer keyvault"):
        open_state(kv_home)
    garbage = kv_home / "other"
    garbage.mkdir()
    (garbage / STATE_FILE).write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(ConfigError, match="cannot be read"):
        open_state(garbage)


_WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timezone
    from pathlib import Path
    from keyvault.vault.state import open_state
    t = datetime(2026, 1, 1, tzinfo=timezone.utc)
    state = open_state(Path(sys.argv[1]))
    print("ready", flush=True)
    while True:
        with state.transaction():
            n = state.reserve_generation()
            state.record_copy("d", f"{n:032x}", t)
            state.record_manifest("d", n, f"{n:064x}", t)
    """
)


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_a_consistent_state(kv_home: Path) -> None:
    rng = random.Random(1234)
    script = kv_home / "writer.py"
    script.write_text(_WRITER)
    db_home = kv_home / "db"
    last = 0
    for _trial in range(20):
        proc = subprocess.Popen([sys.executable, str(script), str(db_home)], stdout=subprocess.PIPE)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.15))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        with open_state(db_home) as state:
            assert state.integrity_ok()
            n = state.generation()
            # Each transaction is all or nothing: the counter, the copy and the manifest agree.
            assert n >= last
            copies = state.copies("d")
            assert len(copies) == n
            assert set(copies) == {f"{i:032x}" for i in range(1, n + 1)}
            record = state.dest("d")
            if n:
                assert record is not None and record.generation == n
                assert record.manifest_sha256 == f"{n:064x}"
            last = n
    assert last > 0
