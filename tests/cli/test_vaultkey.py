"""``keyvault init`` and ``keyvault key ...`` through the real CLI (subprocesses)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity
from keyvault.crypto.vaultkey import identity_from_words
from keyvault.secret import Secret
from keyvault.vault import keystore
from keyvault.vault.config import load_config
from tests.unit.crypto.pty_run import run_in_pty

from .helpers import Result, run_cli

PASS = "velvet orbit canyon lemon drift"
FAST = ("--work-factor", "16")


def _pass_file(tmp_path: Path, text: str = PASS, name: str = "pass.txt") -> str:
    path = tmp_path / name
    path.write_text(text + "\n")
    return str(path)


def _init(home: Path, tmp_path: Path, *extra: str) -> Result:
    return run_cli(
        "--json", "init", "--passphrase-file", _pass_file(tmp_path), *FAST, *extra, home=home
    )


def _export(home: Path, tmp_path: Path, out: Path, *options: str) -> Result:
    """``keyvault key export [options] -o OUT`` with the right passphrase from a file."""
    return run_cli(
        "key",
        "export",
        *options,
        "-o",
        str(out),
        "--passphrase-file",
        _pass_file(tmp_path),
        home=home,
    )


def _export_key_file(home: Path, tmp_path: Path, name: str = "key.txt") -> Path:
    """The vault key exported as an age key file (the export must succeed)."""
    out = tmp_path / name
    result = _export(home, tmp_path, out)
    assert result.code == 0, result.stderr
    return out


def _export_words(home: Path, tmp_path: Path, name: str = "words.txt") -> str:
    out = tmp_path / name
    result = _export(home, tmp_path, out, "--format", "words")
    assert result.code == 0, result.stderr
    return out.read_text().strip()


def test_init_non_interactive(kv_home: Path, tmp_path: Path) -> None:
    result = _init(kv_home, tmp_path)
    assert result.code == 0, result.stderr
    document = result.json()
    vault = load_config(kv_home).require_vault()
    assert document["vault"]["id"] == vault.id
    assert document["vault"]["recipient"] == vault.recipient
    assert stat.S_IMODE((kv_home / "key.age").stat().st_mode) == 0o600
    # the words never go into a pipe
    words = _export_words(kv_home, tmp_path)
    assert len(words.split()) == 24
    assert words.split()[0] not in result.stdout.split()
    assert " ".join(words.split()[:3]) not in result.stdout + result.stderr
    assert "shown only on a terminal" in result.stderr


def test_init_from_env_human_output(kv_home: Path) -> None:
    result = run_cli("init", *FAST, home=kv_home, env={"KEYVAULT_PASSPHRASE": PASS})
    assert result.code == 0, result.stderr
    vault = load_config(kv_home).require_vault()
    assert f"vault {vault.id} created" in result.stdout
    assert vault.recipient in result.stdout


def test_init_shows_words_on_a_terminal(kv_home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "KEYVAULT_HOME": str(kv_home), "KEYVAULT_PASSPHRASE": PASS}
    code, output = run_in_pty([sys.executable, "-m", "keyvault_cli", "init", *FAST], env=env)
    assert code == 0, output
    words = _export_words(kv_home, tmp_path).split()
    text = output.decode()
    for number, word in enumerate(words, start=1):
        assert f"{number:2}. {word}" in text
    assert PASS not in text


def test_init_asks_twice_on_a_terminal(kv_home: Path) -> None:
    env = {**os.environ, "KEYVAULT_HOME": str(kv_home)}
    env.pop("KEYVAULT_PASSPHRASE", None)
    answers = [
        (b"new vault passphrase:", PASS.encode() + b"\n"),
        (b"again, to confirm:", PASS.encode() + b"\n"),
    ]
    code, output = run_in_pty(
        [sys.executable, "-m", "keyvault_cli", "init", *FAST], answers, env=env
    )
    assert code == 0, output
    assert PASS.encode() not in output
    assert b"passphrase strength" in output
    assert keystore.unlock_vault_key(kv_home, Secret(PASS))


def _init_on_terminal(kv_home: Path, entries: list[str], **env_extra: str) -> tuple[int, str]:
    """``keyvault init`` on a pty, answering each prompt in turn with ``entries``."""
    env = {**os.environ, "KEYVAULT_HOME": str(kv_home), **env_extra}
    if "KEYVAULT_PASSPHRASE" not in env_extra:
        env.pop("KEYVAULT_PASSPHRASE", None)
    prompts = [b"new vault passphrase:", b"again, to confirm:"]
    answers = [(prompts[i % 2], entry.encode() + b"\n") for i, entry in enumerate(entries)]
    code, output = run_in_pty(
        [sys.executable, "-m", "keyvault_cli", "init", *FAST], answers, env=env
    )
    text = output.decode(errors="replace")
    for entry in filter(None, entries):
        assert entry not in text
    return code, text


def test_init_asks_again_after_a_weak_passphrase_or_differing_entries(kv_home: Path) -> None:
    code, text = _init_on_terminal(
        kv_home, ["password123"] * 2 + [PASS, "0ther entry"] + [PASS] * 2
    )
    assert code == 0, text
    assert "the passphrase is too weak" in text and "try again (2 left)" in text
    assert "the two entries differ; try again (1 left)" in text
    assert text.count("new vault passphrase:") == 3
    assert keystore.unlock_vault_key(kv_home, Secret(PASS))


@pytest.mark.parametrize(
    ("entries", "code", "error"),
    [
        (["password123", "password123"] * 3, 1, "the passphrase is too weak"),
        (["", ""] * 2 + [PASS, "0ther entry"], 2, "the two entries differ"),
    ],
)
def test_init_gives_up_after_three_attempts(
    kv_home: Path, entries: list[str], code: int, error: str
) -> None:
    got, text = _init_on_terminal(kv_home, entries)
    assert got == code, text
    assert text.count("new vault passphrase:") == 3
    assert f"error: {error}" in text.lower()  # the final error, not a retry notice
    assert not (kv_home / "key.age").exists()


def test_a_weak_passphrase_from_the_environment_fails_at_once(kv_home: Path) -> None:
    code, text = _init_on_terminal(kv_home, [], KEYVAULT_PASSPHRASE="password123")
    assert code == 1, text
    assert "the passphrase is too weak" in text
    assert "new vault passphrase:" not in text and "try again" not in text
    assert not (kv_home / "key.age").exists()


def test_init_refuses_to_replace(kv_home: Path, tmp_path: Path) -> None:
    assert _init(kv_home, tmp_path).code == 0
    before = (kv_home / "key.age").read_bytes()
    again = _init(kv_home, tmp_path)
    assert again.code == 1
    assert again.json()["error"]["type"] == "AlreadyExistsError"
    assert (kv_home / "key.age").read_bytes() == before


@pytest.mark.parametrize("weak", ["password123", "correct horse battery staple", "aaaaaaaaaaaa"])
def test_init_refuses_weak_passphrase(kv_home: Path, tmp_path: Path, weak: str) -> None:
    result = run_cli(
        "--json", "init", "--passphrase-file", _pass_file(tmp_path, weak), *FAST, home=kv_home
    )
    assert result.code == 1
    error = result.json()["error"]
    assert error["type"] == "WeakPassphraseError"
    assert error["hint"]
    assert not (kv_home / "key.age").exists()


def test_init_empty_passphrase_needs_the_insecure_flag(kv_home: Path, tmp_path: Path) -> None:
    empty = _pass_file(tmp_path, "")
    refused = run_cli("init", "--passphrase-file", empty, *FAST, home=kv_home)
    assert refused.code == 1
    assert "--insecure-empty-passphrase" in refused.stderr
    accepted = run_cli(
        "init", "--passphrase-file", empty, "--insecure-empty-passphrase", *FAST, home=kv_home
    )
    assert accepted.code == 0, accepted.stderr
    assert "EMPTY passphrase" in accepted.stderr
    assert keystore.unlock_vault_key(kv_home, Secret(""))


def test_init_without_terminal_or_passphrase_is_a_usage_error(kv_home: Path) -> None:
    result = run_cli("init", *FAST, home=kv_home)
    assert result.code == 2
    assert "--passphrase-file" in result.stderr
    assert not (kv_home / "key.age").exists()


def test_key_show(kv_home: Path, tmp_path: Path) -> None:
    missing = run_cli("key", "show", home=kv_home)
    assert missing.code == 1
    assert "keyvault init" in missing.stderr
    _init(kv_home, tmp_path)
    shown = run_cli("key", "show", home=kv_home)
    assert shown.code == 0
    assert load_config(kv_home).require_vault().recipient in shown.stdout


@pytest.mark.skipif(shutil.which("age") is None, reason="needs the age CLI")
def test_exported_age_key_decrypts_backups_with_stock_age(kv_home: Path, tmp_path: Path) -> None:
    _init(kv_home, tmp_path)
    plain = tmp_path / "wallet.dat"
    plain.write_bytes(os.urandom(200_000))
    assert (
        run_cli("encrypt", "-o", str(tmp_path / "wallet.age"), str(plain), home=kv_home).code == 0
    )
    key_file = tmp_path / "vault-key.txt"
    result = _export(kv_home, tmp_path, key_file, "--format", "age")
    assert result.code == 0, result.stderr
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    subprocess.run(
        [
            "age",
            "-d",
            "-i",
            str(key_file),
            "-o",
            str(tmp_path / "out"),
            str(tmp_path / "wallet.age"),
        ],
        check=True,
    )
    assert (tmp_path / "out").read_bytes() == plain.read_bytes()


def test_export_refuses_wrong_passphrase_and_existing_file(kv_home: Path, tmp_path: Path) -> None:
    _init(kv_home, tmp_path)
    out = tmp_path / "key.txt"
    wrong = run_cli(
        "--json",
        "key",
        "export",
        "-o",
        str(out),
        "--passphrase-file",
        _pass_file(tmp_path, "not the passphrase", "wrong.txt"),
        home=kv_home,
    )
    assert wrong.code == 1
    assert wrong.json()["error"]["type"] == "WrongPassphraseError"
    assert not out.exists()
    out.write_text("keep me")
    exists = run_cli(
        "key", "export", "-o", str(out), "--passphrase-file", _pass_file(tmp_path), home=kv_home
    )
    assert exists.code == 1
    assert out.read_text() == "keep me"


def test_words_give_back_the_same_key(kv_home: Path, tmp_path: Path) -> None:
    _init(kv_home, tmp_path)
    words = _export_words(kv_home, tmp_path)
    key_file = _export_key_file(kv_home, tmp_path, "key.txt")
    lines = [ln for ln in key_file.read_text().splitlines() if ln.startswith("AGE-SECRET-KEY-1")]
    assert identity_from_words(words).to_secret().reveal_text() == lines[0]
    # and on a new machine, the words restore the vault key
    other = tmp_path / "other-home"
    result = run_cli(
        "--json",
        "key",
        "import",
        "--new-passphrase-file",
        _pass_file(tmp_path),
        *FAST,
        input=words + "\n",
        home=other,
    )
    assert result.code == 0, result.stderr
    assert result.json()["imported_from"] == "words"
    assert (
        load_config(other).require_vault().recipient
        == load_config(kv_home).require_vault().recipient
    )


def test_import_key_age_and_age_key_file(kv_home: Path, tmp_path: Path) -> None:
    _init(kv_home, tmp_path)
    recipient = load_config(kv_home).require_vault().recipient
    # a key.age fetched from a destination, with its passphrase
    first = tmp_path / "first"
    result = run_cli(
        "--json",
        "key",
        "import",
        str(kv_home / "key.age"),
        "--passphrase-file",
        _pass_file(tmp_path),
        home=first,
    )
    assert result.code == 0, result.stderr
    assert result.json()["imported_from"] == "key.age"
    assert (first / "key.age").read_bytes() == (kv_home / "key.age").read_bytes()
    # refuses to replace
    again = run_cli(
        "key",
        "import",
        str(kv_home / "key.age"),
        "--passphrase-file",
        _pass_file(tmp_path),
        home=first,
    )
    assert again.code == 1
    # an age-keygen style key file
    key_file = _export_key_file(kv_home, tmp_path, "key.txt")
    second = tmp_path / "second"
    result = run_cli(
        "key",
        "import",
        str(key_file),
        "--passphrase-file",
        _pass_file(tmp_path),
        *FAST,
        home=second,
    )
    assert result.code == 0, result.stderr
    assert load_config(second).require_vault().recipient == recipient
    # a wrong passphrase for key.age: nothing installed
    third = tmp_path / "third"
    wrong = run_cli(
        "key",
        "import",
        str(kv_home / "key.age"),
        "--passphrase-file",
        _pass_file(tmp_path, "wrong wrong wrong", "w.txt"),
        home=third,
    )
    assert wrong.code == 1
    assert not (third / "key.age").exists()


def test_import_missing_file_is_a_usage_error(kv_home: Path, tmp_path: Path) -> None:
    result = run_cli("key", "import", str(tmp_path / "missing.age"), home=kv_home)
    assert result.code == 2
    assert "cannot read" in result.stderr


def test_import_rejects_garbage(kv_home: Path) -> None:
    result = run_cli(
        "--json",
        "key",
        "import",
        "--new-passphrase-file",
        "/dev/null",
        input="not a key at all\n",
        home=kv_home,
    )
    assert result.code == 1
    assert result.json()["error"]["type"] == "InvalidMnemonicError"
    assert not (kv_home / "key.age").exists()


def test_passwd(kv_home: Path, tmp_path: Path) -> None:
    _init(kv_home, tmp_path)
    new = "another long passphrase for tests"
    weak = run_cli(
        "key",
        "passwd",
        "--passphrase-file",
        _pass_file(tmp_path),
        "--new-passphrase-file",
        _pass_file(tmp_path, "weak", "weak.txt"),
        *FAST,
        home=kv_home,
    )
    assert weak.code == 1
    result = run_cli(
        "key",
        "passwd",
        "--passphrase-file",
        _pass_file(tmp_path),
        "--new-passphrase-file",
        _pass_file(tmp_path, new, "new.txt"),
        *FAST,
        home=kv_home,
    )
    assert result.code == 0, result.stderr
    assert keystore.unlock_vault_key(kv_home, Secret(new))
    old = _export(kv_home, tmp_path, tmp_path / "k")
    assert old.code == 1
    assert "incorrect passphrase" in old.stderr


def test_rotate_keeps_old_backups_readable(kv_home: Path, tmp_path: Path) -> None:
    _init(kv_home, tmp_path)
    plain = tmp_path / "plain"
    plain.write_bytes(b"backup made before the rotation")
    assert run_cli("encrypt", "-o", str(tmp_path / "old.age"), str(plain), home=kv_home).code == 0
    old_recipient = load_config(kv_home).require_vault().recipient
    result = run_cli(
        "--json", "key", "rotate", "--passphrase-file", _pass_file(tmp_path), *FAST, home=kv_home
    )
    assert result.code == 0, result.stderr
    vault = load_config(kv_home).require_vault()
    assert vault.recipient != old_recipient
    assert vault.previous_recipients == [old_recipient]
    assert result.json()["previous_recipient"] == old_recipient
    assert (kv_home / "key-1.age").exists()
    out = tmp_path / "out"
    decrypted = run_cli(
        "decrypt",
        "-o",
        str(out),
        str(tmp_path / "old.age"),
        "--passphrase-file",
        _pass_file(tmp_path),
        home=kv_home,
    )
    assert decrypted.code == 0, decrypted.stderr
    assert out.read_bytes() == plain.read_bytes()
    # the exported age key file holds both keys
    key_file = _export_key_file(kv_home, tmp_path, "all.txt")
    assert key_file.read_text().count("AGE-SECRET-KEY-1") == 2
    assert X25519Identity.parse(
        next(ln for ln in key_file.read_text().splitlines() if ln.startswith("AGE-SECRET"))
    ).recipient == keystore.vault_recipient(kv_home)
