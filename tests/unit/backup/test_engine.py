"""The backup engine against in-memory destinations: write order, no-change runs,
missing and full destinations, verify/repair, restore/recover, rollback and forgery."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest

from keyvault.backup import engine
from keyvault.backup.manifest import Manifest, decrypt_manifest, encrypt_manifest
from keyvault.crypto import X25519Identity, decrypt_bytes, encrypt_bytes
from keyvault.crypto.vaultkey import derive_manifest_mac_key
from keyvault.destinations.memory import MemoryDestination
from keyvault.errors import (
    AlreadyExistsError,
    DamagedFileError,
    LockedError,
    NotFoundError,
    RollbackError,
)
from keyvault.secret import Secret
from keyvault.vault.config import PhysicalCopyConfig, load_config, save_config
from keyvault.vault.items import add_path_item, add_phrase_item, reencrypt_phrases
from keyvault.vault.keystore import rotate_vault_key
from keyvault.vault.lock import RunLock
from keyvault.vault.state import open_state, utc_now

from .conftest import PASSPHRASE

PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def _dests() -> list[MemoryDestination]:
    return [
        MemoryDestination("usb", "external"),
        MemoryDestination("nas", "nas"),
        MemoryDestination("away", "external", offsite=True),
    ]


def _objects(dest: MemoryDestination) -> dict[str, bytes]:
    found = {}
    for info in dest.list(""):
        sink = io.BytesIO()
        dest.get(info.key, sink)
        found[info.key] = sink.getvalue()
    return found


def _setup(vault: tuple[Path, X25519Identity], tmp_path: Path) -> dict[str, Path]:
    home, _ = vault
    wallet = tmp_path / "src" / "wallet.dat"
    wallet.parent.mkdir()
    wallet.write_bytes(b"WALLET-CONTENT-" + os.urandom(3000))
    folder = tmp_path / "src" / "keystore"
    (folder / "sub").mkdir(parents=True)
    (folder / "UTC--key1").write_bytes(b"KEYFILE-ONE")
    (folder / "sub" / "key2").write_bytes(b"KEYFILE-TWO")
    add_path_item(home, wallet, "my wallet")
    add_path_item(home, folder, "eth keystore")
    add_phrase_item(home, "ledger seed", Secret(PHRASE))
    return {"wallet": wallet, "folder": folder}


def _backed_up(
    vault: tuple[Path, X25519Identity],
    tmp_path: Path,
    dests: list[MemoryDestination] | None = None,
) -> tuple[Path, X25519Identity, dict[str, Path], list[MemoryDestination]]:
    """(home, identity, the originals' paths, destinations) after the three items of
    :func:`_setup` were backed up once to ``dests`` (by default :func:`_dests`)."""
    home, identity = vault
    paths = _setup(vault, tmp_path)
    dests = _dests() if dests is None else dests
    engine.backup(home, destinations=dests)
    return home, identity, paths, dests


def _manifest_of(dest: MemoryDestination, identity: X25519Identity, vault_id: str) -> Manifest:
    data = _objects(dest)[f"keyvault/{vault_id}/manifest.age"]
    return decrypt_manifest(data, [identity], derive_manifest_mac_key(identity), vault_id=vault_id)


def test_first_backup_then_nothing_changed_costs_no_writes(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity = vault
    paths = _setup(vault, tmp_path)
    dests = _dests()
    events: list[engine.ProgressEvent] = []
    report = engine.backup(home, destinations=dests, progress=events.append)
    assert not report.failed
    assert [i.action for i in report.items] == ["new-version"] * 3
    for result in report.destinations:
        assert (result.state, result.uploaded) == ("ok", 3)
        assert result.manifest_generation is not None
    assert {e.phase for e in events} >= {"encrypt", "upload", "verify"}
    vault_id = load_config(home).require_vault().id
    for dest in dests:
        keys = set(_objects(dest))
        assert f"keyvault/{vault_id}/key.age" in keys
        assert f"keyvault/{vault_id}/vault.json" in keys
        manifest = _manifest_of(dest, identity, vault_id)
        assert sorted(i.name for i in manifest.items) == [
            "eth keystore",
            "ledger seed",
            "my wallet",
        ]
        wallet_entry = manifest.item("my wallet")
        assert wallet_entry is not None
        newest = wallet_entry.newest()
        assert newest is not None
        assert newest.sha256 == hashlib.sha256(paths["wallet"].read_bytes()).hexdigest()
        stored = _objects(dest)[f"keyvault/{vault_id}/{newest.object_key}"]
        assert decrypt_bytes(stored, [identity]) == paths["wallet"].read_bytes()
    assert report.policy_met, [v.to_dict() for v in report.verdicts]

    before = {d.name: _objects(d) for d in dests}
    again = engine.backup(home, destinations=dests)
    assert again.writes == 0
    assert [i.action for i in again.items] == ["unchanged"] * 3
    assert {d.name: _objects(d) for d in dests} == before


def test_changed_item_gets_a_new_version_only(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity, paths, dests = _backed_up(vault, tmp_path)
    paths["wallet"].write_bytes(b"new wallet content")
    report = engine.backup(home, destinations=dests)
    assert [i.action for i in report.items] == ["new-version", "unchanged", "unchanged"]
    assert report.items[0].version == 2
    for result in report.destinations:
        assert result.uploaded == 1
        assert result.writes == 2  # the object and the manifest
    vault_id = load_config(home).require_vault().id
    entry = _manifest_of(dests[0], identity, vault_id).item("my wallet")
    assert entry is not None and [v.version for v in entry.versions] == [1, 2]
    # Touching the file without changing it makes no version.
    os.utime(paths["wallet"], (1, 1))
    assert engine.backup(home, destinations=dests).writes == 0


def test_missing_destination_is_reported_and_not_written(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, _ = vault
    _setup(vault, tmp_path)
    dests = _dests()
    dests[1].available = False
    report = engine.backup(home, destinations=dests)
    by_name = {d.name: d for d in report.destinations}
    assert by_name["nas"].state == "missing" and "not available" in (by_name["nas"].message or "")
    assert by_name["usb"].state == "ok" and by_name["away"].state == "ok"
    assert dests[1].used_bytes() == 0
    assert not report.failed
    dests[1].available = True
    later = engine.backup(home, destinations=dests)
    assert {d.name: d.uploaded for d in later.destinations} == {"usb": 0, "nas": 3, "away": 0}


def test_a_run_that_reached_no_destination_is_not_a_backup_success(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    """Every drive missing: not a failed run, but it must not reset the stale-backup clock."""
    home, _, _, dests = _backed_up(vault, tmp_path)
    with open_state(home) as state:
        first_ok = state.last_run("backup", result="ok")
    assert first_ok is not None
    for dest in dests:
        dest.available = False
    report = engine.backup(home, destinations=dests)
    assert not report.failed
    with open_state(home) as state:
        last = state.last_run("backup")
        assert last is not None and last[2] == "unreached"
        assert state.last_run("backup", result="ok") == first_ok


def test_full_destination_keeps_its_previous_version(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity, paths, (small,) = _backed_up(
        vault, tmp_path, [MemoryDestination("small", "external")]
    )
    vault_id = load_config(home).require_vault().id
    before = _objects(small)
    small.capacity = small.used_bytes() + 100
    paths["wallet"].write_bytes(os.urandom(50_000))
    report = engine.backup(home, destinations=[small])
    result = report.destinations[0]
    assert result.state == "full" and "full" in (result.message or "")
    assert report.failed
    assert _objects(small) == before
    manifest = _manifest_of(small, identity, vault_id)
    assert manifest.item("my wallet").newest().version == 1  # type: ignore[union-attr]


def test_verify_finds_missing_and_damaged_and_repair_fixes(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity, _, dests = _backed_up(vault, tmp_path)
    vault_id = load_config(home).require_vault().id
    objects = sorted(k for k in _objects(dests[0]) if "/objects/" in k)
    dests[0].delete(objects[0])
    dests[1].corrupt(objects[1], offset=100)
    dests[2].corrupt(f"keyvault/{vault_id}/manifest.age", offset=50)

    report = engine.verify(home, destinations=dests)
    problems = {(c.dest, c.what, c.result) for c in report.problems}
    assert problems == {
        ("usb", "object", "missing"),
        ("nas", "object", "damaged"),
        ("away", "manifest", "damaged"),
    }
    status = engine.status(home, destinations=dests)
    codes = {n.copy.name: n.code for v in status.verdicts for n in v.not_counted}
    assert codes.get("usb") == "missing-or-damaged" and codes.get("nas") == "missing-or-damaged"

    fixed = engine.repair(home, destinations=dests)
    assert {(c.dest, c.what) for c in fixed.repaired} == {
        ("usb", "object"),
        ("nas", "object"),
        ("away", "manifest"),
    }
    assert fixed.unrepaired == []
    assert engine.verify(home, destinations=dests).problems == []
    assert engine.status(home, destinations=dests).policy_met
    # A deep verification decrypts every object.
    deep = engine.verify(home, destinations=dests, deep=True, identities=[identity])
    assert deep.problems == [] and {c.level for c in deep.checks if c.what == "object"} == {
        "restorable"
    }
    with pytest.raises(ValueError):
        engine.verify(home, destinations=dests, deep=True)


def test_flipped_byte_in_every_object_is_caught(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, _, _, (dest,) = _backed_up(vault, tmp_path, [MemoryDestination("one", "external")])
    for key, data in _objects(dest).items():
        if key.endswith("vault.json"):
            continue
        for offset in (0, len(data) // 2, len(data) - 1):
            dest.corrupt(key, offset)
            report = engine.verify(home, destinations=[dest])
            assert report.problems, (key, offset)
            dest.corrupt(key, offset)  # flip it back
    assert engine.verify(home, destinations=[dest]).problems == []


def test_no_good_copy_left_is_reported_and_never_restored(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity, _, (dest,) = _backed_up(
        vault, tmp_path, [MemoryDestination("only", "external")]
    )
    key = next(k for k in _objects(dest) if "/objects/" in k)
    dest.corrupt(key, 200)
    repaired = engine.repair(home, destinations=[dest])
    assert len(repaired.unrepaired) == 1
    assert "no intact copy" in (repaired.unrepaired[0].message or "")
    state = open_state(home)
    object_id = key.rsplit("/", 1)[1][:-4]
    name = state.version_by_object(object_id).item  # type: ignore[union-attr]
    state.close()
    out = tmp_path / "out"
    with pytest.raises(Exception, match="damaged"):
        engine.restore(home, name, out, identities=[identity], destinations=[dest])
    assert not out.exists()
    # The next backup makes a new good version since no good copy of the current one is left.
    report = engine.backup(home, destinations=[dest])
    assert {i.name: i.action for i in report.items}[name] == "new-version"
    assert engine.verify(home, destinations=[dest]).problems[0].object_id == object_id


def test_restore_file_folder_and_phrase(vault: tuple[Path, X25519Identity], tmp_path: Path) -> None:
    home, identity, paths, dests = _backed_up(vault, tmp_path)
    out = tmp_path / "restored"
    result = engine.restore(
        home, "my wallet", out / "w.dat", identities=[identity], destinations=dests
    )
    assert (out / "w.dat").read_bytes() == paths["wallet"].read_bytes()
    assert oct((out / "w.dat").stat().st_mode & 0o777) == oct(0o600)
    assert result.source == "usb" and result.version == 1
    with pytest.raises(AlreadyExistsError):
        engine.restore(home, "my wallet", out / "w.dat", identities=[identity], destinations=dests)

    engine.restore(home, "eth keystore", out / "ks", identities=[identity], destinations=dests)
    assert (out / "ks" / "UTC--key1").read_bytes() == b"KEYFILE-ONE"
    assert (out / "ks" / "sub" / "key2").read_bytes() == b"KEYFILE-TWO"
    (paths["folder"] / "UTC--key1").write_bytes(b"CHANGED")
    engine.backup(home, destinations=dests)
    engine.restore(
        home, "eth keystore", out / "ks", identities=[identity], destinations=dests, force=True
    )
    assert (out / "ks" / "UTC--key1").read_bytes() == b"CHANGED"
    engine.restore(
        home,
        "eth keystore",
        out / "ks",
        identities=[identity],
        destinations=dests,
        version=1,
        from_dest="away",
        force=True,
    )
    assert (out / "ks" / "UTC--key1").read_bytes() == b"KEYFILE-ONE"

    engine.restore(
        home, "ledger seed", out / "seed.json", identities=[identity], destinations=dests
    )
    assert json.loads((out / "seed.json").read_text())["phrase"] == PHRASE

    # A damaged copy at the first destination is skipped for an intact one.
    vault_id = load_config(home).require_vault().id
    entry = _manifest_of(dests[0], identity, vault_id).item("my wallet")
    dests[0].corrupt(f"keyvault/{vault_id}/{entry.newest().object_key}", 10)  # type: ignore[union-attr]
    again = engine.restore(
        home, "my wallet", out / "w2.dat", identities=[identity], destinations=dests
    )
    assert again.source == "nas"
    assert (out / "w2.dat").read_bytes() == paths["wallet"].read_bytes()

    with pytest.raises(NotFoundError):
        engine.restore(home, "nope", out / "x", identities=[identity], destinations=dests)
    with pytest.raises(NotFoundError):
        engine.restore(
            home, "my wallet", out / "x", identities=[identity], destinations=dests, version=9
        )


def test_recover_on_a_fresh_home(vault: tuple[Path, X25519Identity], tmp_path: Path) -> None:
    _, identity, paths, (dest,) = _backed_up(
        vault, tmp_path, [MemoryDestination("usb", "external")]
    )
    fresh = tmp_path / "fresh-home"
    out = tmp_path / "recovered"
    report = engine.recover(dest, out, home=fresh, passphrase=Secret(PASSPHRASE))
    assert sorted(r.name for r in report.restored) == ["eth keystore", "ledger seed", "my wallet"]
    assert report.failed == []
    assert (out / "my wallet").read_bytes() == paths["wallet"].read_bytes()
    assert (out / "eth keystore" / "sub" / "key2").read_bytes() == b"KEYFILE-TWO"
    assert json.loads((out / "ledger seed.phrase.json").read_text())["phrase"] == PHRASE
    with pytest.raises(AlreadyExistsError):
        engine.recover(dest, out, home=fresh, identity=identity)
    engine.recover(dest, out, home=fresh, identity=identity, force=True)
    with pytest.raises(ValueError):
        engine.recover(dest, out, home=fresh)
    with pytest.raises(NotFoundError):
        engine.recover(MemoryDestination(), out, home=fresh, identity=identity)


def test_recover_rejects_rollback_and_forgery(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity, paths, (dest,) = _backed_up(
        vault, tmp_path, [MemoryDestination("usb", "external")]
    )
    vault_id = load_config(home).require_vault().id
    key = f"keyvault/{vault_id}/manifest.age"
    old_manifest = _objects(dest)[key]
    paths["wallet"].write_bytes(b"version two")
    engine.backup(home, destinations=[dest])
    fresh = tmp_path / "fresh"
    engine.recover(dest, tmp_path / "o1", home=fresh, identity=identity)

    dest.put(key, io.BytesIO(old_manifest), len(old_manifest))
    with pytest.raises(RollbackError, match="older"):
        engine.recover(dest, tmp_path / "o2", home=fresh, identity=identity)

    # Encrypted to the vault's public recipient by someone without the vault key: no MAC.
    forged_body = json.dumps({"format": "keyvault-manifest", "mac": "00" * 32}).encode()
    forged = encrypt_bytes(forged_body, [identity.recipient])
    dest.put(key, io.BytesIO(forged), len(forged))
    with pytest.raises(RollbackError, match="not authentic"):
        engine.recover(dest, tmp_path / "o3", home=tmp_path / "fresh2", identity=identity)
    # A well-formed manifest sealed with a guessed MAC key is no better.
    fake = Manifest(vault_id=vault_id, generation=999, created="2026-01-01T00:00:00Z")
    forged = encrypt_manifest(fake, Secret(os.urandom(32)), identity.recipient)
    dest.put(key, io.BytesIO(forged), len(forged))
    with pytest.raises(RollbackError, match="not authentic"):
        engine.recover(dest, tmp_path / "o4", home=tmp_path / "fresh3", identity=identity)
    # And a backup now treats it as damaged: it writes a new authentic manifest over it.
    report = engine.backup(home, destinations=[dest])
    assert any("damaged" in n for n in report.destinations[0].damage)
    assert _manifest_of(dest, identity, vault_id).generation > 2


def test_another_writers_newer_manifest_is_not_overwritten(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity, _, (dest,) = _backed_up(vault, tmp_path, [MemoryDestination("usb", "external")])
    vault_id = load_config(home).require_vault().id
    key = f"keyvault/{vault_id}/manifest.age"
    mac_key = derive_manifest_mac_key(identity)
    theirs = encrypt_manifest(
        Manifest(vault_id=vault_id, generation=500, created="2026-01-01T00:00:00Z"),
        mac_key,
        identity.recipient,
    )
    dest.put(key, io.BytesIO(theirs), len(theirs))
    report = engine.backup(home, destinations=[dest])
    assert report.destinations[0].state == "conflict"
    assert "another keyvault" in (report.destinations[0].message or "")
    assert _objects(dest)[key] == theirs
    checks = engine.verify(home, destinations=[dest])
    assert [c.result for c in checks.conflicts] == ["conflict"]
    assert checks.copies_missing  # 'keyvault verify' exits 4 on a CONFLICT
    assert engine.repair(home, destinations=[dest]).repaired == []
    assert _objects(dest)[key] == theirs


def test_dry_run_writes_nothing(vault: tuple[Path, X25519Identity], tmp_path: Path) -> None:
    home, _ = vault
    _setup(vault, tmp_path)
    dests = _dests()
    report = engine.backup(home, destinations=dests, dry_run=True)
    assert [i.action for i in report.items] == ["would-back-up"] * 3
    assert all(d.used_bytes() == 0 for d in dests)
    assert report.writes == 0
    assert any("would copy 3" in n for n in report.destinations[0].notes)
    with open_state(home) as state:
        assert state.versions("my wallet") == []


def test_retention_prunes_after_the_grace_period(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, identity = vault
    paths = _setup(vault, tmp_path)
    dest = MemoryDestination("usb", "external")
    start = utc_now() - timedelta(days=400)
    for day in range(14):
        paths["wallet"].write_bytes(f"day {day}".encode())
        engine.backup(home, destinations=[dest], now=start + timedelta(days=day))
    vault_id = load_config(home).require_vault().id
    objects = [k for k in _objects(dest) if "/objects/" in k]
    # 14 wallet versions + folder + phrase: nothing pruned yet (keep last 10 + thinning,
    # and the dropped ones wait for the grace period).
    entry = _manifest_of(dest, identity, vault_id).item("my wallet")
    assert entry is not None and len(entry.versions) < 14
    assert len(objects) == 16
    later = start + timedelta(days=14 + 8)
    report = engine.backup(home, destinations=[dest], now=later)
    assert report.destinations[0].pruned == 14 - len(entry.versions)
    remaining = {k.rsplit("/", 1)[1][:-4] for k in _objects(dest) if "/objects/" in k}
    assert remaining == _manifest_of(dest, identity, vault_id).object_ids()


def test_vault_key_is_an_item_and_warns_without_a_copy_elsewhere(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, _ = vault
    _setup(vault, tmp_path)
    report = engine.status(home, destinations=[])
    key_verdict = report.verdicts[-1]
    assert key_verdict.item == "vault-key" and key_verdict.state == "not-met"
    assert any("NO COPY OFF THIS MACHINE" in w for w in report.warnings)
    dests = _dests()
    engine.backup(home, destinations=dests)
    config = load_config(home)
    config.copies.append(
        PhysicalCopyConfig(
            id="kit1",
            item="vault-key",
            kind="paper",
            location="bank box",
            recorded="2026-11-01T00:00:00Z",
            confirmed=utc_now().isoformat(),
            offsite=True,
        )
    )
    save_config(home, config)
    after = engine.status(home, destinations=dests)
    assert after.verdicts[-1].state == "ok"
    assert not any("NO COPY" in w for w in after.warnings)


def test_status_reports_changed_original(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, _, paths, dests = _backed_up(vault, tmp_path)
    paths["wallet"].write_bytes(b"changed after the backup")
    report = engine.status(home, destinations=dests)
    verdict = report.verdicts[0]
    assert verdict.state == "backup-now" and "backup" in verdict.action
    later = engine.status(home, destinations=dests, now=utc_now() + timedelta(hours=25))
    assert later.verdicts[0].state == "not-met"
    paths["wallet"].unlink()
    gone = engine.status(home, destinations=dests)
    assert any(n.code == "original-missing" for n in gone.verdicts[0].not_counted)


def test_key_rotation_reencrypts_newest_versions(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    home, old, _, dests = _backed_up(vault, tmp_path)
    new, _ = rotate_vault_key(home, Secret(PASSPHRASE), work_factor=16)
    assert reencrypt_phrases(home, [old, new]) == 1
    report = engine.backup(home, destinations=dests)
    assert [i.action for i in report.items] == ["new-version"] * 3
    vault_id = load_config(home).require_vault().id
    manifest = _manifest_of(dests[0], new, vault_id)
    for entry in manifest.items:
        newest = entry.newest()
        assert newest is not None and newest.recipient == str(new.recipient)
        data = _objects(dests[0])[f"keyvault/{vault_id}/{newest.object_key}"]
        decrypt_bytes(data, [new])
    assert engine.backup(home, destinations=dests).writes == 0
    deep = engine.verify(home, destinations=dests, deep=True, identities=[new, old])
    assert deep.problems == []


def test_a_held_lock_refuses_a_second_run(vault: tuple[Path, X25519Identity]) -> None:
    home, _ = vault
    with RunLock(home), pytest.raises(LockedError):
        engine.backup(home, destinations=[])


def test_nothing_secret_at_a_destination(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    _, _, paths, (dest,) = _backed_up(vault, tmp_path, [MemoryDestination("usb", "external")])
    blob = b"".join(k.encode() + v for k, v in _objects(dest).items())
    needles = [
        b"WALLET-CONTENT",
        b"KEYFILE-ONE",
        b"my wallet",
        b"eth keystore",
        b"ledger seed",
        b"wallet.dat",
        b"UTC--key1",
        b"keystore",
        PHRASE.encode(),
        b"legal winner",
        str(paths["wallet"]).encode(),
    ]
    for needle in needles:
        assert needle not in blob, needle


def test_folder_archive_with_entries_outside_is_refused(tmp_path: Path) -> None:
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w") as tar:
        info = tarfile.TarInfo("other/evil")
        info.size = 1
        tar.addfile(info, io.BytesIO(b"x"))
    from keyvault.backup.untar import extract_folder, strip_root_filter

    strip = strip_root_filter("root")
    with (
        tarfile.open(fileobj=io.BytesIO(archive.getvalue())) as tar,
        pytest.raises(DamagedFileError),
    ):
        extract_folder(tar, tmp_path, strip)
    escaping = tarfile.TarInfo("root/../../escape")
    # tarfile's own FilterError where this Python has the filters, else keyvault's.
    with pytest.raises((tarfile.TarError, DamagedFileError)):
        strip(escaping, str(tmp_path))


def test_retention_never_prunes_what_the_owner_sealed(
    vault: tuple[Path, X25519Identity], tmp_path: Path
) -> None:
    from keyvault.backup.drill import seal_destinations

    home, identity = vault
    paths = _setup(vault, tmp_path)
    dest = MemoryDestination("usb", "external")
    start = utc_now() - timedelta(days=400)
    paths["wallet"].write_bytes(b"day 0")
    engine.backup(home, destinations=[dest], now=start)
    assert seal_destinations(home, identity, destinations=[dest]) == ["usb"]
    vault_id = load_config(home).require_vault().id
    sealed = _manifest_of(dest, identity, vault_id).object_ids()
    assert any(k.endswith("/seal.json") for k in _objects(dest))
    assert any(k.endswith("sealed-manifest.age") for k in _objects(dest))
    # 13 newer versions within the same hour: retention keeps the last 10 only.
    for minute in range(1, 14):
        paths["wallet"].write_bytes(f"minute {minute}".encode())
        engine.backup(home, destinations=[dest], now=start + timedelta(minutes=minute))
    report = engine.backup(home, destinations=[dest], now=start + timedelta(days=8))
    assert report.destinations[0].pruned == 3  # minutes 1-3; the sealed version 0 stays
    current = _manifest_of(dest, identity, vault_id).object_ids()
    remaining = {k.rsplit("/", 1)[1][:-4] for k in _objects(dest) if "/objects/" in k}
    # The sealed wallet version fell out of the current manifest, and is still there.
    assert sealed - current
    assert remaining == current | sealed
