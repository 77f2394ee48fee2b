"""The age building blocks: bech32, keys, stanzas, recipients rules, streams, progress."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from keyvault.crypto import (
    HeaderInfo,
    ScryptIdentity,
    ScryptRecipient,
    X25519Identity,
    X25519Recipient,
    bech32,
    decrypt_bytes,
    decrypt_file,
    decrypt_stream,
    encrypt_bytes,
    encrypt_file,
    encrypt_stream,
)
from keyvault.crypto._format import Stanza, b64decode_canonical
from keyvault.crypto.keys import (
    is_age_file,
    parse_identity,
    parse_identity_file,
    parse_recipient,
    parse_recipients_file,
)
from keyvault.errors import (
    ArmorError,
    HeaderError,
    InvalidKeyError,
    NoMatchingIdentityError,
    NotAnAgeFileError,
    UnsupportedRecipientError,
    WorkFactorTooHighError,
    WrongPassphraseError,
)
from keyvault.secret import Secret

# The identity and recipient from the CCTV "x25519" vector (tests/vectors/age/x25519).
CCTV_IDENTITY = "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"


def _fast_scrypt(passphrase: str = "pw") -> ScryptRecipient:
    return ScryptRecipient._unchecked(Secret(passphrase), 10)


# --- bech32 (BIP173 test vectors) -------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "A12UEL5L",
        "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
    ],
)
def test_bech32_valid(text: str) -> None:
    hrp, data = bech32.decode(text)
    assert hrp == text.lower()[: text.lower().rfind("1")]
    assert bech32.encode(hrp, data) == text.lower()


@pytest.mark.parametrize(
    "text",
    [
        "pzry9x0s0muk",
        "1pzry9x0s0muk",
        "x1b4n0q5v",
        "li1dgmt3",
        "A1G7SGD8",
        "10a06t8",
        "1qzzfhee",
        "A12UEL5l",
        "a12uel5m",
    ],
)
def test_bech32_invalid(text: str) -> None:
    with pytest.raises(ValueError):
        bech32.decode(text)


# --- keys -------------------------------------------------------------------------------


def test_identity_string_round_trip_and_known_recipient() -> None:
    identity = X25519Identity.parse(CCTV_IDENTITY)
    assert identity.to_secret().reveal_text() == CCTV_IDENTITY
    assert X25519Identity.parse(CCTV_IDENTITY.lower()).recipient == identity.recipient
    assert X25519Identity.from_bytes(identity.secret_bytes()).recipient == identity.recipient
    assert X25519Recipient.parse(str(identity.recipient)) == identity.recipient
    assert str(identity.recipient).startswith("age1") and len(str(identity.recipient)) == 62
    assert CCTV_IDENTITY not in repr(identity)
    assert "redacted" in repr(identity)


def test_key_mistakes() -> None:
    identity = X25519Identity.generate()
    with pytest.raises(InvalidKeyError):
        X25519Identity.parse(str(identity.recipient))  # a recipient is not an identity
    with pytest.raises(InvalidKeyError):
        X25519Recipient.parse(identity.to_secret().reveal_text())
    text = identity.to_secret().reveal_text()
    with pytest.raises(InvalidKeyError) as info:
        X25519Identity.parse(text[:-1] + ("Q" if text[-1] != "Q" else "P"))
    assert text not in str(info.value)
    with pytest.raises(InvalidKeyError):
        X25519Recipient.parse("age1" + "q" * 58)
    with pytest.raises(ValueError):
        X25519Identity.from_bytes(b"short")


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("age1pq1" + "q" * 1900, "mlkem768x25519"),
        ("age1tag1" + "q" * 60, "p256tag"),
        ("age1tagpq1" + "q" * 60, "mlkem768p256tag"),
        ("age1yubikey1q" + "q" * 58, "yubikey"),
        ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", "SSH"),
    ],
)
def test_unsupported_recipient_kinds_are_named(text: str, named: str) -> None:
    with pytest.raises(UnsupportedRecipientError, match=named):
        parse_recipient(text)


def test_unsupported_identity_kinds_are_named() -> None:
    with pytest.raises(UnsupportedRecipientError, match="mlkem768x25519"):
        parse_identity("AGE-SECRET-KEY-PQ-1" + "Q" * 60)
    with pytest.raises(UnsupportedRecipientError, match="plugin"):
        parse_identity("AGE-PLUGIN-YUBIKEY-1QQQ")
    with pytest.raises(UnsupportedRecipientError, match="SSH"):
        parse_identity_file(Secret("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n"))


def test_key_files() -> None:
    one, two = X25519Identity.generate(), X25519Identity.generate()
    text = (
        f"# created: 2026-01-01T00:00:00Z\n# public key: {one.recipient}\n"
        f"{one.to_secret().reveal_text()}\n\n{two.to_secret().reveal_text()}\n"
    )
    assert [i.recipient for i in parse_identity_file(Secret(text))] == [
        one.recipient,
        two.recipient,
    ]
    assert parse_recipients_file(f"# a\n{one.recipient}\n  {two.recipient}  \n") == [
        one.recipient,
        two.recipient,
    ]
    with pytest.raises(InvalidKeyError, match="line 2"):
        parse_recipients_file(f"{one.recipient}\nage1bad\n")
    with pytest.raises(InvalidKeyError, match="no recipient"):
        parse_recipients_file("# only a comment\n")
    with pytest.raises(InvalidKeyError, match="no identity"):
        parse_identity_file(Secret("\n# nothing\n"))
    assert is_age_file(encrypt_bytes(b"", [one.recipient]))
    assert is_age_file(b"\n" + encrypt_bytes(b"", [one.recipient], armor=True))
    assert not is_age_file(text.encode())


# --- the header -------------------------------------------------------------------------


def test_canonical_base64() -> None:
    assert b64decode_canonical(b"") == b""
    assert b64decode_canonical(b"AA") == b"\x00"
    for bad in (b"AB", b"AA==", b"A", b"A A", b"AA\n", b"-_"):
        with pytest.raises(ValueError):
            b64decode_canonical(bad)


def test_stanza_body_always_ends_with_a_short_line() -> None:
    assert Stanza("t", (), b"").encode() == b"-> t\n\n"
    assert Stanza("t", ("a",), bytes(48)).encode() == b"-> t a\n" + b"A" * 64 + b"\n\n"
    assert Stanza("t", (), bytes(49)).encode().endswith(b"\nAA\n")
    with pytest.raises(ValueError):
        Stanza("t", ("",), b"")
    with pytest.raises(ValueError):
        Stanza("t", ("a b",), b"")


def test_header_is_what_age_writes() -> None:
    identity = X25519Identity.generate()
    data = encrypt_bytes(b"x", [identity.recipient])
    lines = data.split(b"\n")
    assert lines[0] == b"age-encryption.org/v1"
    assert lines[1].startswith(b"-> X25519 ") and len(lines[1]) == 10 + 43
    assert len(lines[2]) == 43
    assert lines[3].startswith(b"--- ") and len(lines[3]) == 47
    # ciphertext size = header + nonce + plaintext + one tag per chunk
    assert len(data) == len(b"\n".join(lines[:4])) + 1 + 16 + 1 + 16


def test_not_an_age_file_and_unsupported_version() -> None:
    identity = X25519Identity.generate()
    with pytest.raises(NotAnAgeFileError):
        decrypt_bytes(b"hello, this is text", [identity])
    with pytest.raises(NotAnAgeFileError):
        decrypt_bytes(b"", [identity])
    with pytest.raises(HeaderError, match="version"):
        decrypt_bytes(b"age-encryption.org/v2\n-> X\n\n--- " + b"A" * 43 + b"\n", [identity])
    with pytest.raises(HeaderError, match=r"too large|overlong"):
        decrypt_bytes(b"age-encryption.org/v1\n-> X " + b"a" * 20000 + b"\n", [identity])


def test_header_size_is_bounded() -> None:
    stanza = b"-> grease\n" + b"A" * 64 + b"\n" + b"\n"
    data = b"age-encryption.org/v1\n" + stanza * 20000
    with pytest.raises(HeaderError, match="too large"):
        decrypt_bytes(data, [X25519Identity.generate()])


# --- recipients and identities ---------------------------------------------------------


def test_passphrase_must_be_alone_when_encrypting() -> None:
    identity = X25519Identity.generate()
    with pytest.raises(ValueError, match="passphrase"):
        encrypt_bytes(b"x", [_fast_scrypt(), identity.recipient])
    with pytest.raises(ValueError, match="passphrase"):
        encrypt_bytes(b"x", [_fast_scrypt(), _fast_scrypt()])
    with pytest.raises(ValueError):
        encrypt_bytes(b"x", [])


def test_work_factor_bounds() -> None:
    assert ScryptRecipient(Secret("pw")).work_factor == 18
    for bad in (15, 23, 30):
        with pytest.raises(ValueError):
            ScryptRecipient(Secret("pw"), work_factor=bad)
    with pytest.raises(ValueError):
        ScryptIdentity(Secret("pw"), max_work_factor=23)
    with pytest.raises(TypeError):
        ScryptRecipient("pw", 18)  # type: ignore[arg-type]
    high = encrypt_bytes(b"x", [ScryptRecipient._unchecked(Secret("pw"), 12)])
    with pytest.raises(WorkFactorTooHighError):
        decrypt_bytes(high, [ScryptIdentity(Secret("pw"), max_work_factor=11)])
    assert decrypt_bytes(high, [ScryptIdentity(Secret("pw"), max_work_factor=12)]) == b"x"


def test_no_match_errors_say_what_to_do() -> None:
    identity = X25519Identity.generate()
    by_key = encrypt_bytes(b"x", [X25519Identity.generate().recipient])
    with pytest.raises(NoMatchingIdentityError) as info:
        decrypt_bytes(by_key, [identity])
    assert not isinstance(info.value, WrongPassphraseError)
    assert info.value.hint is not None and "encrypted to another key" in info.value.hint
    by_passphrase = encrypt_bytes(b"x", [_fast_scrypt("right")])
    with pytest.raises(WrongPassphraseError):
        decrypt_bytes(by_passphrase, [ScryptIdentity(Secret("wrong"))])
    with pytest.raises(NoMatchingIdentityError, match="passphrase-encrypted"):
        decrypt_bytes(by_passphrase, [identity])
    with pytest.raises(NoMatchingIdentityError):
        decrypt_bytes(by_key, [])


def test_identity_callback_sees_header_types() -> None:
    seen: list[HeaderInfo] = []
    data = encrypt_bytes(b"cb", [_fast_scrypt("pw")])

    def choose(info: HeaderInfo) -> list[ScryptIdentity]:
        seen.append(info)
        return [ScryptIdentity(Secret("pw"))]

    assert decrypt_bytes(data, choose) == b"cb"
    assert seen[0].types == ("scrypt",) and seen[0].passphrase_encrypted


def test_armor_detection_and_forcing() -> None:
    identity = X25519Identity.generate()
    armored = encrypt_bytes(b"x", [identity.recipient], armor=True)
    binary = encrypt_bytes(b"x", [identity.recipient])
    out = io.BytesIO()
    with pytest.raises(NotAnAgeFileError):
        decrypt_stream(io.BytesIO(armored), out, [identity], armor=False)
    with pytest.raises(ArmorError):
        decrypt_stream(io.BytesIO(binary), out, [identity], armor=True)
    assert decrypt_bytes(armored, [identity]) == decrypt_bytes(binary, [identity]) == b"x"


# --- streams ----------------------------------------------------------------------------


class _Trickle(io.RawIOBase):
    """A pipe-like reader that returns at most 1000 bytes per read."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(1000, size) if size >= 0 else 1000)


def test_short_reads_and_progress() -> None:
    identity = X25519Identity.generate()
    data = os.urandom(40 * 65536 + 123)  # several batches: the thread pool is used
    done: list[int] = []
    encrypted = io.BytesIO()
    size = encrypt_stream(_Trickle(data), encrypted, [identity.recipient], progress=done.append)  # type: ignore[arg-type]
    assert size == len(data)
    assert done[-1] == len(data) and done == sorted(done)
    out = io.BytesIO()
    seen: list[int] = []
    size = decrypt_stream(_Trickle(encrypted.getvalue()), out, [identity], progress=seen.append)  # type: ignore[arg-type]
    assert size == len(data) and out.getvalue() == data
    assert seen[-1] == len(data)


def test_files_are_0600_and_atomic(tmp_path: Path) -> None:
    identity = X25519Identity.generate()
    (tmp_path / "plain").write_bytes(b"p" * 1000)
    encrypt_file(tmp_path / "plain", tmp_path / "x.age", [identity.recipient])
    decrypt_file(tmp_path / "x.age", tmp_path / "out", [identity])
    assert (tmp_path / "out").read_bytes() == b"p" * 1000
    for name in ("x.age", "out"):
        assert (tmp_path / name).stat().st_mode & 0o777 == 0o600
    # a failed decryption leaves an existing target untouched
    (tmp_path / "out").write_bytes(b"previous")
    with pytest.raises(NoMatchingIdentityError):
        decrypt_file(tmp_path / "x.age", tmp_path / "out", [X25519Identity.generate()])
    assert (tmp_path / "out").read_bytes() == b"previous"
