"""A config.toml edited by hand, through the real CLI: a ConfigError naming the key, never
a traceback, never a hang; a good config keeps loading and unknown top-level keys survive."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from keyvault.vault.config import Config, VaultSection, config_path, load_config, save_config

from .helpers import run_cli

VAULT = VaultSection(id="5e1f0c2a9b7d4e31", recipient="age1example", created="2026-01-01T00:00Z")
GOOD = """\
version = 1

[vault]
id = "5e1f0c2a9b7d4e31"
recipient = "age1example"
created = "2026-01-01T00:00Z"

[policy]
min_copies = 3

[[destinations]]
name = "usb"
type = "local"
media = "external"
options = { path = "/media/usb" }

[[items]]
name = "wallet.dat"
kind = "file"
added = "2026-01-01T00:00Z"
path = "/home/u/wallet.dat"
"""


def _error(home: Path, text: str | bytes) -> dict[str, str]:
    path = config_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    result = run_cli("--json", "dest", "list", home=home, timeout=60)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.code == 1, result.stdout
    error: dict[str, str] = result.json()["error"]
    assert error["type"] == "ConfigError"
    return error


def test_a_good_config_loads(kv_home: Path) -> None:
    config_path(kv_home).write_text(GOOD)
    result = run_cli("--json", "dest", "list", home=kv_home)
    assert result.code == 0, result.stdout
    assert [d["name"] for d in result.json()["destinations"]] == ["usb"]


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        (
            "min_copies = 3",
            'min_copies = "x"',
            "policy.min_copies must be an integer, not a string",
        ),
        ("min_copies = 3", "min_copies = -5", "policy.min_copies must be from 1 to 1000, not -5"),
        (
            "min_copies = 3",
            "min_copies = 3.5",
            "policy.min_copies must be an integer, not a number",
        ),
        ("min_copies = 3", "min_copise = 2", "policy.min_copise is not a key keyvault knows"),
        ('id = "5e1f0c2a9b7d4e31"', 'id = "../x"', "vault.id must be 1-64 letters"),
        ('id = "5e1f0c2a9b7d4e31"', "id = 7", "vault.id must be a string, not an integer"),
        ('kind = "file"', 'kind = "wallet"', "items[0].kind must be one of file, folder, phrase"),
        ('type = "local"', "type = true", "destinations[0].type must be a string, not a boolean"),
        ('options = { path = "/media/usb" }', 'options = "x"', "options must be a table"),
        ('name = "usb"', 'name = ""', "destinations[0].name must be 1-200 printable"),
        ("version = 1", "version = 1\ncopies = 3", "copies must be an array of tables"),
        ('recipient = "age1example"\n', "", "vault has no recipient"),
        ("version = 1", 'version = "1"', "version must be an integer"),
    ],
)
def test_a_bad_value_names_the_key_and_the_type(
    kv_home: Path, old: str, new: str, says: str
) -> None:
    assert old in GOOD
    assert says in _error(kv_home, GOOD.replace(old, new, 1))["message"]


def test_a_section_of_the_wrong_shape(kv_home: Path) -> None:
    assert "policy must be a table, not an integer" in _error(kv_home, "policy = 5\n")["message"]


def test_duplicate_names_are_refused(kv_home: Path) -> None:
    items = GOOD[GOOD.index("[[items]]") :]
    assert "two items are called 'wallet.dat'" in _error(kv_home, GOOD + items)["message"]
    destinations = GOOD[GOOD.index("[[destinations]]") : GOOD.index("[[items]]")]
    doubled = GOOD.replace("[[items]]", destinations + "[[items]]", 1)
    assert "two destinations are called 'usb'" in _error(kv_home, doubled)["message"]


def test_deep_nesting_is_refused(kv_home: Path) -> None:
    arrays = "deep = " + "[" * 100_000 + "]" * 100_000 + "\n"  # 200 KB
    assert "nested deeper than" in _error(kv_home, GOOD + arrays)["message"]
    tables = "[" + ".".join(["t"] * 2000) + "]\n"  # parses without recursion: checked after
    assert "nested deeper than" in _error(kv_home, GOOD + tables)["message"]
    inline = "x = " + "{a=" * 5000 + "1" + "}" * 5000 + "\n"
    assert "nested deeper than" in _error(kv_home, GOOD + inline)["message"]


def test_not_text_or_not_a_file_or_too_big(kv_home: Path) -> None:
    assert "cannot read" in _error(kv_home, GOOD.encode() + b"\nx = '\xff'\n")["message"]
    path = config_path(kv_home)
    path.unlink()
    with open(path, "wb") as handle:
        handle.truncate(2 * 1024**3)  # sparse
    result = run_cli("--json", "dest", "list", home=kv_home, timeout=60)
    assert result.json()["error"]["type"] == "ConfigError"
    assert "larger than" in result.json()["error"]["message"]
    path.unlink()
    if hasattr(os, "mkfifo"):
        os.mkfifo(path)  # nobody writes: a blocking open would hang here
        result = run_cli("--json", "dest", "list", home=kv_home, timeout=60)
        assert result.json()["error"]["message"].endswith("is not a regular file")


def test_unknown_top_level_keys_are_kept_with_a_warning(kv_home: Path) -> None:
    config_path(kv_home).write_text("future_setting = 1\n" + GOOD + "[future_table]\nx = 'y'\n")
    result = run_cli("--json", "dest", "list", home=kv_home)
    assert result.code == 0, result.stdout
    assert "future_setting, future_table" in result.stderr
    config = load_config(kv_home)
    save_config(kv_home, config)
    assert load_config(kv_home).extra == {"future_setting": 1, "future_table": {"x": "y"}}


def test_what_keyvault_writes_passes_its_own_schema(kv_home: Path) -> None:
    save_config(kv_home, Config(vault=VAULT))
    assert load_config(kv_home).vault == VAULT
