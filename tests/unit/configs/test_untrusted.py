"""Untrusted input: mutated configuration files and label files only ever raise the typed
errors (never an embit or JSON exception), and taproot script paths match BDK."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from keyvault.configs import parse_descriptor, parse_labels, read_configuration
from keyvault.configs.bbqr import join, split
from keyvault.errors import WalletConfigError

VECTORS = Path(__file__).parents[2] / "vectors"
SOURCES = [
    *sorted((VECTORS / "bsms").glob("*.bsms")),
    *sorted(p for p in (VECTORS / "coldcard").iterdir() if p.name != "README.md"),
]
XPUB = (
    "xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2g"
    "rBGRjaDMzQLcgJvLJuZZvRcEL"
)
XPUB2 = (
    "xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo"
    "6oDaPPLPxSb7gwQN3ih19Zm4Y"
)


def _mutations(data: bytes, rng: random.Random, count: int) -> list[bytes]:
    out = []
    for _ in range(count):
        raw = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            action = rng.randrange(3)
            at = rng.randrange(len(raw)) if raw else 0
            if action == 0 and raw:
                raw[at] = rng.randrange(256)
            elif action == 1 and raw:
                del raw[at : at + rng.randint(1, 20)]
            else:
                raw[at:at] = bytes(rng.choice(b"()[],/<>;*#'h{}:0aZ\n ") for _ in range(3))
        out.append(bytes(raw))
    return out


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.name)
def test_mutated_files_raise_only_typed_errors(path: Path) -> None:
    rng = random.Random(path.name)
    for data in _mutations(path.read_bytes(), rng, 60):
        try:
            read_configuration(data)
        except WalletConfigError:
            pass


def test_mutated_labels_raise_only_typed_errors() -> None:
    rng = random.Random(329)
    data = (VECTORS / "bip329" / "labels.jsonl").read_bytes()
    for mutated in _mutations(data, rng, 200):
        try:
            parse_labels(mutated)
        except WalletConfigError:
            pass


def test_mutated_bbqr_parts_raise_only_typed_errors() -> None:
    rng = random.Random(43)
    parts = split(b"wsh(sortedmulti(2,...))" * 40, parts=3)
    for _ in range(200):
        chosen = [p for p in parts if rng.random() < 0.8]
        mutated = (
            [m.decode("latin-1") for m in _mutations(chosen[0].encode(), rng, 1)] if chosen else []
        )
        try:
            join(mutated + chosen[1:])
        except WalletConfigError:
            pass


def test_taproot_script_paths_match_bdk() -> None:
    bdk = pytest.importorskip("bdkpython")
    text = (
        f"tr([deadbeef/86h/0h/0h]{XPUB}/<0;1>/*,"
        f"{{pk([01234567/86h/0h/1h]{XPUB2}/<0;1>/*),pk([deadbeef/86h/0h/0h]{XPUB}/<2;3>/*)}})"
    )
    config = parse_descriptor(text)
    assert (config.script, config.policy, config.threshold) == ("tr", "taproot-scripts", None)
    assert len(config.cosigners) == 3
    descriptor = bdk.Descriptor(config.descriptor, bdk.NetworkKind.MAIN)
    receive, change = descriptor.to_single_descriptors()
    assert [str(receive.derive_address(i, bdk.Network.BITCOIN)) for i in range(3)] == list(
        config.receive
    )
    assert [str(change.derive_address(i, bdk.Network.BITCOIN)) for i in range(3)] == list(
        config.change
    )
