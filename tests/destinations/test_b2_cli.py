"""``keyvault dest add b2``: the real CLI in a subprocess against the B2 test server.

The server runs in this process; the CLI reaches it through ``KEYVAULT_B2_REALM``, so
b2sdk's real HTTP stack is used end to end.
"""

from __future__ import annotations

import io
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from keyvault.destinations.b2 import B2Destination
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.destinations.factory import open_destination
from keyvault.secret import Secret
from keyvault.vault.config import Config, VaultSection, load_config, save_config

from ..cli.helpers import Result, run_cli
from .b2_server import B2TestServer, KeyvaultSimulator, create_account, create_key

REPO = Path(__file__).resolve().parents[2]
VAULT = VaultSection(id="5e1f0c2a9b7d4e31", recipient="age1example", created="2026-01-01T00:00Z")
BUCKET = "kv-bucket"
ALL_NEEDED = ["listBuckets", "listFiles", "readFiles", "writeFiles", "deleteFiles"]
TEST_KEYRING = "tests.destinations.test_b2_credentials.FileKeyring"
NO_KEYRING = "keyring.backends.fail.Keyring"


class Env:
    def __init__(self, server: B2TestServer, home: Path, tmp_path: Path) -> None:
        self.server = server
        self.sim = server.sim
        self.home = home
        self.master = create_account(self.sim, BUCKET)
        self.keyring_file = tmp_path / "keyring.json"
        self.keys: list[str] = [self.master[1]]

    def key(self, capabilities: list[str], **restrictions: str) -> tuple[str, str]:
        created = create_key(self.sim, self.master, capabilities, **restrictions)
        self.keys.append(created[1])
        return created

    def run(
        self,
        *args: str,
        key: tuple[str, str] | None = None,
        stdin: str = "",
        keyring_backend: str = NO_KEYRING,
    ) -> Result:
        env = {
            "KEYVAULT_B2_REALM": self.server.realm_url,
            "KEYVAULT_B2_TIMEOUT": "5",
            "KEYVAULT_B2_BACKOFF_MAX": "0.01",
            "PYTHON_KEYRING_BACKEND": keyring_backend,
            "KEYVAULT_TEST_KEYRING_FILE": str(self.keyring_file),
            "PYTHONPATH": str(REPO),
        }
        if key is not None:
            env |= {"B2_APPLICATION_KEY_ID": key[0], "B2_APPLICATION_KEY": key[1]}
        result = run_cli(*args, home=self.home, env=env, input=stdin)
        for secret in self.keys:
            assert secret not in result.stdout + result.stderr, "the key was printed"
        return result

    def add_b2(self, *options: str, as_json: bool = False, **kwargs: Any) -> Result:
        """``keyvault [--json] dest add b2 offsite --bucket BUCKET [options]``."""
        return self.run(
            *(["--json"] if as_json else []),
            "dest",
            "add",
            "b2",
            "offsite",
            "--bucket",
            BUCKET,
            *options,
            **kwargs,
        )

    def marker(self, prefix: str) -> bytes | None:
        return self.sim.stored(BUCKET, f"{prefix}keyvault/{VAULT.id}/vault.json")


@pytest.fixture
def env(kv_home: Path, tmp_path: Path) -> Iterator[Env]:
    save_config(kv_home, Config(vault=VAULT))
    with B2TestServer(KeyvaultSimulator(part_size=100_000)) as server:
        yield Env(server, kv_home, tmp_path)


def _error(result: Result) -> dict[str, str]:
    assert result.code == 1, (result.stdout, result.stderr)
    error: dict[str, str] = result.json()["error"]
    return error


def test_add_with_env_credentials(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    result = env.add_b2("--prefix", "laptop/", as_json=True, key=env.master)
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["added"]["location"] == f"b2://{BUCKET}/laptop"
    assert document["credentials"] == "env"
    facts = json.loads(env.marker("laptop/") or b"null")
    assert facts["vault_id"] == VAULT.id and set(facts) == {
        "keyvault",
        "format",
        "vault_id",
        "created",
    }
    (entry,) = load_config(env.home).destinations
    assert (entry.type, entry.media, entry.offsite, entry.offline) == ("b2", "cloud", True, False)
    assert entry.options["credentials"] == "env" and entry.options["prefix"] == "laptop"
    config_text = (env.home / "config.toml").read_text()
    assert env.master[1] not in config_text and env.master[0] not in config_text
    # The same entry opens through the factory and sees the marker.
    monkeypatch.setenv("KEYVAULT_B2_REALM", env.server.realm_url)
    monkeypatch.setenv("B2_APPLICATION_KEY_ID", env.master[0])
    monkeypatch.setenv("B2_APPLICATION_KEY", env.master[1])
    dest = open_destination(entry, env.home)
    assert [i.key for i in dest.list("keyvault/")] == [f"keyvault/{VAULT.id}/vault.json"]
    listed = env.run("--json", "dest", "list", key=env.master)
    assert listed.json()["destinations"][0]["present"] is True


def test_add_keeps_the_key_in_a_0600_file_when_asked(env: Env) -> None:
    stdin = f"{env.master[0]}\n{env.master[1]}\n"
    result = env.add_b2("--store", "file", stdin=stdin)
    assert result.code == 0, result.stderr
    assert "key kept in: file" in result.stdout
    path = env.home / "b2-credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert env.master[1] in path.read_text()
    assert env.master[1] not in (env.home / "config.toml").read_text()
    assert env.marker("") is not None
    # A later run finds the key without the environment.
    listed = env.run("--json", "dest", "list")
    assert listed.json()["destinations"][0]["present"] is True, listed.stdout


def test_add_keeps_the_key_in_the_os_keyring_by_default(env: Env) -> None:
    stdin = f"{env.master[0]}\n{env.master[1]}\n"
    result = env.add_b2(stdin=stdin, keyring_backend=TEST_KEYRING)
    assert result.code == 0, result.stderr
    assert load_config(env.home).destinations[0].options["credentials"] == "keyring"
    assert env.master[1] in env.keyring_file.read_text()
    assert not (env.home / "b2-credentials.json").exists()


def test_without_a_keyring_it_asks_for_a_choice(env: Env) -> None:
    stdin = f"{env.master[0]}\n{env.master[1]}\n"
    result = env.add_b2(stdin=stdin)
    assert result.code == 2
    assert "--store file" in result.stderr
    assert load_config(env.home).destinations == []


@pytest.mark.parametrize(
    ("case", "kind", "message"),
    [
        ("bad key", "DestinationCredentialsError", "B2 rejected the application key"),
        ("no bucket", "DestinationUnavailableError", "no bucket named 'nope'"),
        ("other bucket", "DestinationPermissionError", "restricted to bucket other-bucket"),
        ("prefix", "DestinationPermissionError", "only allows names starting with 'elsewhere/'"),
        ("read only", "DestinationPermissionError", "lacks writeFiles"),
    ],
)
def test_add_says_precisely_what_is_wrong(env: Env, case: str, kind: str, message: str) -> None:
    bucket = BUCKET
    if case == "bad key":
        key = (env.master[0], "not-the-key")
    elif case == "no bucket":
        key, bucket = env.master, "nope"
    elif case == "other bucket":
        token = env.sim.authorize_account(env.sim.API_URL, *env.master)["authorizationToken"]
        env.sim.create_bucket(env.sim.API_URL, token, env.master[0], "other-bucket", "allPrivate")
        key = env.key(ALL_NEEDED, bucket="other-bucket")
    elif case == "prefix":
        key = env.key(ALL_NEEDED, bucket=BUCKET, name_prefix="elsewhere/")
    else:
        key = env.key(["listBuckets", "listFiles", "readFiles"], bucket=BUCKET)
    result = env.run("--json", "dest", "add", "b2", "offsite", "--bucket", bucket, key=key)
    error = _error(result)
    assert error["type"] == kind
    assert message in error["message"]
    assert load_config(env.home).destinations == []
    assert env.marker("") is None


def test_a_key_restricted_to_bucket_and_prefix_works(env: Env) -> None:
    key = env.key(ALL_NEEDED, bucket=BUCKET, name_prefix="laptop/")
    result = env.add_b2("--prefix", "laptop", key=key)
    assert result.code == 0, result.stderr
    assert env.marker("laptop/") is not None


def test_immutable_needs_object_lock(env: Env) -> None:
    result = env.add_b2("--immutable-days", "30", as_json=True, key=env.master)
    error = _error(result)
    assert "does not have Object Lock enabled" in error["message"]


def test_immutable_warns_when_the_key_can_bypass_governance(
    env: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = env.sim.authorize_account(env.sim.API_URL, *env.master)["authorizationToken"]
    env.sim.create_bucket(
        env.sim.API_URL, token, env.master[0], "locked", "allPrivate", is_file_lock_enabled=True
    )
    result = env.run(
        "dest",
        "add",
        "b2",
        "offsite",
        "--bucket",
        "locked",
        "--immutable-days",
        "30",
        key=env.master,
    )
    assert result.code == 0, result.stderr
    assert "bypassGovernance" in result.stderr and "--compliance" in result.stderr
    assert "governance mode" in result.stdout
    entry = load_config(env.home).destinations[0]
    assert (entry.options["immutable_days"], entry.options["retention"]) == (30, "governance")
    monkeypatch.setenv("B2_APPLICATION_KEY_ID", env.master[0])
    monkeypatch.setenv("B2_APPLICATION_KEY", env.master[1])
    assert open_destination(entry, env.home).immutable
    second = env.run(
        "dest",
        "add",
        "b2",
        "vault2",
        "--bucket",
        "locked",
        "--prefix",
        "p",
        "--immutable-days",
        "30",
        "--compliance",
        key=env.master,
    )
    assert second.code == 0, second.stderr
    assert "bypassGovernance" not in second.stderr
    assert load_config(env.home).destinations[1].options["retention"] == "compliance"


def test_markers_of_two_vaults_and_a_foreign_file(env: Env) -> None:
    other = Config(vault=VaultSection(id="ffffffffffffffff", recipient="age1x", created="x"))
    other_home = env.home.parent / "other-home"
    save_config(other_home, other)
    first = run_cli(
        "dest",
        "add",
        "b2",
        "offsite",
        "--bucket",
        BUCKET,
        home=other_home,
        env={
            "KEYVAULT_B2_REALM": env.server.realm_url,
            "B2_APPLICATION_KEY_ID": env.master[0],
            "B2_APPLICATION_KEY": env.master[1],
        },
    )
    assert first.code == 0, first.stderr
    # Markers are per vault id, so a second vault can share the prefix...
    result = env.add_b2(key=env.master)
    assert result.code == 0, result.stderr
    assert env.marker("") is not None
    # Something else at our vault's marker key is refused, not overwritten.
    dest = B2Destination(
        name="x",
        bucket=BUCKET,
        credentials=B2Credentials(env.master[0], Secret(env.master[1]), "env"),
        cache_path=env.home.parent / "x.sqlite",
        realm=env.server.realm_url,
    )
    dest.put(f"keyvault/{VAULT.id}/vault.json", io.BytesIO(b"not a marker"), 12)
    again = env.run("--json", "dest", "add", "b2", "offsite2", "--bucket", BUCKET, key=env.master)
    assert "is not a keyvault marker" in _error(again)["message"]
    assert env.marker("") == b"not a marker"


@pytest.mark.parametrize(
    ("args", "code", "fragment"),
    [
        (["--compliance"], 2, "--compliance needs --immutable-days"),
        (["--immutable-days", "-1"], 2, "-1"),
        (["--prefix", "a//b"], 2, "invalid object key"),
        (["--store", "env"], 2, "B2_APPLICATION_KEY_ID"),
    ],
)
def test_usage_errors(env: Env, args: list[str], code: int, fragment: str) -> None:
    result = env.add_b2(*args)
    assert result.code == code
    assert fragment in result.stderr


def test_stdin_must_hold_two_lines(env: Env) -> None:
    result = env.add_b2("--store", "file", stdin="only-one-line\n")
    assert result.code == 2 and "two lines" in result.stderr


def test_name_taken_and_no_vault(env: Env, tmp_path: Path) -> None:
    assert env.add_b2(key=env.master).code == 0
    again = env.add_b2(as_json=True, key=env.master)
    assert _error(again)["type"] == "AlreadyExistsError"
    bad = env.run("dest", "add", "b2", "bad name", "--bucket", BUCKET, key=env.master)
    assert bad.code == 2
    (env.home / "config.toml").unlink()
    none = env.run("--json", "dest", "add", "b2", "x", "--bucket", BUCKET, key=env.master)
    assert _error(none)["type"] == "VaultNotInitializedError"
