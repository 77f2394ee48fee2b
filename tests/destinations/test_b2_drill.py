"""``keyvault drill --budget`` over B2 (the HTTP test server), through the real CLI.

Three items of 20 kB at one B2 destination, and a budget that fits one of them: each run
drills one copy, the one drilled longest ago (never drilled first), so after three runs
every copy was proven and none is overdue; the fourth run starts the round again. The
server counts the bytes it sends in answer to downloads: a run should stay within its
budget (weighed by the stored, encrypted size of each copy) and report what it downloaded.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..cli.helpers import Result, run_cli
from ..cli.test_backup_support import PASSPHRASE, make_vault
from .b2_server import B2TestServer, KeyvaultSimulator, cli_env, create_account

BUCKET = "kv-drills"
SIZE = 20_000
#: More than one stored copy (20 kB and age's few hundred bytes), less than two.
BUDGET = 30_000


class World:
    def __init__(self, home: Path, server: B2TestServer) -> None:
        self.home = home
        self.server = server
        self.key = create_account(server.sim, BUCKET)
        self.env = cli_env(server) | {"KEYVAULT_PASSPHRASE": PASSPHRASE}

    def cli(self, *args: str, stdin: str = "") -> Result:
        result = run_cli(*args, home=self.home, env=self.env, input=stdin)
        assert self.key[1] not in result.stdout + result.stderr
        return result

    def drill(self, budget: int = BUDGET) -> dict[str, Any]:
        self.server.reset_calls()
        result = self.cli("drill", "--budget", str(budget), "--json")
        assert result.code == 0, result.stdout + result.stderr
        report: dict[str, Any] = result.json()
        return report


@pytest.fixture
def world(kv_home: Path, tmp_path: Path) -> Iterator[World]:
    with B2TestServer(KeyvaultSimulator()) as server:
        w = World(kv_home, server)
        make_vault(kv_home)
        for name in ("a", "b", "c"):
            path = tmp_path / f"{name}.dat"
            path.write_bytes(os.urandom(SIZE))
            assert w.cli("add", str(path), "--name", f"wallet {name}").code == 0
        added = w.cli(
            "dest", "add", "b2", "offsite", "--bucket", BUCKET, "--prefix", "laptop",
            "--store", "file", stdin=f"{w.key[0]}\n{w.key[1]}\n",
        )  # fmt: skip
        assert added.code == 0, added.stderr
        backup = w.cli("backup", "--json")
        assert backup.code in (0, 3), backup.stderr  # 3: one destination is no 3-2-1
        assert backup.json()["destinations"][0]["uploaded"] == 3
        yield w


def _drilled(report: dict[str, Any]) -> list[str]:
    return [c["item"] for c in report["copies"] if c["result"] in ("proven", "recorded")]


def test_drills_over_b2_rotate_through_every_copy_within_the_budget(world: World) -> None:
    rounds = [world.drill() for _ in range(3)]
    drilled = [_drilled(report) for report in rounds]
    # One copy a run, each a different one: after three runs every copy was proven.
    assert all(len(items) == 1 for items in drilled), drilled
    assert sorted(items[0] for items in drilled) == ["wallet a", "wallet b", "wallet c"]
    for report in rounds:
        skipped = [c for c in report["copies"] if c["result"] == "skipped"]
        assert len(skipped) == 2 and report["problems"] == 0
    assert rounds[0]["overdue"] and rounds[1]["overdue"]
    assert rounds[2]["overdue"] == []
    # The next run starts the round again with the copy drilled longest ago.
    assert _drilled(world.drill()) == drilled[0]


def test_a_drill_downloads_no_more_than_its_budget_and_says_what_it_downloaded(
    world: World,
) -> None:
    # A copy is weighed by what is downloaded, the stored age object (a few hundred bytes
    # more than the item): a budget of exactly one item's plaintext fits no copy.
    report = world.drill(budget=SIZE)
    assert _drilled(report) == [] and world.server.downloaded == 0
    assert {c["message"] for c in report["copies"]} == {"larger than the whole budget"}
    assert report["bytes_downloaded"] == 0
    for _ in range(2):  # each run drills another copy
        report = world.drill()
        assert len(_drilled(report)) == 1
        assert SIZE < world.server.downloaded <= BUDGET, world.server.downloaded
        assert report["bytes_downloaded"] == world.server.downloaded
        # One download, of the drilled copy's stored object (no seal is read back while
        # other copies are skipped).
        assert world.server.endpoints().count("b2_download_file_by_name") == 1
