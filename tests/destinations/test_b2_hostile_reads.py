"""Reads from a hostile B2 bucket stay bounded, through the real CLI and the B2 test server.

The one stored copy is padded at rest to 40 MiB (its recorded hashes stay): whoever holds
the bucket's keys can do that. ``verify --deep``, ``restore`` and ``recover`` each learn the
object's length from the download reply's headers and refuse it there: the server sends
far less than the object (the old code downloaded all of it into a spool before checking
its size), nothing is written past a 32 MiB file-size limit, and each says the copy is
damaged (exit 4), without a traceback.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..cli.helpers import run_cli
from ..cli.hostile import Run, run_measured
from ..cli.test_backup_support import PASSPHRASE, make_vault
from .b2_server import B2TestServer, KeyvaultSimulator, cli_env, create_account

BUCKET = "kv-hostile"
GROWN = 40 << 20
FILE_LIMIT = 32 << 20
#: What the server may send before the client's refusal shows: the socket buffers of a
#: loopback connection, far below the grown object.
SENT_AT_MOST = 8 << 20


class World:
    def __init__(self, home: Path, server: B2TestServer) -> None:
        self.home = home
        self.server = server
        self.key = create_account(server.sim, BUCKET)
        self.env = cli_env(server) | {"KEYVAULT_PASSPHRASE": PASSPHRASE}

    def run(self, *args: str, home: Path | None = None, env: dict[str, str] | None = None) -> Run:
        self.server.reset_calls()
        run = run_measured(
            *args, home=home or self.home, env=self.env | (env or {}), file_size_limit=FILE_LIMIT
        )
        assert not run.timed_out, f"{args[0]} hung"
        assert "Traceback" not in run.stderr, run.stderr
        assert self.key[1] not in run.stdout + run.stderr
        return run

    def object_names(self) -> list[str]:
        bucket = self.server.sim.bucket_name_to_bucket[BUCKET]
        return sorted({name for name, _ in bucket.file_name_and_id_to_file if "/objects/" in name})


@pytest.fixture
def world(kv_home: Path, tmp_path: Path) -> Iterator[World]:
    with B2TestServer(KeyvaultSimulator()) as server:
        w = World(kv_home, server)
        make_vault(kv_home)
        item = tmp_path / "wallet.dat"
        item.write_bytes(os.urandom(20_000))
        env = w.env
        assert run_cli("add", str(item), "--name", "w", home=kv_home, env=env).code == 0
        added = run_cli(
            "dest", "add", "b2", "offsite", "--bucket", BUCKET, "--prefix", "laptop",
            "--store", "file", home=kv_home, env=env, input=f"{w.key[0]}\n{w.key[1]}\n",
        )  # fmt: skip
        assert added.code == 0, added.stderr
        backup = run_cli("backup", "--json", home=kv_home, env=env)
        assert backup.code in (0, 3), backup.stderr  # 3: one destination is no 3-2-1
        (stored,) = w.object_names()
        server.sim.grow_at_rest(BUCKET, stored, GROWN)
        yield w


def _refused(world: World, run: Run) -> None:
    assert run.code == 4, run.stdout + run.stderr
    assert world.server.downloaded < SENT_AT_MOST, world.server.downloaded


def test_verify_deep_refuses_a_grown_object_at_its_headers(world: World) -> None:
    run = world.run("verify", "--deep", "--json")
    _refused(world, run)
    checks = json.loads(run.stdout)["checks"]
    (damaged,) = [c for c in checks if c["result"] != "ok"]
    assert (damaged["what"], damaged["item"], damaged["result"]) == ("object", "w", "damaged")


def test_restore_and_recover_refuse_a_grown_object_at_its_headers(
    world: World, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    restore = world.run("restore", "w", "--from", "offsite", "-o", str(out / "w"), "--json")
    _refused(world, restore)
    assert json.loads(restore.stdout)["error"]["type"] == "DamagedObjectError"
    assert list(out.iterdir()) == []

    fresh = tmp_path / "fresh-home"
    fresh.mkdir()
    recovered = tmp_path / "recovered"
    heir = {"B2_APPLICATION_KEY_ID": world.key[0], "B2_APPLICATION_KEY": world.key[1]}
    recover = world.run(
        "recover", f"b2://{BUCKET}/laptop/", "-o", str(recovered), "--json", home=fresh, env=heir
    )
    _refused(world, recover)
    (failed,) = json.loads(recover.stdout)["failed"]
    assert failed["item"] == "w", failed
    assert not recovered.exists() or list(recovered.iterdir()) == []
