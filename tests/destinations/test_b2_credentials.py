"""B2 credentials: the environment, the OS keyring, or an explicit 0600 file; never shown."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backends import fail

from keyvault.destinations.b2 import (
    B2Destination,
    open_b2_destination,
    open_b2_source,
    parse_b2_url,
)
from keyvault.destinations.b2.credentials import (
    CREDENTIALS_FILE,
    KEYRING_SERVICE,
    B2Credentials,
    delete_credentials,
    keyring_available,
    load_credentials,
    save_credentials,
)
from keyvault.errors import ConfigError, DestinationCredentialsError
from keyvault.secret import Secret
from keyvault.vault.config import DestinationConfig

KEY = "K005abcdefSECRETSECRETSECRET"


class FileKeyring(keyring.backend.KeyringBackend):
    """A keyring back end in a JSON file (``KEYVAULT_TEST_KEYRING_FILE``), for tests.

    It goes through keyring's real plug-in interface; CLI tests select it in the child
    process with ``PYTHON_KEYRING_BACKEND=tests.destinations.test_b2_credentials.FileKeyring``.
    """

    priority = 1  # type: ignore[assignment]

    def _path(self) -> Path:
        return Path(os.environ["KEYVAULT_TEST_KEYRING_FILE"])

    def _load(self) -> dict[str, str]:
        try:
            return dict(json.loads(self._path().read_text()))
        except FileNotFoundError:
            return {}

    def get_password(self, service: str, username: str) -> str | None:
        return self._load().get(f"{service}/{username}")

    def set_password(self, service: str, username: str, password: str) -> None:
        data = self._load()
        data[f"{service}/{username}"] = password
        self._path().write_text(json.dumps(data))

    def delete_password(self, service: str, username: str) -> None:
        data = self._load()
        if data.pop(f"{service}/{username}", None) is None:
            raise keyring.errors.PasswordDeleteError("not found")
        self._path().write_text(json.dumps(data))


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


def creds() -> B2Credentials:
    return B2Credentials("0050123456789ab0000000001", Secret(KEY), "prompt")


# --- the value ------------------------------------------------------------------------


def test_credentials_never_show_the_key() -> None:
    value = creds()
    for text in (repr(value), str(value), f"{value}", repr([value])):
        assert KEY not in text
        assert "redacted" in text


def test_credentials_refuse_a_plain_string_key() -> None:
    with pytest.raises(TypeError):
        B2Credentials("id", KEY, "env")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        B2Credentials("", Secret(KEY), "env")
    with pytest.raises(ValueError):
        B2Credentials("id with space", Secret(KEY), "env")


def test_unknown_store_is_a_caller_mistake(kv_home: Path) -> None:
    with pytest.raises(ValueError):
        load_credentials(kv_home, "vault", "offsite")
    with pytest.raises(ValueError):
        save_credentials(kv_home, "vault", "offsite", creds())


# --- env --------------------------------------------------------------------------------


def test_env_store(kv_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(DestinationCredentialsError, match="B2_APPLICATION_KEY_ID") as raised:
        load_credentials(kv_home, "env", "offsite")
    assert raised.value.hint and "export" in raised.value.hint
    monkeypatch.setenv("B2_APPLICATION_KEY_ID", "keyid")
    with pytest.raises(DestinationCredentialsError):  # only one of the two
        load_credentials(kv_home, "env", "offsite")
    monkeypatch.setenv("B2_APPLICATION_KEY", KEY)
    found = load_credentials(kv_home, "env", "offsite")
    assert (found.key_id, found.key.reveal_text(), found.source) == ("keyid", KEY, "env")
    save_credentials(kv_home, "env", "offsite", found)  # stores nothing
    assert list(kv_home.iterdir()) == []


# --- file -------------------------------------------------------------------------------


def test_file_store_is_0600_and_round_trips(kv_home: Path) -> None:
    save_credentials(kv_home, "file", "offsite", creds())
    save_credentials(kv_home, "file", "second", B2Credentials("id2", Secret("k2"), "prompt"))
    path = kv_home / CREDENTIALS_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    found = load_credentials(kv_home, "file", "offsite")
    assert found.key.reveal_text() == KEY and found.source == "file"
    assert load_credentials(kv_home, "file", "second").key_id == "id2"
    delete_credentials(kv_home, "file", "offsite")
    with pytest.raises(DestinationCredentialsError, match="no B2 key for destination 'offsite'"):
        load_credentials(kv_home, "file", "offsite")
    assert load_credentials(kv_home, "file", "second").key_id == "id2"
    delete_credentials(kv_home, "file", "never-there")


def test_file_store_damaged(kv_home: Path) -> None:
    (kv_home / CREDENTIALS_FILE).write_text("{not json")
    with pytest.raises(DestinationCredentialsError, match="cannot read"):
        load_credentials(kv_home, "file", "offsite")
    (kv_home / CREDENTIALS_FILE).write_text(json.dumps({"offsite": {"key_id": "x"}}))
    with pytest.raises(DestinationCredentialsError, match="unreadable"):
        load_credentials(kv_home, "file", "offsite")
    (kv_home / CREDENTIALS_FILE).write_text("[]")
    with pytest.raises(DestinationCredentialsError, match="malformed"):
        load_credentials(kv_home, "file", "offsite")


# --- keyring ----------------------------------------------------------------------------


def test_keyring_store(kv_home: Path, test_keyring: Path) -> None:
    assert keyring_available()
    save_credentials(kv_home, "keyring", "offsite", creds())
    assert KEYRING_SERVICE in test_keyring.read_text()
    found = load_credentials(kv_home, "keyring", "offsite")
    assert found.key.reveal_text() == KEY and found.source == "keyring"
    delete_credentials(kv_home, "keyring", "offsite")
    delete_credentials(kv_home, "keyring", "offsite")  # idempotent
    with pytest.raises(DestinationCredentialsError, match="no B2 key"):
        load_credentials(kv_home, "keyring", "offsite")
    assert list(kv_home.iterdir()) == []  # nothing in the config dir


def test_no_keyring_says_what_to_do(kv_home: Path, no_keyring: None) -> None:
    assert not keyring_available()
    with pytest.raises(DestinationCredentialsError, match="no usable keyring") as raised:
        save_credentials(kv_home, "keyring", "offsite", creds())
    assert raised.value.hint and "--store file" in raised.value.hint
    with pytest.raises(DestinationCredentialsError, match="no usable keyring"):
        load_credentials(kv_home, "keyring", "offsite")
    delete_credentials(kv_home, "keyring", "offsite")


# --- opening destinations ---------------------------------------------------------------


def test_open_from_config(kv_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_credentials(kv_home, "file", "offsite", creds())
    monkeypatch.setenv("KEYVAULT_B2_REALM", "http://127.0.0.1:9")
    cfg = DestinationConfig(
        "offsite",
        "b2",
        "cloud",
        offsite=True,
        options={
            "bucket": "kv-bucket",
            "prefix": "/laptop/",
            "immutable_days": 30,
            "retention": "compliance",
            "credentials": "file",
        },
    )
    dest = open_b2_destination(cfg, kv_home)
    assert isinstance(dest, B2Destination)
    assert (dest.name, dest.bucket, dest.prefix) == ("offsite", "kv-bucket", "laptop")
    assert dest.immutable and dest.offsite and not dest.offline and dest.media == "cloud"
    assert dest.location_id() == "b2:kv-bucket"
    assert dest.connection.realm == "http://127.0.0.1:9"
    assert KEY not in repr(dest)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({}, "has no bucket"),
        ({"bucket": "b", "immutable_days": -1}, "invalid retention"),
        ({"bucket": "b", "retention": "forever"}, "invalid retention"),
        ({"bucket": "b", "credentials": "vault"}, "unknown credential store"),
    ],
)
def test_open_bad_config(kv_home: Path, options: dict[str, object], message: str) -> None:
    cfg = DestinationConfig("offsite", "b2", "cloud", options=options)
    with pytest.raises(ConfigError, match=message):
        open_b2_destination(cfg, kv_home)


def test_open_without_credentials(kv_home: Path) -> None:
    cfg = DestinationConfig("offsite", "b2", "cloud", options={"bucket": "b"})
    with pytest.raises(DestinationCredentialsError):
        open_b2_destination(cfg, kv_home)


def test_b2_urls(kv_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert parse_b2_url("b2://my-bucket") == ("my-bucket", "")
    assert parse_b2_url("b2://my-bucket/a/b/") == ("my-bucket", "a/b")
    for bad in ("s3://x/y", "b2://", "b2://bad_name/x", "b2://b/a//c", "b2://b/../x"):
        with pytest.raises(ValueError):
            parse_b2_url(bad)
    with pytest.raises(DestinationCredentialsError, match="no B2 credentials"):
        open_b2_source("b2://my-bucket/a", kv_home)
    monkeypatch.setenv("B2_APPLICATION_KEY_ID", "keyid")
    monkeypatch.setenv("B2_APPLICATION_KEY", KEY)
    source = open_b2_source("b2://my-bucket/a", kv_home)
    assert (source.bucket, source.prefix, source.name) == ("my-bucket", "a", "b2://my-bucket/a")
