"""The backup engine with a B2 destination over the HTTP test server.

- A backup with nothing to do costs one Class C call at B2 (two when the cached token
  had to be renewed).
- With a local external drive, the original and B2, the 3-2-1 verdict holds; with Object
  Lock the strict (3-2-1-1-0) verdict counts B2 as the immutable copy.
- One fault at every call position of a first backup, for every fault kind: the run
  either succeeds or reports the destination failed; in both cases everything local
  state says is copied is really there and intact (the engine's verify checks it against
  a healthy server), and no unfinished large file is left.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyvault.backup import engine
from keyvault.destinations.b2 import B2Destination, B2Settings, cache_path_for
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.destinations.local import LocalDestination, create_marker
from keyvault.secret import Secret
from keyvault.vault.config import load_config
from keyvault.vault.items import add_path_item
from keyvault.vault.keystore import create_vault

from .b2_server import FAST, FAULT_KINDS, B2TestServer, KeyvaultSimulator, create_account
from .local_fixtures import mounted_tmpfs

PART = 100_000
BUCKET = "kv-bucket"
PASSPHRASE = "correct horse battery staple for tests"
SETTINGS = {**FAST, "read_timeout": 0.25}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A vault with a small wallet file and a file big enough for a B2 large file."""
    base = tmp_path_factory.mktemp("b2-engine")
    home = base / "home"
    create_vault(home, Secret(PASSPHRASE), work_factor=16)
    source = base / "src"
    source.mkdir()
    (source / "wallet.dat").write_bytes(b"wallet file " * 100)
    (source / "big.bin").write_bytes(os.urandom(3 * PART + 777))
    add_path_item(home, source / "wallet.dat")
    add_path_item(home, source / "big.bin")
    return home


class Run:
    """A copy of the template vault, a fresh simulated B2 account and its HTTP server."""

    def __init__(self, template: Path, where: Path, *, file_lock: bool = False) -> None:
        self.home = where / "home"
        shutil.copytree(template, self.home)
        self.sim = KeyvaultSimulator(part_size=PART)
        self.key = create_account(self.sim, BUCKET, file_lock=file_lock)
        self.server = B2TestServer(self.sim, stall=0.6).start()

    def b2(self, *, hours_later: float = 0, immutable_days: int = 0) -> B2Destination:
        # The engine wraps it in the one wrapper stack (retries included), as it wraps
        # every destination in open_destinations.
        settings = B2Settings(  # type: ignore[arg-type]
            **SETTINGS, clock=lambda: time.time() + hours_later * 3600
        )
        return B2Destination(
            name="offsite",
            bucket=BUCKET,
            prefix="laptop",
            credentials=B2Credentials(self.key[0], Secret(self.key[1]), "env"),
            cache_path=cache_path_for(self.home, "offsite"),
            realm=self.server.realm_url,
            immutable_days=immutable_days,
            settings=settings,
        )

    def vault_id(self) -> str:
        vault = load_config(self.home).vault
        assert vault is not None
        return vault.id


@pytest.fixture
def run(template: Path, tmp_path: Path) -> Iterator[Run]:
    r = Run(template, tmp_path)
    yield r
    r.server.stop()


def test_no_change_backup_costs_one_class_c_call(run: Run) -> None:
    first = engine.backup(run.home, destinations=[run.b2()])
    assert not first.failed, first.to_dict()
    assert first.destinations[0].uploaded == 2
    run.server.reset_calls()
    second = engine.backup(run.home, destinations=[run.b2()])
    assert not second.failed and second.writes == 0
    assert run.server.counts()["C"] == 1, run.server.endpoints()
    assert run.server.counts()["A"] == 0, run.server.endpoints()
    run.server.reset_calls()
    for token in list(run.sim.auth_token_to_key):
        run.sim.expire_auth_token(token)
    third = engine.backup(run.home, destinations=[run.b2(hours_later=24)])
    assert not third.failed and third.writes == 0
    assert run.server.counts()["C"] == 2, run.server.endpoints()


def _external_drive(run: Run, drive: Path) -> LocalDestination:
    create_marker(drive, run.vault_id(), "2026-01-01T00:00:00+00:00")
    return LocalDestination("usb", drive, vault_id=run.vault_id(), media="external")


def test_321_holds_and_object_lock_counts_as_immutable(template: Path, tmp_path: Path) -> None:
    run = Run(template, tmp_path, file_lock=True)
    # The drive must be another filesystem than the originals ("one place, one copy").
    (tmp_path / "usb").mkdir()
    with mounted_tmpfs(tmp_path / "usb", "4m") as drive:
        try:
            _check_321(run, _external_drive(run, drive))
        finally:
            run.server.stop()


def _check_321(run: Run, usb: LocalDestination) -> None:
    locked = [usb, run.b2(immutable_days=30)]
    report = engine.backup(run.home, destinations=locked)
    assert not report.failed, report.to_dict()
    assert engine.status(run.home, destinations=locked).policy_met
    strict = engine.status(run.home, destinations=locked, strict=True)
    assert strict.policy_met, [v.to_dict() for v in strict.verdicts]
    b2_copies = [c for v in strict.verdicts for c in v.counted if c.name == "offsite"]
    assert b2_copies and all(c.immutable and c.offsite for c in b2_copies)
    # Every object really is under Object Lock at B2 (governance mode, 30 days).
    bucket = run.sim.bucket_name_to_bucket[BUCKET]
    stored = [f for f in bucket.file_id_to_file.values() if f.action == "upload"]
    assert stored and all(f.file_retention.mode.value == "governance" for f in stored)
    # Without Object Lock the same copies are not enough for the strict rule.
    plain = [usb, run.b2()]
    assert engine.status(run.home, destinations=plain).policy_met
    assert not engine.status(run.home, destinations=plain, strict=True).policy_met


def _baseline(template: Path, where: Path) -> list[str]:
    run = Run(template, where)
    try:
        report = engine.backup(run.home, destinations=[run.b2()])
        assert not report.failed, report.to_dict()
        return run.server.endpoints()
    finally:
        run.server.stop()


@pytest.mark.slow
@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_one_fault_at_every_call_of_a_backup(template: Path, tmp_path: Path, kind: str) -> None:
    calls = _baseline(template, tmp_path / "baseline")
    assert "b2_start_large_file" in calls and "b2_upload_file" in calls
    positions = [
        i
        for i, endpoint in enumerate(calls)
        if ("download" in endpoint or kind not in ("corrupt", "truncate"))
        and not (kind == "expired-token" and endpoint == "b2_authorize_account")
    ]
    problems: list[str] = []
    for position in positions:
        run = Run(template, tmp_path / f"{kind}-{position}")
        where = f"{kind} at call {position} ({calls[position]})"
        try:
            run.server.inject(kind, index=position)
            report = engine.backup(run.home, destinations=[run.b2()])
            result = report.destinations[0]
            if result.state != "ok":
                problems.append(f"{where}: backup reported {result.state}: {result.message}")
            if run.sim.unfinished_large_files():
                problems.append(f"{where}: unfinished large files left behind")
            # What local state records as copied must be there and intact.
            run.server.faults.clear()
            checked = engine.verify(run.home, destinations=[run.b2()])
            if checked.problems or checked.unavailable:
                problems.append(f"{where}: verify found {checked.to_dict()}")
            if result.state == "ok" and not checked.checks:
                problems.append(f"{where}: a successful backup left nothing to verify")
        finally:
            run.server.stop()
    assert not problems, "\n".join(problems)
