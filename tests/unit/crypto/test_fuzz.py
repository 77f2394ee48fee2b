"""Fuzzing the parsers: whatever the input, only typed keyvault errors come out.

``KEYVAULT_FUZZ_EXAMPLES`` raises the number of examples for a longer campaign.
"""

from __future__ import annotations

import io
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keyvault.crypto import ScryptIdentity, X25519Identity, decrypt_stream, encrypt_bytes
from keyvault.crypto._format import parse_header
from keyvault.crypto._source import Source
from keyvault.crypto.armor import ArmorReader
from keyvault.crypto.keys import parse_identity, parse_recipient
from keyvault.errors import KeyvaultError
from keyvault.secret import Secret

IDENTITY = X25519Identity.generate()
VALID = encrypt_bytes(b"hello fuzz", [IDENTITY.recipient, X25519Identity.generate().recipient])
VALID_ARMORED = encrypt_bytes(b"hello fuzz", [IDENTITY.recipient], armor=True)
HEADER_TOKENS = [
    b"age-encryption.org/v1\n",
    b"age-encryption.org/",
    b"-> ",
    b"X25519 ",
    b"scrypt ",
    b"mlkem768x25519 ",
    b"--- ",
    b"---",
    b"\n",
    b"\r\n",
    b" ",
    b"=",
    b"AAAA",
    b"A" * 64,
    b"A" * 43,
    b"18",
    b"23",
    b"0",
    b"-1",
    b"\x00",
    b"\xff",
    b"grease",
]
FUZZ = settings(
    max_examples=int(os.environ.get("KEYVAULT_FUZZ_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _decrypt(data: bytes) -> None:
    identities = [IDENTITY, ScryptIdentity(Secret("pw"), max_work_factor=4)]
    try:
        decrypt_stream(io.BytesIO(data), io.BytesIO(), identities)
    except KeyvaultError:
        pass


def _parse(data: bytes) -> None:
    try:
        parse_header(Source(io.BytesIO(data)))
    except KeyvaultError:
        pass


@FUZZ
@given(st.binary(max_size=600))
def test_random_bytes(data: bytes) -> None:
    _parse(data)
    _decrypt(data)


@FUZZ
@given(st.lists(st.sampled_from(HEADER_TOKENS) | st.binary(max_size=8), max_size=40))
def test_header_shaped_tokens(tokens: list[bytes]) -> None:
    data = b"".join(tokens)
    _parse(data)
    _decrypt(data)


@FUZZ
@given(
    st.integers(min_value=0, max_value=len(VALID) - 1),
    st.binary(min_size=0, max_size=6),
    st.integers(min_value=0, max_value=6),
)
def test_mutations_of_a_valid_file(position: int, insert: bytes, delete: int) -> None:
    data = VALID[:position] + insert + VALID[position + delete :]
    _parse(data)
    _decrypt(data)


@FUZZ
@given(
    st.integers(min_value=0, max_value=len(VALID_ARMORED) - 1),
    st.binary(min_size=0, max_size=4) | st.sampled_from([b"\n", b"\r\n", b" ", b"=", b"-"]),
    st.integers(min_value=0, max_value=4),
)
def test_mutations_of_an_armored_file(position: int, insert: bytes, delete: int) -> None:
    data = VALID_ARMORED[:position] + insert + VALID_ARMORED[position + delete :]
    try:
        ArmorReader(Source(io.BytesIO(data))).read()
    except KeyvaultError:
        pass
    _decrypt(data)


@FUZZ
@given(st.text(max_size=120))
def test_key_strings(text: str) -> None:
    for parse in (parse_recipient, parse_identity):
        try:
            parse(text)
        except KeyvaultError:
            pass
