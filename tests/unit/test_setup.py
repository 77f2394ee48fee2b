"""keyvault.backup.setup: adding and removing destinations, on real folders and against the
B2 test server (b2sdk's real HTTP stack, reached through ``KEYVAULT_B2_REALM``)."""

from __future__ import annotations

import io
import json
import stat
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import keyring
import pytest
from keyring.backends import fail

from keyvault.backup.setup import (
    DESTINATION_NAME_RULE,
    MAX_IMMUTABLE_DAYS,
    B2Target,
    add_b2_destination,
    add_local_destination,
    check_b2_destination,
    check_new_destination,
    is_valid_destination_name,
    remove_destination,
    update_destination,
)
from keyvault.destinations import mounts
from keyvault.destinations.b2 import B2Destination, cache_path_for
from keyvault.destinations.b2.credentials import (
    KEYRING_SERVICE,
    B2Credentials,
    load_credentials,
    save_credentials,
)
from keyvault.destinations.factory import open_destination
from keyvault.destinations.local import create_marker
from keyvault.errors import (
    AlreadyExistsError,
    DamagedObjectError,
    DestinationCredentialsError,
    DestinationError,
    DestinationPermissionError,
    InvalidValueError,
    NotFoundError,
    VaultNotInitializedError,
)
from keyvault.secret import Secret
from keyvault.vault.config import Config, DestinationConfig, VaultSection, load_config, save_config

from ..destinations.b2_server import B2TestServer, KeyvaultSimulator, create_account, create_key
from ..destinations.test_b2_credentials import FileKeyring

VAULT = VaultSection(id="5e1f0c2a9b7d4e31", recipient="age1example", created="2026-01-01T00:00Z")
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
BUCKET = "kv-bucket"


@pytest.fixture
def home(kv_home: Path) -> Path:
    save_config(kv_home, Config(vault=VAULT))
    return kv_home


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "ok"),
    [
        ("usb", True),
        ("Office.NAS_2-b", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("", False),
        ("-x", False),
        (".hidden", False),
        ("bad name", False),
        ("usb\n", False),
        ("ü", False),
    ],
)
def test_destination_names(name: str, ok: bool) -> None:
    assert is_valid_destination_name(name) is ok


def test_check_new_destination(kv_home: Path) -> None:
    with pytest.raises(InvalidValueError, match="use 1-64 letters") as bad:
        check_new_destination(kv_home, "bad name")
    assert DESTINATION_NAME_RULE in bad.value.message and bad.value.exit_code == 2
    with pytest.raises(VaultNotInitializedError):
        check_new_destination(kv_home, "usb")
    save_config(
        kv_home, Config(vault=VAULT, destinations=[DestinationConfig("usb", "local", "external")])
    )
    with pytest.raises(AlreadyExistsError, match="'usb' exists already"):
        check_new_destination(kv_home, "usb")
    assert check_new_destination(kv_home, "usb2").require_vault().id == VAULT.id


# --- a folder -----------------------------------------------------------------------------


def test_add_local_writes_the_marker_then_the_config(home: Path, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    folder.mkdir()
    added = add_local_destination(home, "home-disk", folder / ".." / "backups", now=NOW)
    marker = folder / "keyvault" / VAULT.id / "vault.json"
    assert added.marker == marker
    facts = json.loads(marker.read_text())
    assert (facts["vault_id"], facts["created"]) == (VAULT.id, "2026-06-01T12:00:00+00:00")
    assert added.guessed_media == mounts.guess_media(folder) == "internal"
    assert added.folder == folder.resolve()
    assert added.fs_uuid == mounts.filesystem_uuid(folder)
    assert added.warnings == ()
    (entry,) = load_config(home).destinations
    assert entry == added.entry
    assert (entry.name, entry.type, entry.media, entry.offsite, entry.offline) == (
        "home-disk",
        "local",
        "internal",
        False,
        False,
    )
    assert entry.options["path"] == str(folder.resolve())
    assert entry.options["vault_id"] == VAULT.id
    open_destination(entry, home).check_available()


def test_an_external_drive_on_keyvaults_own_disk_is_questioned(home: Path, tmp_path: Path) -> None:
    # tmp_path and the config dir are on one filesystem: a "drive" there is not mounted.
    added = add_local_destination(
        home, "usb", tmp_path, media="external", offsite=True, offline=True
    )
    (warning,) = added.warnings
    assert "same disk as keyvault's own files" in warning and "mounted" in warning
    entry = load_config(home).destinations[0]
    assert (entry.media, entry.offsite, entry.offline) == ("external", True, True)


def test_add_local_refuses_and_leaves_everything_as_it_was(kv_home: Path, tmp_path: Path) -> None:
    with pytest.raises(VaultNotInitializedError):
        add_local_destination(kv_home, "usb", tmp_path)
    assert not (tmp_path / "keyvault").exists()
    save_config(kv_home, Config(vault=VAULT))
    with pytest.raises(NotFoundError, match="does not exist") as missing:
        add_local_destination(kv_home, "usb", tmp_path / "not-mounted")
    assert missing.value.hint is not None and "mount" in missing.value.hint
    with pytest.raises(InvalidValueError):
        add_local_destination(kv_home, "no/slash", tmp_path)
    with pytest.raises(ValueError, match="media"):
        add_local_destination(kv_home, "usb", tmp_path, media="cloud")
    with pytest.raises(ValueError, match="timezone"):
        add_local_destination(kv_home, "usb", tmp_path, now=datetime(2026, 1, 1))
    assert load_config(kv_home).destinations == []

    add_local_destination(kv_home, "a", tmp_path)
    with pytest.raises(AlreadyExistsError, match="exists already"):
        add_local_destination(kv_home, "a", tmp_path)
    link = tmp_path.parent / f"{tmp_path.name}-link"
    link.symlink_to(tmp_path)
    with pytest.raises(AlreadyExistsError, match="'a' already uses"):
        add_local_destination(kv_home, "b", link)
    assert [d.name for d in load_config(kv_home).destinations] == ["a"]


def test_a_folder_of_another_vault_is_refused(home: Path, tmp_path: Path) -> None:
    create_marker(tmp_path, "ffffffffffffffff", "2026-01-01T00:00Z")
    (tmp_path / "keyvault" / "ffffffffffffffff").rename(tmp_path / "keyvault" / VAULT.id)
    with pytest.raises(DestinationError, match="another vault"):
        add_local_destination(home, "usb", tmp_path)
    assert load_config(home).destinations == []


def test_remove_keeps_the_copies(home: Path, tmp_path: Path) -> None:
    add_local_destination(home, "disk", tmp_path)
    removed = remove_destination(home, "disk")
    assert removed.entry.name == "disk" and removed.warnings == ()
    assert load_config(home).destinations == []
    assert (tmp_path / "keyvault" / VAULT.id / "vault.json").exists()
    with pytest.raises(NotFoundError, match="no destination called 'disk'"):
        remove_destination(home, "disk")


def test_update_changes_only_what_is_asked(home: Path, tmp_path: Path) -> None:
    add_local_destination(home, "disk", tmp_path, media="external")
    original = load_config(home).destinations[0]
    updated = update_destination(home, "disk", offline=True, offsite=True)
    assert updated.changed == ("offsite", "offline")
    assert updated.before == original
    (entry,) = load_config(home).destinations
    assert entry == updated.entry
    assert (entry.media, entry.offsite, entry.offline) == ("external", True, True)
    assert entry.options == original.options
    again = update_destination(home, "disk", offline=False, media="nas")
    assert again.changed == ("media", "offline")
    (entry,) = load_config(home).destinations
    assert (entry.media, entry.offsite, entry.offline) == ("nas", True, False)
    assert update_destination(home, "disk", media="nas").changed == ()


def test_update_refuses_unknown_names_and_media_a_destination_cannot_be(
    home: Path, tmp_path: Path
) -> None:
    with pytest.raises(NotFoundError, match="no destination called 'nope'"):
        update_destination(home, "nope", offline=True)
    add_local_destination(home, "disk", tmp_path, media="external")
    config = load_config(home)
    config.destinations.append(
        DestinationConfig("cloud", "b2", "cloud", True, False, {"bucket": BUCKET})
    )
    save_config(home, config)
    before = (home / "config.toml").read_bytes()
    with pytest.raises(InvalidValueError, match="cannot be 'external'"):
        update_destination(home, "cloud", media="external", offline=True)
    with pytest.raises(InvalidValueError, match="cannot be 'cloud'"):
        update_destination(home, "disk", media="cloud")
    with pytest.raises(ValueError, match="unknown media kind"):
        update_destination(home, "disk", media="floppy")
    assert (home / "config.toml").read_bytes() == before
    assert update_destination(home, "cloud", media="cloud", offsite=False).changed == ("offsite",)


# --- a B2 bucket --------------------------------------------------------------------------


class B2:
    def __init__(self, server: B2TestServer) -> None:
        self.server = server
        self.sim = server.sim
        self.master = create_account(self.sim, BUCKET)

    def credentials(
        self, key: tuple[str, str] | None = None, source: str = "prompt"
    ) -> B2Credentials:
        key_id, secret = key or self.master
        return B2Credentials(key_id, Secret(secret, label="B2 key"), source)

    def marker(self, prefix: str = "") -> bytes | None:
        return self.sim.stored(BUCKET, f"{prefix}keyvault/{VAULT.id}/vault.json")


@pytest.fixture
def b2(home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[B2]:
    with B2TestServer(KeyvaultSimulator(part_size=100_000)) as server:
        monkeypatch.setenv("KEYVAULT_B2_REALM", server.realm_url)
        monkeypatch.setenv("KEYVAULT_B2_TIMEOUT", "5")
        monkeypatch.setenv("KEYVAULT_B2_BACKOFF_MAX", "0.01")
        yield B2(server)


@pytest.fixture
def test_keyring(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "keyring.json"
    monkeypatch.setenv("KEYVAULT_TEST_KEYRING_FILE", str(path))
    previous = keyring.get_keyring()
    keyring.set_keyring(FileKeyring())
    yield path
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_check_b2_destination(home: Path) -> None:
    target = check_b2_destination(home, "offsite", bucket=BUCKET, prefix="/laptop/")
    assert target == B2Target("offsite", BUCKET, "laptop", 0, "governance")
    assert target.url == f"b2://{BUCKET}/laptop"
    locked = check_b2_destination(home, "o", bucket=BUCKET, immutable_days=30, compliance=True)
    assert (locked.immutable_days, locked.retention, locked.url) == (
        30,
        "compliance",
        f"b2://{BUCKET}",
    )
    bad = [
        {"prefix": "a//b"},
        {"bucket": "no_underscores"},
        {"bucket": ""},
        {"compliance": True},
        {"immutable_days": -1},
        {"immutable_days": MAX_IMMUTABLE_DAYS + 1},
    ]
    for case in bad:
        arguments: dict[str, object] = {"bucket": BUCKET} | case
        with pytest.raises(InvalidValueError):
            check_b2_destination(home, "offsite", **arguments)  # type: ignore[arg-type]
    assert check_b2_destination(home, "o", bucket=BUCKET, immutable_days=MAX_IMMUTABLE_DAYS)
    with pytest.raises(InvalidValueError):
        check_b2_destination(home, "bad name", bucket=BUCKET)
    assert load_config(home).destinations == []


def test_add_b2_with_a_file_store_then_remove_it(home: Path, b2: B2) -> None:
    target = check_b2_destination(home, "offsite", bucket=BUCKET, prefix="laptop")
    added = add_b2_destination(home, target, b2.credentials(), store="file", now=NOW)
    assert added.marker == f"keyvault/{VAULT.id}/vault.json" and added.store == "file"
    assert "writeFiles" in added.probe.capabilities
    assert any("lifecycle" in w for w in added.probe.warnings)
    facts = json.loads(b2.marker("laptop/") or b"{}")
    assert (facts["vault_id"], facts["created"]) == (VAULT.id, "2026-06-01T12:00:00+00:00")
    (entry,) = load_config(home).destinations
    assert entry == added.entry
    assert (entry.type, entry.media, entry.offsite, entry.offline) == ("b2", "cloud", True, False)
    assert entry.options == {
        "bucket": BUCKET,
        "prefix": "laptop",
        "immutable_days": 0,
        "retention": "governance",
        "credentials": "file",
        "vault_id": VAULT.id,
    }
    secret = b2.master[1]
    assert secret not in (home / "config.toml").read_text()
    creds_file = home / "b2-credentials.json"
    assert stat.S_IMODE(creds_file.stat().st_mode) == 0o600 and secret in creds_file.read_text()
    destination = open_destination(entry, home)
    destination.check_available()
    assert [i.key for i in destination.list("keyvault/")] == [added.marker]
    cache = cache_path_for(home, "offsite")
    assert cache.exists()
    # Another destination's key in the same file stays.
    save_credentials(home, "file", "other", b2.credentials())

    removed = remove_destination(home, "offsite")
    assert removed.warnings == ()
    assert load_config(home).destinations == []
    assert "offsite" not in json.loads(creds_file.read_text())
    assert load_credentials(home, "file", "other").key_id == b2.master[0]
    assert not cache.exists()
    assert b2.marker("laptop/") is not None  # the copies stay at B2


def test_add_b2_with_the_os_keyring_then_remove_it(home: Path, b2: B2, test_keyring: Path) -> None:
    target = check_b2_destination(home, "offsite", bucket=BUCKET)
    add_b2_destination(home, target, b2.credentials(), store="keyring")
    assert f"{KEYRING_SERVICE}/offsite" in json.loads(test_keyring.read_text())
    assert not (home / "b2-credentials.json").exists()
    open_destination(load_config(home).destinations[0], home).check_available()
    remove_destination(home, "offsite")
    assert json.loads(test_keyring.read_text()) == {}
    assert not cache_path_for(home, "offsite").exists()


def test_env_store_keeps_nothing(home: Path, b2: B2, monkeypatch: pytest.MonkeyPatch) -> None:
    target = check_b2_destination(home, "offsite", bucket=BUCKET)
    with pytest.raises(ValueError, match="environment"):
        add_b2_destination(home, target, b2.credentials(), store="env")
    with pytest.raises(ValueError, match="store"):
        add_b2_destination(home, target, b2.credentials(), store="vault")
    added = add_b2_destination(home, target, b2.credentials(source="env"), store="env")
    assert added.entry.options["credentials"] == "env"
    assert not (home / "b2-credentials.json").exists()
    monkeypatch.setenv("B2_APPLICATION_KEY_ID", b2.master[0])
    monkeypatch.setenv("B2_APPLICATION_KEY", b2.master[1])
    open_destination(added.entry, home).check_available()
    assert remove_destination(home, "offsite").warnings == ()


def test_no_keyring_is_refused_before_any_network_call(
    home: Path, b2: B2, no_keyring: None
) -> None:
    target = check_b2_destination(home, "offsite", bucket=BUCKET)
    calls = len(b2.server.calls)
    with pytest.raises(DestinationCredentialsError, match="no usable keyring"):
        add_b2_destination(home, target, b2.credentials(), store="keyring")
    assert len(b2.server.calls) == calls
    assert load_config(home).destinations == [] and b2.marker() is None


@pytest.mark.parametrize(
    ("case", "error", "message"),
    [
        ("bad key", DestinationCredentialsError, "B2 rejected the application key"),
        ("read only", DestinationPermissionError, "lacks writeFiles"),
        ("prefix", DestinationPermissionError, "only allows names starting with 'elsewhere/'"),
    ],
)
def test_a_refused_key_saves_nothing(
    home: Path, b2: B2, case: str, error: type[Exception], message: str
) -> None:
    if case == "bad key":
        key = (b2.master[0], "not-the-key")
    elif case == "read only":
        key = create_key(
            b2.sim, b2.master, ["listBuckets", "listFiles", "readFiles"], bucket=BUCKET
        )
    else:
        all_needed = ["listBuckets", "listFiles", "readFiles", "writeFiles", "deleteFiles"]
        key = create_key(b2.sim, b2.master, all_needed, bucket=BUCKET, name_prefix="elsewhere/")
    target = check_b2_destination(home, "offsite", bucket=BUCKET)
    with pytest.raises(error, match=message):
        add_b2_destination(home, target, b2.credentials(key), store="file")
    assert load_config(home).destinations == []
    assert not (home / "b2-credentials.json").exists()
    assert b2.marker() is None


def test_a_foreign_marker_at_b2_is_refused(home: Path, b2: B2) -> None:
    target = check_b2_destination(home, "offsite", bucket=BUCKET)
    other = B2Destination(
        name="x",
        bucket=BUCKET,
        credentials=b2.credentials(),
        cache_path=home.parent / "x.sqlite",
        realm=b2.server.realm_url,
    )
    other.put(f"keyvault/{VAULT.id}/vault.json", io.BytesIO(b"not a marker"), 12)
    with pytest.raises(DestinationError, match="is not a keyvault marker"):
        add_b2_destination(home, target, b2.credentials(), store="file")
    assert load_config(home).destinations == [] and b2.marker() == b"not a marker"


def test_an_oversized_marker_at_b2_is_refused_without_reading_it_all(home: Path, b2: B2) -> None:
    from keyvault.layout import MARKER_CAP

    target = check_b2_destination(home, "offsite", bucket=BUCKET)
    other = B2Destination(
        name="x",
        bucket=BUCKET,
        credentials=b2.credentials(),
        cache_path=home.parent / "x.sqlite",
        realm=b2.server.realm_url,
    )
    huge = b"[" * (MARKER_CAP + 4096)
    other.put(f"keyvault/{VAULT.id}/vault.json", io.BytesIO(huge), len(huge))
    with pytest.raises(DamagedObjectError, match="larger than the 65536 bytes expected"):
        add_b2_destination(home, target, b2.credentials(), store="file")
    assert load_config(home).destinations == []


def test_a_name_taken_since_the_check_keeps_the_other_key(home: Path, b2: B2) -> None:
    target = check_b2_destination(home, "offsite", bucket=BUCKET)
    save_credentials(home, "file", "offsite", b2.credentials(("someone", "else's key")))
    config = load_config(home)
    config.destinations.append(DestinationConfig("offsite", "local", "external"))
    save_config(home, config)
    with pytest.raises(AlreadyExistsError):
        add_b2_destination(home, target, b2.credentials(), store="file")
    assert load_credentials(home, "file", "offsite").key_id == "someone"


def test_remove_b2_with_an_unknown_store_warns(home: Path) -> None:
    entry = DestinationConfig(
        "odd", "b2", "cloud", True, False, {"bucket": BUCKET, "credentials": "vault"}
    )
    save_config(home, Config(vault=VAULT, destinations=[entry]))
    removed = remove_destination(home, "odd")
    (warning,) = removed.warnings
    assert "'vault' is unknown" in warning
    assert load_config(home).destinations == []
