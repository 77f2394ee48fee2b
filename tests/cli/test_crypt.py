"""``keyvault encrypt`` / ``keyvault decrypt`` through the real CLI (subprocesses)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity
from tests.unit.crypto.pty_run import run_in_pty

from .helpers import Result, run_cli

PASS = "velvet orbit canyon lemon drift"
FAST = ("--work-factor", "16")


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _pass_file(tmp_path: Path, text: str = PASS, name: str = "pass.txt") -> str:
    return str(_write(tmp_path / name, text.encode() + b"\n"))


def _keypair(tmp_path: Path, name: str = "key.txt") -> tuple[X25519Identity, Path]:
    identity = X25519Identity.generate()
    path = tmp_path / name
    path.write_text(f"# public key: {identity.recipient}\n{identity.to_secret().reveal_text()}\n")
    return identity, path


def _ok(result: Result) -> Result:
    assert result.code == 0, result.stderr
    return result


def test_vault_recipient_round_trip(kv_home: Path, tmp_path: Path) -> None:
    _ok(run_cli("init", "--passphrase-file", _pass_file(tmp_path), *FAST, home=kv_home))
    plain = _write(tmp_path / "in.bin", os.urandom(150_000))
    _ok(run_cli("encrypt", "-o", str(tmp_path / "x.age"), str(plain), home=kv_home))
    out = tmp_path / "out.bin"
    _ok(
        run_cli(
            "decrypt",
            "--passphrase-file",
            _pass_file(tmp_path),
            "-o",
            str(out),
            str(tmp_path / "x.age"),
            home=kv_home,
        )
    )
    assert out.read_bytes() == plain.read_bytes()
    assert (out.stat().st_mode & 0o777) == 0o600


def test_without_vault_or_recipient(kv_home: Path, tmp_path: Path) -> None:
    plain = _write(tmp_path / "in", b"x")
    result = run_cli("--json", "encrypt", "-o", str(tmp_path / "o"), str(plain), home=kv_home)
    assert result.code == 1
    assert result.json()["error"]["type"] == "VaultNotInitializedError"
    identity, _ = _keypair(tmp_path)
    _ok(run_cli("encrypt", "-r", str(identity.recipient), "-o", str(tmp_path / "o"), str(plain)))
    result = run_cli("decrypt", "-o", str(tmp_path / "p"), str(tmp_path / "o"), home=kv_home)
    assert result.code == 1
    assert "-i IDENTITY_FILE" in result.stderr
    assert not (tmp_path / "p").exists()


def test_recipients_identities_and_recipients_file(tmp_path: Path) -> None:
    one, one_key = _keypair(tmp_path, "one.txt")
    two, two_key = _keypair(tmp_path, "two.txt")
    recipients = _write(tmp_path / "recipients.txt", f"# team\n{two.recipient}\n\n".encode())
    plain = _write(tmp_path / "in", os.urandom(70_000))
    _ok(
        run_cli(
            "encrypt",
            "-r",
            str(one.recipient),
            "-R",
            str(recipients),
            "-o",
            str(tmp_path / "x.age"),
            str(plain),
        )
    )
    for key in (one_key, two_key):
        out = tmp_path / f"out-{key.stem}"
        _ok(run_cli("decrypt", "-i", str(key), "-o", str(out), str(tmp_path / "x.age")))
        assert out.read_bytes() == plain.read_bytes()
    _, stranger = _keypair(tmp_path, "stranger.txt")
    result = run_cli(
        "--json",
        "decrypt",
        "-i",
        str(stranger),
        "-o",
        str(tmp_path / "no"),
        str(tmp_path / "x.age"),
    )
    assert result.code == 1
    assert result.json()["error"]["type"] == "NoMatchingIdentityError"
    assert not (tmp_path / "no").exists()


def test_stdin_stdout_and_armor(tmp_path: Path) -> None:
    identity, key = _keypair(tmp_path)
    data = os.urandom(100_000)
    encrypted = run_cli_bytes("encrypt", "-a", "-r", str(identity.recipient), input=data)
    assert encrypted.startswith(b"-----BEGIN AGE ENCRYPTED FILE-----\n")
    assert encrypted.endswith(b"-----END AGE ENCRYPTED FILE-----\n")
    assert run_cli_bytes("decrypt", "-i", str(key), "-", input=encrypted) == data


def run_cli_bytes(*args: str, input: bytes) -> bytes:
    import subprocess

    proc = subprocess.run(
        [sys.executable, "-m", "keyvault_cli", *args], input=input, capture_output=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_passphrase_file_round_trip_and_wrong_passphrase(tmp_path: Path) -> None:
    plain = _write(tmp_path / "in", b"secret wallet")
    _ok(
        run_cli(
            "encrypt",
            "-p",
            "--passphrase-file",
            _pass_file(tmp_path),
            *FAST,
            "-o",
            str(tmp_path / "x.age"),
            str(plain),
        )
    )
    header = (tmp_path / "x.age").read_bytes().split(b"\n")[1]
    assert header.startswith(b"-> scrypt ") and header.endswith(b" 16")
    out = tmp_path / "out"
    _ok(
        run_cli(
            "decrypt",
            "--passphrase-file",
            _pass_file(tmp_path),
            "-o",
            str(out),
            str(tmp_path / "x.age"),
        )
    )
    assert out.read_bytes() == b"secret wallet"
    wrong = run_cli(
        "--json",
        "decrypt",
        "--passphrase-file",
        _pass_file(tmp_path, "wrong", "w.txt"),
        "-o",
        str(tmp_path / "o2"),
        str(tmp_path / "x.age"),
    )
    assert wrong.code == 1
    assert wrong.json()["error"]["type"] == "WrongPassphraseError"
    assert not (tmp_path / "o2").exists()
    # KEYVAULT_PASSPHRASE works too
    env_out = tmp_path / "o3"
    _ok(
        run_cli(
            "decrypt",
            "-o",
            str(env_out),
            str(tmp_path / "x.age"),
            env={"KEYVAULT_PASSPHRASE": PASS},
        )
    )
    assert env_out.read_bytes() == b"secret wallet"
    # -i makes no sense for a passphrase-encrypted file
    _, key = _keypair(tmp_path)
    assert (
        run_cli(
            "decrypt",
            "-i",
            str(key),
            "--passphrase-file",
            _pass_file(tmp_path),
            str(tmp_path / "x.age"),
        ).code
        == 2
    )


def test_decrypt_with_encrypted_identity_file(kv_home: Path, tmp_path: Path) -> None:
    _ok(run_cli("init", "--passphrase-file", _pass_file(tmp_path), *FAST, home=kv_home))
    plain = _write(tmp_path / "in", b"hello")
    _ok(run_cli("encrypt", "-o", str(tmp_path / "x.age"), str(plain), home=kv_home))
    out = tmp_path / "out"
    other_home = tmp_path / "nothing-here"
    _ok(
        run_cli(
            "decrypt",
            "-i",
            str(kv_home / "key.age"),
            "--passphrase-file",
            _pass_file(tmp_path),
            "-o",
            str(out),
            str(tmp_path / "x.age"),
            home=other_home,
        )
    )
    assert out.read_bytes() == b"hello"


def test_usage_errors(tmp_path: Path) -> None:
    identity, _ = _keypair(tmp_path)
    plain = _write(tmp_path / "in", b"x")
    mixed = run_cli("encrypt", "-p", "-r", str(identity.recipient), str(plain))
    assert mixed.code == 2
    assert run_cli("encrypt", "--passphrase-file", _pass_file(tmp_path), str(plain)).code == 2
    both = run_cli("encrypt", "-p", "--passphrase-file", "-", input="x")
    assert both.code == 2
    assert "stdin" in both.stderr
    assert run_cli("decrypt", str(tmp_path / "missing.age")).code == 2


def test_bad_and_unsupported_recipients(tmp_path: Path) -> None:
    plain = _write(tmp_path / "in", b"x")
    bad = run_cli("--json", "encrypt", "-r", "age1notarecipient", str(plain))
    assert bad.code == 1
    assert bad.json()["error"]["type"] == "InvalidKeyError"
    pq = "age1pq1" + "q" * 100
    unsupported = run_cli("--json", "encrypt", "-r", pq, str(plain))
    assert unsupported.code == 1
    error = unsupported.json()["error"]
    assert error["type"] == "UnsupportedRecipientError"
    assert "mlkem768x25519" in error["message"]
    ssh = run_cli("encrypt", "-r", "ssh-ed25519 AAAAC3Nza", str(plain))
    assert ssh.code == 1 and "SSH" in ssh.stderr


def test_not_an_age_file_and_tampering_leave_no_output(tmp_path: Path) -> None:
    identity, key = _keypair(tmp_path)
    junk = _write(tmp_path / "junk", b"hello world\n")
    result = run_cli("--json", "decrypt", "-i", str(key), "-o", str(tmp_path / "o"), str(junk))
    assert result.code == 1
    assert result.json()["error"]["type"] == "NotAnAgeFileError"
    plain = _write(tmp_path / "in", os.urandom(300_000))
    _ok(
        run_cli("encrypt", "-r", str(identity.recipient), "-o", str(tmp_path / "x.age"), str(plain))
    )
    data = bytearray((tmp_path / "x.age").read_bytes())
    data[-1] ^= 1
    tampered = _write(tmp_path / "t.age", bytes(data))
    result = run_cli("--json", "decrypt", "-i", str(key), "-o", str(tmp_path / "o"), str(tampered))
    assert result.code == 1
    assert result.json()["error"]["type"] == "PayloadError"
    assert not (tmp_path / "o").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kv-tmp")] == []


def test_damage_inside_a_large_file_leaves_no_output(tmp_path: Path) -> None:
    """20 MiB: the durable ``-o`` has started writing back verified plaintext (every 8 MiB)
    when a damaged chunk after it is found; still nothing is left."""
    identity, key = _keypair(tmp_path)
    plain = _write(tmp_path / "in", os.urandom(20 * 1024 * 1024))
    encrypted = tmp_path / "x.age"
    _ok(run_cli("encrypt", "-r", str(identity.recipient), "-o", str(encrypted), str(plain)))
    data = bytearray(encrypted.read_bytes())
    data[-5 * (64 * 1024 + 16)] ^= 1  # a chunk in the last MiB, after 19 verified MiB
    tampered = _write(tmp_path / "t.age", bytes(data))
    result = run_cli("--json", "decrypt", "-i", str(key), "-o", str(tmp_path / "o"), str(tampered))
    assert result.code == 1
    assert result.json()["error"]["type"] == "PayloadError"
    assert not (tmp_path / "o").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".kv-tmp")] == []
    _ok(run_cli("decrypt", "-i", str(key), "-o", str(tmp_path / "o"), str(encrypted)))
    assert (tmp_path / "o").read_bytes() == plain.read_bytes()


def test_refuses_binary_to_a_terminal(tmp_path: Path) -> None:
    identity, _ = _keypair(tmp_path)
    plain = _write(tmp_path / "in", b"x")
    argv = [
        sys.executable,
        "-m",
        "keyvault_cli",
        "encrypt",
        "-r",
        str(identity.recipient),
        str(plain),
    ]
    code, output = run_in_pty(argv)
    assert code == 2
    assert b"-a" in output
    code, output = run_in_pty([*argv[:4], "-a", *argv[4:]])
    assert code == 0
    assert b"BEGIN AGE ENCRYPTED FILE" in output


@pytest.mark.parametrize("flag", ["-p"])
def test_passphrase_prompt_on_terminal(tmp_path: Path, flag: str) -> None:
    plain = _write(tmp_path / "in", b"prompted")
    env = {k: v for k, v in os.environ.items() if k != "KEYVAULT_PASSPHRASE"}
    argv = [
        sys.executable,
        "-m",
        "keyvault_cli",
        "encrypt",
        flag,
        *FAST,
        "-o",
        str(tmp_path / "x.age"),
        str(plain),
    ]
    answers = [
        (b"passphrase for this file:", PASS.encode() + b"\n"),
        (b"again, to confirm:", PASS.encode() + b"\n"),
    ]
    code, output = run_in_pty(argv, answers, env=env)
    assert code == 0, output
    assert PASS.encode() not in output
    out = tmp_path / "out"
    code, output = run_in_pty(
        [sys.executable, "-m", "keyvault_cli", "decrypt", "-o", str(out), str(tmp_path / "x.age")],
        [(b"passphrase:", PASS.encode() + b"\n")],
        env=env,
    )
    assert code == 0, output
    assert out.read_bytes() == b"prompted"
    assert PASS.encode() not in output


@pytest.mark.parametrize("command", ["encrypt", "decrypt"])
def test_an_existing_output_needs_force(tmp_path: Path, command: str) -> None:
    identity, key = _keypair(tmp_path)
    plain = _write(tmp_path / "in.bin", os.urandom(100_000))
    encrypted = tmp_path / "in.bin.age"
    _ok(run_cli("encrypt", "-r", str(identity.recipient), "-o", str(encrypted), str(plain)))
    source, args = (
        (plain, ["-r", str(identity.recipient)])
        if command == "encrypt"
        else (encrypted, ["-i", str(key)])
    )
    taken = _write(tmp_path / "taken", b"keep me")
    refused = run_cli("--json", command, *args, "-o", str(taken), str(source))
    assert refused.code == 1, refused.stderr
    error = refused.json()["error"]
    assert error["type"] == "AlreadyExistsError" and "--force" in error["hint"]
    assert taken.read_bytes() == b"keep me"
    _ok(run_cli(command, *args, "--force", "-o", str(taken), str(source)))
    if command == "decrypt":
        assert taken.read_bytes() == plain.read_bytes()
    else:
        out = tmp_path / "check"
        _ok(run_cli("decrypt", "-i", str(key), "-o", str(out), str(taken)))
        assert out.read_bytes() == plain.read_bytes()
    assert (taken.stat().st_mode & 0o777) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        {"key.txt", "in.bin", "in.bin.age", "taken"}
        | ({"check"} if command == "encrypt" else set())
    )


@pytest.mark.parametrize("command", ["encrypt", "decrypt"])
def test_a_full_or_read_only_disk_is_a_typed_error_and_leaves_nothing(
    tmp_path: Path, command: str
) -> None:
    from ..destinations.local_fixtures import mounted_tmpfs

    identity, key = _keypair(tmp_path)
    plain = _write(tmp_path / "in.bin", os.urandom(3 * 1024 * 1024))
    encrypted = tmp_path / "in.bin.age"
    _ok(run_cli("encrypt", "-r", str(identity.recipient), "-o", str(encrypted), str(plain)))
    source, args = (
        (plain, ["-r", str(identity.recipient)])
        if command == "encrypt"
        else (encrypted, ["-i", str(key)])
    )
    with mounted_tmpfs(tmp_path / "small", "1m") as small:
        full = run_cli("--json", command, *args, "-o", str(small / "out"), str(source))
        assert "Traceback" not in full.stderr, full.stderr
        assert full.code == 1
        error = full.json()["error"]
        assert error["type"] == "DiskFullError", error
        assert str(small / "out") in error["message"]
        assert list(small.iterdir()) == []
        subprocess.run(["mount", "-o", "remount,ro", str(small)], check=True)
        read_only = run_cli("--json", command, *args, "-o", str(small / "out"), str(source))
        assert "Traceback" not in read_only.stderr, read_only.stderr
        assert read_only.code == 1
        assert read_only.json()["error"]["type"] == "ReadOnlyError"
        assert list(small.iterdir()) == []
