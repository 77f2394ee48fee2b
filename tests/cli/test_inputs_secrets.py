"""Bad secret input through the real CLI: typed errors, bounded memory and time, no hang.

Every case runs ``python -m keyvault_cli`` as a user would, with a time limit: a hang
fails the test by its timeout, a traceback by the stderr check.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from .helpers import Result, run_cli

NOT_UTF8 = b"abandon \xff\xfe abandon\n"
#: A child reading /dev/zero without a bound would grow far past this before its timeout.
RSS_LIMIT_KB = 400 * 1024


def _typed(result: Result, error_type: str, code: int = 1) -> dict[str, object]:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.code == code, (result.code, result.stdout, result.stderr)
    error: dict[str, object] = result.json()["error"]
    assert error["type"] == error_type
    return error


def _run_with_stdin(stdin_path: str, *args: str, home: Path, timeout: float = 60) -> Result:
    env = {**os.environ, "KEYVAULT_HOME": str(home)}
    with open(stdin_path, "rb") as stdin:
        proc = subprocess.run(
            [sys.executable, "-m", "keyvault_cli", *args],
            stdin=stdin,
            capture_output=True,
            env=env,
            timeout=timeout,
        )
    return Result(proc.returncode, proc.stdout.decode(), proc.stderr.decode("utf-8", "replace"))


def _child_peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


@pytest.mark.parametrize("command", [("add-phrase", "--name", "wallet"), ("mnemonic", "check")])
def test_non_utf8_phrase_on_stdin(kv_home: Path, command: tuple[str, ...]) -> None:
    result = run_cli("--json", *command, home=kv_home, input=NOT_UTF8)
    error = _typed(result, "SecretInputNotTextError")
    assert "byte 9 of" in str(error["message"])
    assert "\\xff" not in result.stdout + result.stderr  # the input itself is never quoted


def test_non_utf8_passphrase_file_and_phrase_file(kv_home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(NOT_UTF8)
    source = tmp_path / "source"
    source.mkdir()
    out = tmp_path / "out"
    for option in ("--passphrase-file", "--phrase-file", "--shares-file", "-i"):
        result = run_cli(
            "--json", "recover", str(source), "-o", str(out), option, str(bad), home=kv_home
        )
        _typed(result, "SecretInputNotTextError")
    plain = tmp_path / "plain.txt"
    plain.write_text("data")
    encrypted = tmp_path / "plain.txt.age"
    result = run_cli(
        "--json", "encrypt", "-p", "--passphrase-file", str(bad), "-o", str(encrypted), str(plain),
        home=kv_home,
    )  # fmt: skip
    _typed(result, "SecretInputNotTextError")
    assert not encrypted.exists() and not out.exists()


def test_non_utf8_passphrase_in_the_environment(kv_home: Path, tmp_path: Path) -> None:
    # os.environ carries undecodable bytes as lone surrogates; the child gets byte 0xff.
    result = run_cli(
        "--json", "recover", str(tmp_path), "-o", str(tmp_path / "out"),
        home=kv_home, env={"KEYVAULT_PASSPHRASE": "pass\udcffword"},
    )  # fmt: skip
    _typed(result, "SecretInputNotTextError")


def test_dev_zero_as_passphrase_file_and_as_stdin(kv_home: Path, tmp_path: Path) -> None:
    result = run_cli(
        "--json", "recover", str(tmp_path), "-o", str(tmp_path / "out"),
        "--passphrase-file", "/dev/zero", home=kv_home, timeout=60,
    )  # fmt: skip
    _typed(result, "SecretInputTooLargeError")
    for command in (("mnemonic", "check"), ("add-phrase", "--name", "wallet")):
        piped = _run_with_stdin("/dev/zero", "--json", *command, home=kv_home)
        _typed(piped, "SecretInputTooLargeError")
    assert _child_peak_rss_kb() < RSS_LIMIT_KB


def test_a_huge_file_is_refused_without_reading_it(kv_home: Path, tmp_path: Path) -> None:
    huge = tmp_path / "huge"
    with open(huge, "wb") as handle:
        handle.truncate(4 * 1024**3)  # sparse: 4 GiB that take no disk
    result = run_cli(
        "--json", "recover", str(tmp_path), "-o", str(tmp_path / "out"),
        "--phrase-file", str(huge), home=kv_home, timeout=60,
    )  # fmt: skip
    error = _typed(result, "SecretInputTooLargeError")
    assert "64 KiB" in str(error["message"])
    assert _child_peak_rss_kb() < RSS_LIMIT_KB


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_nobody_writes_to_times_out(kv_home: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "passphrase.fifo"
    os.mkfifo(fifo)
    result = run_cli(
        "--json", "recover", str(tmp_path), "-o", str(tmp_path / "out"),
        "--passphrase-file", str(fifo), home=kv_home, env={"KEYVAULT_INPUT_TIMEOUT": "1"},
        timeout=60,
    )  # fmt: skip
    error = _typed(result, "SecretInputTimeoutError")
    assert "KEYVAULT_INPUT_TIMEOUT" in str(error["hint"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_with_a_writer_is_read(kv_home: Path, tmp_path: Path) -> None:
    """``--passphrase-file <(pass show vault)`` keeps working: a FIFO is waited for."""
    fifo = tmp_path / "passphrase.fifo"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as handle:  # blocks until keyvault opens it
            handle.write(b"correct horse battery staple\n")

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    plain = tmp_path / "plain.txt"
    plain.write_text("data")
    encrypted = tmp_path / "plain.txt.age"
    result = run_cli(
        "--json", "encrypt", "-p", "--passphrase-file", str(fifo), "-o", str(encrypted),
        "--work-factor", "16", str(plain), home=kv_home, timeout=60,
    )  # fmt: skip
    thread.join(timeout=10)
    assert result.code == 0, result.stderr
    decrypted = run_cli(
        "decrypt", "--passphrase-file", "-", str(encrypted),
        home=kv_home, input="correct horse battery staple\n",
    )  # fmt: skip
    assert (decrypted.code, decrypted.stdout) == (0, "data")


def test_a_folder_as_passphrase_file_is_a_usage_error(kv_home: Path, tmp_path: Path) -> None:
    result = run_cli(
        "--json", "recover", str(tmp_path), "-o", str(tmp_path / "out"),
        "--passphrase-file", str(tmp_path), home=kv_home,
    )  # fmt: skip
    _typed(result, "UsageError", code=2)


def test_identity_and_recipients_files_are_bounded(kv_home: Path, tmp_path: Path) -> None:
    from keyvault.crypto import X25519Identity

    plain = tmp_path / "x.txt"
    plain.write_text("x")
    encrypted = tmp_path / "x.age"
    recipient = str(X25519Identity.generate().recipient)
    made = run_cli("encrypt", "-r", recipient, "-o", str(encrypted), str(plain), home=kv_home)
    assert made.code == 0, made.stderr
    result = run_cli("--json", "decrypt", "-i", "/dev/zero", str(encrypted), home=kv_home)
    _typed(result, "SecretInputTooLargeError")
    result = run_cli("--json", "encrypt", "-R", "/dev/zero", str(plain), home=kv_home)
    _typed(result, "SecretInputTooLargeError")
