"""Descriptors against the BIP-380..386 and BIP-389 test vectors.

The BIPs list each valid descriptor with the output scripts it produces. keyvault keeps
public keys only, so a vector with private keys is first made public with embit
(``to_public``); the scripts do not change. The addresses ``parse_descriptor`` derives
must be the vector's scripts; every invalid vector must be refused with a typed error.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from embit.descriptor import Descriptor
from embit.networks import NETWORKS
from embit.script import Script

from keyvault.configs.descriptor import descriptor_checksum, parse_descriptor, split_checksum
from keyvault.errors import (
    DescriptorChecksumError,
    UnknownScriptError,
    WalletConfigError,
)

FOLDER = Path(__file__).parents[2] / "vectors" / "descriptors"


def _load(bip: int) -> Any:
    return json.loads((FOLDER / f"bip{bip}.json").read_text("utf-8"))


BIP380 = _load(380)
SCRIPT_BIPS = (381, 382, 383, 384, 385, 386)
VALID = [
    pytest.param(case, id=f"{bip}-{n}")
    for bip in SCRIPT_BIPS
    for n, case in enumerate(_load(bip)["valid"])
]
INVALID = [
    pytest.param(case, id=f"{bip}-{n}")
    for bip in (*SCRIPT_BIPS, 389)
    for n, case in enumerate(_load(bip)["invalid"])
]
MULTIPATH = [pytest.param(case, id=f"389-{n}") for n, case in enumerate(_load(389)["valid"])]
_BARE_OR_NOT_A_WALLET = ("pk(", "multi(", "sortedmulti(", "combo(", "raw(", "addr(")
_PATH_AFTER_KEY = re.compile(r"[1-9A-HJ-NP-Za-km-z]{100,}((?:/[0-9*<>;h']+)*)")


def _private(descriptor: str) -> bool:
    return "prv" in descriptor or bool(
        re.search(r"[(,\]][5KL][1-9A-HJ-NP-Za-km-z]{50}", descriptor)
    )


def _hardened_after_key(descriptor: str) -> bool:
    """Whether a key derives hardened children: only its private key can."""
    return any(re.search(r"[h']", m.group(1)) for m in _PATH_AFTER_KEY.finditer(descriptor))


def _public(descriptor: str) -> str:
    return str(Descriptor.from_string(descriptor).to_public())


def _address(script_hex: str) -> str:
    return str(Script(bytes.fromhex(script_hex)).address(NETWORKS["main"]))


@pytest.mark.parametrize("case", BIP380["checksum"], ids=lambda c: c["name"])
def test_bip380_checksums(case: dict[str, Any]) -> None:
    if case["valid"]:
        body, found = split_checksum(case["descriptor"])
        assert found is None or found == descriptor_checksum(body)
    else:
        with pytest.raises(WalletConfigError):
            split_checksum(case["descriptor"])


def test_bip380_error_in_payload_names_the_expected_checksum() -> None:
    with pytest.raises(DescriptorChecksumError) as caught:
        split_checksum("raw(deedbeef)#89f8spxm")
    assert caught.value.found == "89f8spxm"
    assert caught.value.expected == descriptor_checksum("raw(deedbeef)")
    assert caught.value.expected in (caught.value.hint or "")


@pytest.mark.parametrize("case", BIP380["key_valid"], ids=lambda c: c["name"])
def test_bip380_valid_key_expressions(case: dict[str, Any]) -> None:
    key = case["descriptor"]
    if "prv" in key or key[0] in "5KL":
        with pytest.raises(WalletConfigError, match="private key"):
            parse_descriptor(f"pkh({key})")
        return
    if "h/" in key.rsplit("]", 1)[-1] or key.endswith("h"):
        # valid syntax, but a public key cannot derive hardened children
        with pytest.raises(WalletConfigError):
            parse_descriptor(f"pkh({key})")
        return
    config = parse_descriptor(f"pkh({key})")
    assert config.script == "pkh" and len(config.cosigners) == 1


@pytest.mark.parametrize("case", BIP380["key_invalid"], ids=lambda c: c["name"])
def test_bip380_invalid_key_expressions(case: dict[str, Any]) -> None:
    with pytest.raises(WalletConfigError):
        parse_descriptor(f"pkh({case['descriptor']})")


@pytest.mark.parametrize("case", VALID)
def test_valid_descriptors_derive_the_vector_scripts(case: dict[str, Any]) -> None:
    descriptor = case["descriptor"]
    if _private(descriptor):
        with pytest.raises(WalletConfigError, match="private key"):
            parse_descriptor(descriptor)
        if _hardened_after_key(descriptor) or descriptor.startswith(_BARE_OR_NOT_A_WALLET):
            return  # no public form keyvault could keep
        descriptor = _public(descriptor)
    if descriptor.startswith(_BARE_OR_NOT_A_WALLET):
        with pytest.raises(UnknownScriptError):
            parse_descriptor(descriptor)
        return
    config = parse_descriptor(descriptor)
    expected = [_address(s) for s in case["scripts"]]
    assert config.receive
    if expected:  # BIP-386 lists one valid descriptor without its script
        assert list(config.receive) == expected[: len(config.receive)]


@pytest.mark.parametrize("case", INVALID)
def test_invalid_descriptors_are_refused(case: dict[str, Any]) -> None:
    with pytest.raises(WalletConfigError):
        parse_descriptor(case["descriptor"])


@pytest.mark.parametrize("case", MULTIPATH)
def test_bip389_multipath_expands_to_receive_and_change(case: dict[str, Any]) -> None:
    descriptor = case["descriptor"]
    if descriptor.startswith(_BARE_OR_NOT_A_WALLET):
        pytest.skip("a bare script: keyvault keeps no such wallet (tested above)")
    if _hardened_after_key(descriptor):
        pytest.skip("hardened steps after the key: only a private key derives them")
    if _private(descriptor):
        descriptor = _public(descriptor)
    config = parse_descriptor(descriptor)
    receive, change = (parse_descriptor(_public(d)) for d in case["expands_to"][:2])
    assert config.receive[:1] == receive.receive[:1]
    assert config.change[:1] == change.receive[:1]


def test_the_multipath_vectors_cover_a_wallet() -> None:
    kept = [c for c in _load(389)["valid"] if not c["descriptor"].startswith(_BARE_OR_NOT_A_WALLET)]
    assert len(kept) >= 2  # wpkh <1;3> and sh(multi) <1;2;3>
