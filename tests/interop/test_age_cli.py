"""Interop with the stock ``age`` / ``age-keygen`` CLIs (and pyrage), both directions.

keyvault's files must open with Debian's ``age`` (1.1.1 here) and age's files with
keyvault: X25519 and passphrase, binary and armored, at the chunk boundaries (0, 1,
64 KiB - 1, 64 KiB, 64 KiB + 1) and for several MiB. ``age -p`` reads passphrases only
from a terminal, so it runs on a pty (tests/unit/crypto/pty_run.py); the passphrase is
written only after age's prompt, when echo is off, and never appears in captured output.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from keyvault.crypto import (
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    X25519Recipient,
    decrypt_bytes,
    decrypt_file,
    encrypt_bytes,
    encrypt_file,
)
from keyvault.crypto.keys import parse_identity_file
from keyvault.crypto.scrypt import MAX_WORK_FACTOR
from keyvault.errors import WorkFactorTooHighError, WrongPassphraseError
from keyvault.secret import Secret
from tests.unit.crypto.pty_run import run_in_pty

pytestmark = pytest.mark.skipif(
    shutil.which("age") is None or shutil.which("age-keygen") is None or os.name != "posix",
    reason="needs the age and age-keygen CLIs on a POSIX system",
)

# ... and the payload pipeline's block boundaries (16 chunks, 1 MiB of plaintext)
SIZES = [0, 1, 65535, 65536, 65537, 1024 * 1024, 2 * 1024 * 1024, 5 * 1024 * 1024 + 3]
PASSPHRASE_SIZES = [0, 1, 65536, 65537, 3 * 1024 * 1024]
PASSPHRASE = "interop test passphrase, not a real one"


def _data(size: int) -> bytes:
    return os.urandom(size)


@pytest.fixture(scope="module")
def age_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, X25519Recipient]:
    path = tmp_path_factory.mktemp("agekey") / "key.txt"
    subprocess.run(["age-keygen", "-o", str(path)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(path)], check=True, capture_output=True, text=True
    ).stdout.strip()
    return path, X25519Recipient.parse(recipient)


def _age(*args: str) -> bytes:
    """Run age; its stdout (age creates no -o file for an empty plaintext, so tests that
    decrypt read stdout instead)."""
    return subprocess.run(["age", *args], check=True, capture_output=True).stdout


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armor"])
@pytest.mark.parametrize("size", SIZES)
def test_keyvault_to_age_x25519(
    tmp_path: Path, age_key: tuple[Path, X25519Recipient], size: int, armor: bool
) -> None:
    key_file, recipient = age_key
    plain = tmp_path / "plain"
    plain.write_bytes(_data(size))
    encrypt_file(plain, tmp_path / "x.age", [recipient], armor=armor)
    assert _age("-d", "-i", str(key_file), str(tmp_path / "x.age")) == plain.read_bytes()


@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armor"])
@pytest.mark.parametrize("size", SIZES)
def test_age_to_keyvault_x25519(
    tmp_path: Path, age_key: tuple[Path, X25519Recipient], size: int, armor: bool
) -> None:
    key_file, recipient = age_key
    plain = tmp_path / "plain"
    plain.write_bytes(_data(size))
    _age(
        "-r", str(recipient), *(["-a"] if armor else []), "-o", str(tmp_path / "x.age"), str(plain)
    )
    identities = parse_identity_file(Secret(key_file.read_text()))
    decrypt_file(tmp_path / "x.age", tmp_path / "out", identities)
    assert (tmp_path / "out").read_bytes() == plain.read_bytes()
    # same ciphertext size as keyvault's own (same overhead, no extra stanzas)
    ours = encrypt_bytes(plain.read_bytes(), [recipient], armor=armor)
    assert len(ours) == (tmp_path / "x.age").stat().st_size


def test_multiple_recipients_both_ways(
    tmp_path: Path, age_key: tuple[Path, X25519Recipient]
) -> None:
    key_file, recipient = age_key
    mine = X25519Identity.generate()
    data = _data(100_000)
    (tmp_path / "plain").write_bytes(data)
    (tmp_path / "ours.age").write_bytes(encrypt_bytes(data, [mine.recipient, recipient]))
    _age("-d", "-i", str(key_file), "-o", str(tmp_path / "out"), str(tmp_path / "ours.age"))
    assert (tmp_path / "out").read_bytes() == data
    _age(
        "-r",
        str(mine.recipient),
        "-r",
        str(recipient),
        "-o",
        str(tmp_path / "theirs.age"),
        str(tmp_path / "plain"),
    )
    assert decrypt_bytes((tmp_path / "theirs.age").read_bytes(), [mine]) == data


def _age_passphrase(args: list[str], passphrase: str, confirm: bool) -> bytes:
    answers = [(b"Enter passphrase", passphrase.encode() + b"\n")]
    if confirm:
        answers.append((b"Confirm passphrase", passphrase.encode() + b"\n"))
    code, output = run_in_pty(["age", *args], answers, timeout=120)
    assert passphrase.encode() not in output  # echo was off when we typed
    assert code == 0, output
    return output


@pytest.mark.slow
@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armor"])
@pytest.mark.parametrize("size", PASSPHRASE_SIZES)
def test_age_passphrase_to_keyvault(tmp_path: Path, size: int, armor: bool) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(_data(size))
    _age_passphrase(
        ["-p", *(["-a"] if armor else []), "-o", str(tmp_path / "x.age"), str(plain)],
        PASSPHRASE,
        confirm=True,
    )
    header = (tmp_path / "x.age").read_bytes()
    assert armor or b"\n-> scrypt " in header[:100]
    decrypt_file(tmp_path / "x.age", tmp_path / "out", [ScryptIdentity(Secret(PASSPHRASE))])
    assert (tmp_path / "out").read_bytes() == plain.read_bytes()
    with pytest.raises(WrongPassphraseError):
        decrypt_file(tmp_path / "x.age", tmp_path / "bad", [ScryptIdentity(Secret("nope"))])
    assert not (tmp_path / "bad").exists()


@pytest.mark.slow
@pytest.mark.parametrize("armor", [False, True], ids=["binary", "armor"])
@pytest.mark.parametrize("size", PASSPHRASE_SIZES)
def test_keyvault_passphrase_to_age(tmp_path: Path, size: int, armor: bool) -> None:
    plain = tmp_path / "plain"
    plain.write_bytes(_data(size))
    # 16 keeps the test fast; the default (18) is exercised by the keystore CLI tests.
    recipient = ScryptRecipient(Secret(PASSPHRASE), work_factor=16)
    encrypt_file(plain, tmp_path / "x.age", [recipient], armor=armor)
    _age_passphrase(
        ["-d", "-o", str(tmp_path / "out"), str(tmp_path / "x.age")], PASSPHRASE, confirm=False
    )
    # age creates its -o file only when it has a byte to write: none for an empty plaintext
    out = tmp_path / "out"
    assert (out.read_bytes() if size else b"") == plain.read_bytes()
    assert out.exists() == (size > 0)


@pytest.mark.slow
def test_default_work_factor_file_opens_in_age(tmp_path: Path) -> None:
    (tmp_path / "x.age").write_bytes(encrypt_bytes(b"wf18", [ScryptRecipient(Secret(PASSPHRASE))]))
    assert b" 18\n" in (tmp_path / "x.age").read_bytes()[:120]
    _age_passphrase(
        ["-d", "-o", str(tmp_path / "out"), str(tmp_path / "x.age")], PASSPHRASE, confirm=False
    )
    assert (tmp_path / "out").read_bytes() == b"wf18"


def test_age_wrong_passphrase_on_keyvault_file(tmp_path: Path) -> None:
    encrypted = encrypt_bytes(b"x", [ScryptRecipient._unchecked(Secret(PASSPHRASE), 10)])
    (tmp_path / "x.age").write_bytes(encrypted)
    code, output = run_in_pty(
        ["age", "-d", "-o", str(tmp_path / "out"), str(tmp_path / "x.age")],
        [(b"Enter passphrase", b"wrong passphrase\n")],
    )
    assert code != 0
    assert b"incorrect passphrase" in output
    assert b"wrong passphrase" not in output


def test_pyrage_cross_check(tmp_path: Path) -> None:
    pyrage = pytest.importorskip("pyrage")
    identity = X25519Identity.generate()
    their_identity = pyrage.x25519.Identity.from_str(identity.to_secret().reveal_text())
    for size in (0, 65536, 200_001):
        data = _data(size)
        for armor in (False, True):
            ours = encrypt_bytes(data, [identity.recipient], armor=armor)
            assert pyrage.decrypt(ours, [their_identity]) == data
        theirs = pyrage.encrypt(data, [pyrage.x25519.Recipient.from_str(str(identity.recipient))])
        assert decrypt_bytes(theirs, [identity]) == data  # rage adds a grease stanza
        armored = pyrage.encrypt(
            data, [pyrage.x25519.Recipient.from_str(str(identity.recipient))], armored=True
        )
        assert decrypt_bytes(armored, [identity]) == data
    small = encrypt_bytes(b"pw", [ScryptRecipient._unchecked(Secret(PASSPHRASE), 12)])
    assert pyrage.passphrase.decrypt(small, PASSPHRASE) == b"pw"


@pytest.mark.slow
def test_pyrage_passphrase_file_opens_in_keyvault() -> None:
    pyrage = pytest.importorskip("pyrage")
    data = b"made by rage"
    encrypted = pyrage.passphrase.encrypt(data, PASSPHRASE)
    work_factor = int(encrypted.split(b"\n")[1].split(b" ")[-1])
    identity = ScryptIdentity(Secret(PASSPHRASE))
    # rage times scrypt itself: on a very fast machine it may go above keyvault's cap,
    # and then keyvault must refuse the file rather than spend the memory.
    if work_factor > MAX_WORK_FACTOR:
        with pytest.raises(WorkFactorTooHighError):
            decrypt_bytes(encrypted, [identity])
    else:
        assert decrypt_bytes(encrypted, [identity]) == data


def test_hash_of_large_round_trip_through_both(
    tmp_path: Path, age_key: tuple[Path, X25519Recipient]
) -> None:
    """keyvault -> age -> keyvault on a multi-chunk file, compared by SHA-256."""
    key_file, recipient = age_key
    data = _data(3 * 65536 + 17)
    (tmp_path / "a.age").write_bytes(encrypt_bytes(data, [recipient]))
    _age("-d", "-i", str(key_file), "-o", str(tmp_path / "mid"), str(tmp_path / "a.age"))
    _age("-r", str(recipient), "-o", str(tmp_path / "b.age"), str(tmp_path / "mid"))
    identities = parse_identity_file(Secret(key_file.read_text()))
    out = decrypt_bytes((tmp_path / "b.age").read_bytes(), identities)
    assert hashlib.sha256(out).digest() == hashlib.sha256(data).digest()


def _keyvault(*args: str) -> None:
    """Run the ``keyvault`` CLI as a process, the way a user does."""
    command = [sys.executable, "-m", "keyvault_cli", *args]
    subprocess.run(command, check=True, capture_output=True, timeout=300)


def test_cli_to_cli_large_files_both_ways(
    tmp_path: Path, age_key: tuple[Path, X25519Recipient]
) -> None:
    """``keyvault encrypt``/``decrypt`` processes, file to file, beside ``age``: a file
    larger than several writeback steps of the durable ``-o`` (8 MiB each)."""
    key_file, recipient = age_key
    plain = tmp_path / "plain"
    plain.write_bytes(_data(19 * 1024 * 1024 + 11))
    expected = hashlib.sha256(plain.read_bytes()).digest()
    _keyvault("encrypt", "-r", str(recipient), "-o", str(tmp_path / "kv.age"), str(plain))
    _age("-d", "-i", str(key_file), "-o", str(tmp_path / "by-age"), str(tmp_path / "kv.age"))
    _age("-r", str(recipient), "-o", str(tmp_path / "age.age"), str(plain))
    _keyvault(
        "decrypt", "-i", str(key_file), "-o", str(tmp_path / "by-kv"), str(tmp_path / "age.age")
    )
    for name in ("by-age", "by-kv"):
        assert hashlib.sha256((tmp_path / name).read_bytes()).digest() == expected
    assert (tmp_path / "by-kv").stat().st_mode & 0o777 == 0o600
