"""The heir's read-only B2 key: ``B2Destination.create_read_key`` and ``paper kit
--b2-read-key``, over the HTTP test server (b2sdk's real HTTP stack end to end).

The simulator checks capabilities, the bucket and the name prefix of every list, upload
and delete, but not of downloads (see /work/shared/notes/b2.md): so "cannot download
outside the prefix" is not testable here; listing outside it is.
"""

from __future__ import annotations

import io
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyvault.destinations.b2 import READ_ONLY_CAPABILITIES, B2Destination, B2Settings
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.errors import DestinationPermissionError
from keyvault.secret import Secret

from ..cli.helpers import Result, run_cli
from ..cli.test_backup_support import PASSPHRASE, make_vault
from .b2_server import FAST, B2TestServer, KeyvaultSimulator, cli_env, create_account, create_key

BUCKET = "kv-bucket"
WALLET = b"WALLET-FILE" + bytes(range(256)) * 20


@pytest.fixture
def server() -> Iterator[B2TestServer]:
    with B2TestServer(KeyvaultSimulator(part_size=100_000)) as running:
        yield running


def _dest(
    server: B2TestServer, tmp_path: Path, key: tuple[str, str], name: str, prefix: str = "laptop"
) -> B2Destination:
    return B2Destination(
        name=name,
        bucket=BUCKET,
        prefix=prefix,
        credentials=B2Credentials(key[0], Secret(key[1]), "env"),
        cache_path=tmp_path / f"{name}.sqlite",
        realm=server.realm_url,
        settings=B2Settings(**FAST),  # type: ignore[arg-type]
    )


def _reveal(created: tuple[str, Secret]) -> tuple[str, str]:
    return created[0], created[1].reveal_text()


# --- the key itself ----------------------------------------------------------------------


def test_read_key_is_restricted_and_reads_but_never_writes(
    server: B2TestServer, tmp_path: Path
) -> None:
    master = create_account(server.sim, BUCKET)
    owner = _dest(server, tmp_path, master, "owner")
    owner.put("keyvault/v1/manifest.age", io.BytesIO(b"manifest"), 8)
    server.reset_calls()

    key_id, key = owner.create_read_key()
    assert isinstance(key, Secret) and key_id not in repr(key)
    assert server.endpoints() == ["b2_create_key"]
    stored = server.sim.key_id_to_key[key_id]
    assert sorted(stored.capabilities) == sorted(READ_ONLY_CAPABILITIES)
    assert [b["name"] for b in stored.buckets_or_none] == [BUCKET]
    assert stored.name_prefix_or_none == "laptop/"

    heir = _dest(server, tmp_path, _reveal((key_id, key)), "heir")
    assert [i.key for i in heir.list("keyvault/")] == ["keyvault/v1/manifest.age"]
    sink = io.BytesIO()
    heir.get("keyvault/v1/manifest.age", sink)
    assert sink.getvalue() == b"manifest"
    assert heir.stat("keyvault/v1/manifest.age").size == 8

    with pytest.raises(DestinationPermissionError, match="not allowed"):
        heir.put("keyvault/v1/evil.age", io.BytesIO(b"evil"), 4)
    with pytest.raises(DestinationPermissionError, match="not allowed"):
        heir.delete("keyvault/v1/manifest.age")
    assert server.sim.stored(BUCKET, "laptop/keyvault/v1/manifest.age") == b"manifest"
    assert server.sim.stored(BUCKET, "laptop/keyvault/v1/evil.age") is None

    elsewhere = _dest(server, tmp_path, _reveal((key_id, key)), "elsewhere", prefix="desktop")
    with pytest.raises(DestinationPermissionError):
        list(elsewhere.list("keyvault/"))


def test_without_a_prefix_the_key_covers_only_the_keyvault_folder(
    server: B2TestServer, tmp_path: Path
) -> None:
    master = create_account(server.sim, BUCKET)
    key_id, _ = _dest(server, tmp_path, master, "owner", prefix="").create_read_key()
    assert server.sim.key_id_to_key[key_id].name_prefix_or_none == "keyvault/"


@pytest.mark.parametrize(
    ("capabilities", "bucket"),
    [
        (["listBuckets", "listFiles", "readFiles", "writeFiles"], None),  # no writeKeys
        (["listBuckets", "listFiles", "readFiles", "writeFiles", "writeKeys"], BUCKET),
    ],
    ids=["no-writeKeys", "bucket-restricted"],
)
def test_a_key_that_may_not_create_keys_says_what_to_do(
    server: B2TestServer, tmp_path: Path, capabilities: list[str], bucket: str | None
) -> None:
    master = create_account(server.sim, BUCKET)
    restricted = create_key(server.sim, master, capabilities, bucket=bucket)
    keys_before = set(server.sim.key_id_to_key)
    with pytest.raises(DestinationPermissionError, match="may not create keys") as caught:
        _dest(server, tmp_path, restricted, "owner").create_read_key()
    assert caught.value.hint is not None and "Read Only" in caught.value.hint
    assert set(server.sim.key_id_to_key) == keys_before


# --- through the CLI: kit, then recover with nothing but the printed key ----------------------


class World:
    def __init__(self, home: Path, tmp_path: Path, server: B2TestServer) -> None:
        self.home = home
        self.tmp = tmp_path
        self.server = server
        self.master = create_account(server.sim, BUCKET)
        self.env = cli_env(server) | {"KEYVAULT_PASSPHRASE": PASSPHRASE}

    def cli(self, *args: str, home: Path | None = None, stdin: str = "", **env: str) -> Result:
        result = run_cli(*args, home=home or self.home, env=self.env | env, input=stdin)
        secrets = [self.master[1]] + [k.key for k in self.server.sim.key_id_to_key.values()]
        for secret in secrets:
            assert secret not in result.stdout + result.stderr, "a B2 key was printed"
        return result

    def add_b2(self, name: str, key: tuple[str, str], prefix: str = "laptop") -> None:
        added = self.cli(
            "dest",
            "add",
            "b2",
            name,
            "--bucket",
            BUCKET,
            "--prefix",
            prefix,
            "--store",
            "file",
            stdin=f"{key[0]}\n{key[1]}\n",
        )
        assert added.code == 0, added.stderr


@pytest.fixture
def world(kv_home: Path, tmp_path: Path, server: B2TestServer) -> World:
    w = World(kv_home, tmp_path, server)
    make_vault(kv_home)
    (tmp_path / "wallet.dat").write_bytes(WALLET)
    assert w.cli("add", str(tmp_path / "wallet.dat"), "--name", "main wallet").code == 0
    w.add_b2("offsite", w.master)
    return w


def _pdftotext(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def _printed_key(text: str) -> str:
    """The application key as the heir reads it off the 'Cloud access' page."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "application key:") + 1
    groups: list[str] = []
    for line in lines[start:]:
        words = line.split()
        if not words and not groups:
            continue
        # The key is printed in groups of 4 characters; the next line is ordinary text.
        if not words or any(len(word) > 4 for word in words):
            break
        groups += words
    return "".join(groups)


@pytest.mark.slow
def test_kit_prints_a_read_key_that_recovers_on_a_fresh_home(world: World) -> None:
    backup = world.cli("backup", "--json")
    assert backup.code == 3, backup.stderr  # done; one copy short of 3-2-1, as expected
    assert {d["name"]: d["state"] for d in backup.json()["destinations"]} == {"offsite": "ok"}
    kit = world.tmp / "kit.pdf"
    made = world.cli("paper", "kit", "-o", str(kit), "--b2-read-key", "offsite", "--json")
    assert made.code == 0, made.stderr
    report = made.json()
    [entry] = report["b2_read_keys"]
    assert entry["destination"] == "offsite"
    assert "Cloud access" in report["secret_pages"]
    assert f"created read-only B2 key {entry['key_id']}" in made.stderr
    key_id = entry["key_id"]
    stored = world.server.sim.key_id_to_key[key_id]
    assert sorted(stored.capabilities) == sorted(READ_ONLY_CAPABILITIES)
    assert stored.name_prefix_or_none == "laptop/"

    text = _pdftotext(kit)
    assert "Cloud access" in text and key_id in text
    key = _printed_key(text)
    assert key == stored.key

    # A new machine: the bucket URL, the key from the kit and the vault passphrase.
    fresh, out = world.tmp / "fresh-home", world.tmp / "recovered"
    recovered = world.cli(
        "recover",
        "b2://kv-bucket/laptop",
        "-o",
        str(out),
        home=fresh,
        B2_APPLICATION_KEY_ID=key_id,
        B2_APPLICATION_KEY=key,
    )
    assert recovered.code == 0, recovered.stdout + recovered.stderr
    assert (out / "main wallet").read_bytes() == WALLET


@pytest.mark.slow
def test_kit_refuses_bad_destinations_and_writes_nothing(world: World) -> None:
    (world.tmp / "usb").mkdir()
    local = world.cli("dest", "add", "local", "usb", str(world.tmp / "usb"), "--media", "external")
    assert local.code == 0, local.stderr
    limited = create_key(
        world.server.sim,
        world.master,
        ["listBuckets", "listFiles", "readFiles", "writeFiles", "deleteFiles"],
        bucket=BUCKET,
    )
    world.add_b2("limited", limited, prefix="other")
    kit = world.tmp / "kit.pdf"
    keys_before = set(world.server.sim.key_id_to_key)
    for name, message in (
        ("nowhere", "no B2 destination called 'nowhere'"),
        ("usb", "no B2 destination called 'usb'"),
        ("limited", "may not create keys"),
    ):
        refused = world.cli("paper", "kit", "-o", str(kit), "--b2-read-key", name, "--json")
        assert refused.code == 1, refused.stdout
        assert message in refused.json()["error"]["message"]
        assert not kit.exists()
    assert set(world.server.sim.key_id_to_key) == keys_before
