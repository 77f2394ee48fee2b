"""Tampering is always detected and never leaves an output file.

Binary files: a changed byte anywhere (header, nonce, every chunk and tag), truncation
at any length, an appended byte. Armored files: every change the strict armor rules do
not allow; the few variations they do allow (CRLF, outer whitespace, no final newline)
still decrypt.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity, decrypt_bytes, decrypt_file, encrypt_bytes
from keyvault.errors import KeyvaultError

IDENTITY = X25519Identity.generate()


def _fails_without_output(tmp_path: Path, data: bytes) -> KeyvaultError:
    source = tmp_path / "in.age"
    source.write_bytes(data)
    target = tmp_path / "out"
    with pytest.raises(KeyvaultError) as info:
        decrypt_file(source, target, [IDENTITY])
    assert not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["in.age"]
    source.unlink()
    return info.value


def _fails(data: bytes) -> None:
    with pytest.raises(KeyvaultError):
        decrypt_bytes(data, [IDENTITY])


def test_every_byte_flip_of_a_small_file_is_detected() -> None:
    encrypted = encrypt_bytes(os.urandom(500), [IDENTITY.recipient])
    for position in range(len(encrypted)):
        for mask in (0x01, 0x80):
            changed = bytearray(encrypted)
            changed[position] ^= mask
            _fails(bytes(changed))


def test_byte_flips_across_a_multi_chunk_file(tmp_path: Path) -> None:
    encrypted = encrypt_bytes(os.urandom(3 * 65536 + 1000), [IDENTITY.recipient])
    header_end = encrypted.index(b"\n---") + 48
    chunk = 65536 + 16
    positions = set(range(header_end + 16))  # the whole header and the nonce
    start = header_end + 16
    for index in range(4):
        base = start + index * chunk
        positions |= {base, base + 1, base + 32768, base + chunk - 17, base + chunk - 1}
    positions |= set(random.Random(7).sample(range(len(encrypted)), 40))
    positions = {p for p in positions if p < len(encrypted)}
    positions.add(len(encrypted) - 1)
    for position in sorted(positions):
        changed = bytearray(encrypted)
        changed[position] ^= 0x01
        _fails_without_output(tmp_path, bytes(changed))


def test_every_truncation_of_a_small_file_is_detected() -> None:
    encrypted = encrypt_bytes(os.urandom(300), [IDENTITY.recipient])
    for length in range(len(encrypted)):
        _fails(encrypted[:length])


@pytest.mark.parametrize("size", [65536, 65537, 2 * 65536, 2 * 65536 + 5])
def test_truncation_at_chunk_boundaries(tmp_path: Path, size: int) -> None:
    encrypted = encrypt_bytes(os.urandom(size), [IDENTITY.recipient])
    header_end = encrypted.index(b"\n---") + 48
    cuts = {header_end, header_end + 8, header_end + 16, len(encrypted) - 1, len(encrypted) - 16}
    for boundary in range(header_end + 16, len(encrypted), 65536 + 16):
        cuts |= {boundary - 1, boundary, boundary + 1, boundary + 16}
    for cut in sorted(c for c in cuts if 0 <= c < len(encrypted)):
        _fails_without_output(tmp_path, encrypted[:cut])


@pytest.mark.parametrize("size", [0, 1, 65536, 100_000])
def test_appended_bytes_are_detected(tmp_path: Path, size: int) -> None:
    encrypted = encrypt_bytes(os.urandom(size), [IDENTITY.recipient])
    for extra in (b"\x00", b"\n", b"A", os.urandom(16), os.urandom(65552)):
        _fails_without_output(tmp_path, encrypted + extra)


def test_partial_plaintext_is_never_left_behind(tmp_path: Path) -> None:
    """Damage in the last chunk of a large file: earlier chunks verified, still no output."""
    encrypted = bytearray(encrypt_bytes(os.urandom(40 * 65536 + 3), [IDENTITY.recipient]))
    encrypted[-1] ^= 1
    _fails_without_output(tmp_path, bytes(encrypted))


def _armored() -> tuple[bytes, bytes]:
    plain = os.urandom(1001)  # the binary file is then 1201 bytes: the armor needs padding
    armored = encrypt_bytes(plain, [IDENTITY.recipient], armor=True)
    assert b"==\n-----END" in armored
    return plain, armored


def _lines(armored: bytes) -> list[bytes]:
    return armored.split(b"\n")


ARMOR_MUTATIONS = {
    "lowercase label": lambda a: a.replace(
        b"BEGIN AGE ENCRYPTED FILE", b"BEGIN age encrypted file"
    ),
    "other label": lambda a: a.replace(b"AGE ENCRYPTED FILE", b"AGE ENCRYPTED MESSAGE"),
    "space in BEGIN": lambda a: a.replace(b"-----BEGIN AGE", b"----- BEGIN AGE"),
    "pem header": lambda a: a.replace(b"-----\n", b"-----\nVersion: 1\n\n", 1),
    "empty line after BEGIN": lambda a: a.replace(b"-----\n", b"-----\n\n", 1),
    "empty line before END": lambda a: a.replace(b"\n-----END", b"\n\n-----END"),
    "trailing space on a line": lambda a: b"\n".join(
        [ln + b" " if i == 1 else ln for i, ln in enumerate(_lines(a))]
    ),
    "leading space on a line": lambda a: b"\n".join(
        [b" " + ln if i == 2 else ln for i, ln in enumerate(_lines(a))]
    ),
    "tab inside a line": lambda a: b"\n".join(
        [ln[:10] + b"\t" + ln[10:] if i == 2 else ln for i, ln in enumerate(_lines(a))]
    ),
    "long line": lambda a: b"\n".join(
        [*_lines(a)[:1], _lines(a)[1] + _lines(a)[2][:4], *_lines(a)[3:]]
    ),
    "short line": lambda a: b"\n".join(
        [*_lines(a)[:1], _lines(a)[1][:60], _lines(a)[1][60:], *_lines(a)[2:]]
    ),
    "garbage before": lambda a: b"hello\n" + a,
    "garbage after": lambda a: a + b"hello\n",
    "no END line": lambda a: a[: a.index(b"-----END")],
    "PGP checksum": lambda a: a.replace(b"\n-----END", b"\n=AbCd\n-----END"),
    "missing padding": lambda a: a.replace(b"==\n-----END", b"\n-----END"),
    "partial padding": lambda a: a.replace(b"==\n-----END", b"=\n-----END"),
    "padding on its own line": lambda a: a.replace(b"==\n-----END", b"=\n=\n-----END"),
    "invalid character": lambda a: a.replace(a[100:101], b"*", 1),
    "changed base64 character": lambda a: (
        a[:200] + (b"B" if a[200:201] != b"B" else b"C") + a[201:]
    ),
    "whitespace inside END": lambda a: a.replace(b"-----END AGE", b"-----END  AGE"),
}


@pytest.mark.parametrize("name", sorted(ARMOR_MUTATIONS))
def test_armor_mutations_are_rejected(tmp_path: Path, name: str) -> None:
    _, armored = _armored()
    mutated = ARMOR_MUTATIONS[name](armored)
    assert mutated != armored
    _fails_without_output(tmp_path, mutated)


def test_armor_variations_the_spec_allows() -> None:
    plain, armored = _armored()
    for variant in (
        armored.replace(b"\n", b"\r\n"),
        b" \t\r\n" + armored + b"\r\n \t\n",
        armored.rstrip(b"\n"),
    ):
        assert decrypt_bytes(variant, [IDENTITY]) == plain


def test_every_truncation_of_an_armored_file_is_detected() -> None:
    _, armored = _armored()
    for length in range(len(armored) - 1):  # only the final newline may go
        _fails(armored[:length])
