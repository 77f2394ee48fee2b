"""Issue 5 end to end through the real CLI, with B2 reached over the HTTP test server.

Originals on one tmpfs "disk", an external drive on another, and B2 (Object Lock) via
``KEYVAULT_B2_REALM``: add, backup, status (3-2-1 and strict 3-2-1-1-0), verify, restore,
a no-change backup's Class C count, recover from ``b2://bucket/prefix`` on a fresh config
dir, corruption at rest caught and never restored, and a B2 that stays down skipped
while the drive is still backed up.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..cli.helpers import Result, run_cli
from ..cli.test_backup_support import PASSPHRASE, can_mount, make_vault, tmpfs
from .b2_server import B2TestServer, KeyvaultSimulator, cli_env, create_account

pytestmark = pytest.mark.skipif(
    not can_mount(), reason="mounting a tmpfs was refused (needs root): no separate devices"
)

BUCKET = "kv-vault"
WALLET = b"WALLET" + os.urandom(4000)
BIG = os.urandom(350_000)  # a B2 large file with the simulator's 100 kB parts


class World:
    def __init__(self, home: Path, tmp_path: Path, server: B2TestServer) -> None:
        self.home = home
        self.tmp = tmp_path
        self.server = server
        self.sim = server.sim
        self.key = create_account(self.sim, BUCKET, file_lock=True)
        self.base_env = cli_env(server, timeout=1) | {"KEYVAULT_PASSPHRASE": PASSPHRASE}

    def cli(self, *args: str, home: Path | None = None, creds: bool = False, **kw: str) -> Result:
        env = dict(self.base_env)
        if creds:
            env |= {"B2_APPLICATION_KEY_ID": self.key[0], "B2_APPLICATION_KEY": self.key[1]}
        result = run_cli(*args, home=home or self.home, env=env, input=kw.get("stdin", ""))
        assert self.key[1] not in result.stdout + result.stderr
        return result

    def b2_name(self, key: str) -> str:
        return f"laptop/{key}"


@pytest.fixture
def world(kv_home: Path, tmp_path: Path) -> Iterator[World]:
    with (
        tmpfs(tmp_path / "disk", "8m") as disk,
        tmpfs(tmp_path / "usb", "8m") as usb,
        B2TestServer(KeyvaultSimulator(part_size=100_000)) as server,
    ):
        w = World(kv_home, tmp_path, server)
        make_vault(kv_home)
        (disk / "wallet.dat").write_bytes(WALLET)
        (disk / "big.bin").write_bytes(BIG)
        assert w.cli("add", str(disk / "wallet.dat"), "--name", "main wallet").code == 0
        assert w.cli("add", str(disk / "big.bin")).code == 0
        added = w.cli("dest", "add", "local", "usb", str(usb), "--media", "external")
        assert added.code == 0, added.stderr
        stdin = f"{w.key[0]}\n{w.key[1]}\n"
        added = w.cli(
            "dest",
            "add",
            "b2",
            "offsite",
            "--bucket",
            BUCKET,
            "--prefix",
            "laptop",
            "--immutable-days",
            "30",
            "--compliance",
            "--store",
            "file",
            stdin=stdin,
        )
        assert added.code == 0, added.stderr
        yield w


def test_backup_status_verify_restore_recover(world: World) -> None:
    first = world.cli("backup", "--json")
    assert first.code == 0, first.stdout + first.stderr
    results = {d["name"]: d for d in first.json()["destinations"]}
    assert results["offsite"]["state"] == "ok" and results["offsite"]["uploaded"] == 2
    assert world.sim.unfinished_large_files() == []

    status = world.cli("status", "--json")
    assert status.code == 0, status.stdout
    items = {i["item"]: i for i in status.json()["items"]}
    wallet = items["main wallet"]
    assert {c["name"] for c in wallet["counted"]} == {"original", "usb", "offsite"}
    assert wallet["offsite"] == 1 and set(wallet["media_kinds"]) >= {"external", "cloud"}
    strict = world.cli("status", "--strict", "--json")
    assert strict.code == 0, strict.stdout
    for item in strict.json()["items"]:
        assert item["state"] == "ok"
        assert any(c["name"] == "offsite" and c["immutable"] for c in item["counted"])

    verify = world.cli("verify", "--json")
    assert verify.code == 0, verify.stdout + verify.stderr

    out = world.tmp / "restored.dat"
    restored = world.cli("restore", "main wallet", "--from", "offsite", "-o", str(out))
    assert restored.code == 0, restored.stderr
    assert out.read_bytes() == WALLET

    # A backup with nothing to do: one paid Class C call at B2 (the prune listing).
    world.server.reset_calls()
    again = world.cli("backup", "--json")
    assert again.code == 0 and again.json()["writes"] == 0
    assert world.server.counts()["C"] == 1, world.server.endpoints()

    # A new machine: nothing but the bucket, the B2 key and the vault passphrase.
    fresh = world.tmp / "fresh-home"
    out_dir = world.tmp / "recovered"
    recovered = world.cli(
        "recover", "b2://kv-vault/laptop", "-o", str(out_dir), "--json", home=fresh, creds=True
    )
    assert recovered.code == 0, recovered.stdout + recovered.stderr
    assert (out_dir / "main wallet").read_bytes() == WALLET
    assert (out_dir / "big.bin").read_bytes() == BIG


def test_corruption_at_b2_is_found_and_never_restored(world: World) -> None:
    assert world.cli("backup").code == 0
    bucket = world.sim.bucket_name_to_bucket[BUCKET]
    damaged = [
        f.name
        for f in bucket.file_id_to_file.values()
        if "/objects/" in f.name and f.action == "upload" and f.content_length > 300_000
    ]
    assert damaged, "the big object was not found at B2"
    world.sim.corrupt_at_rest(BUCKET, damaged[0], offset=123_456)

    verify = world.cli("verify", "--json")
    assert verify.code == 4
    bad = [c for c in verify.json()["checks"] if c["result"] != "ok"]
    assert [(c["dest"], c["item"]) for c in bad] == [("offsite", "big.bin")]

    out = world.tmp / "big-restored"
    refused = world.cli("restore", "big.bin", "--from", "offsite", "-o", str(out))
    assert refused.code != 0
    assert not out.exists()

    fresh = world.tmp / "fresh-home"
    out_dir = world.tmp / "recovered"
    recovered = world.cli(
        "recover", "b2://kv-vault/laptop", "-o", str(out_dir), "--json", home=fresh, creds=True
    )
    assert recovered.code == 4
    assert [f["item"] for f in recovered.json()["failed"]] == ["big.bin"]
    assert not (out_dir / "big.bin").exists()
    assert (out_dir / "main wallet").read_bytes() == WALLET


@pytest.mark.parametrize(("kind", "state"), [("503", "failed"), ("drop", "missing")])
def test_a_b2_that_stays_down_is_skipped(world: World, kind: str, state: str) -> None:
    world.server.inject(kind, index=len(world.server.calls), times=100_000)
    report = world.cli("backup", "--json")
    results = {d["name"]: d for d in report.json()["destinations"]}
    assert results["usb"]["state"] == "ok" and results["usb"]["uploaded"] == 2
    assert results["offsite"]["state"] == state
    assert "offsite" in (results["offsite"]["message"] or "")
    assert world.sim.unfinished_large_files() == []
    world.server.faults.clear()
    healed = world.cli("backup", "--json")
    assert healed.code == 0, healed.stdout + healed.stderr
    assert {d["name"]: d["state"] for d in healed.json()["destinations"]} == {
        "usb": "ok",
        "offsite": "ok",
    }
