"""Configuration files: BIP-129 records, Coldcard's own multisig files, Electrum wallets.

Coldcard's firmware repository ships, for one 2-of-4 testnet wallet, its multisig setup
file, its descriptor and its Electrum wallet file, in three script types: all three
must read to the same normalised descriptor. Every export must read back to the same
configuration, and bdkpython (an independent Rust parser) must derive the same first
receive and change addresses from the normalised descriptor.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keyvault.configs import EXPORT_FORMATS, export, parse_descriptor, read_configuration
from keyvault.errors import (
    DescriptorChecksumError,
    UnknownScriptError,
    WalletConfigError,
    WrongNetworkError,
)

VECTORS = Path(__file__).parents[2] / "vectors"
BSMS = sorted((VECTORS / "bsms").glob("descriptor-record-*.bsms"))
SCRIPTS = {"p2wsh": "wsh", "p2sh-p2wsh": "sh-wsh", "p2sh": "sh"}
# BIP-129's first addresses, as the records state them (line 4).
FIRST = {p.name: p.read_text("utf-8").splitlines()[3] for p in BSMS}
FIVE_OF_SEVEN_KEYS = [
    "[1cf0bf7e/48h/0h/0h/2h]xpub6FL8FhxNNUVnG64YurPd16AfGyvFLhh7S2uSsDqR3Qfcm6o9jtcMYwh6DvmcBF9qozxNQmTCVvWtxLpKTnhVLN3Pgnu2D3pAoXYFgVyd8Yz",
    "[4fc1dd4a/48h/0h/0h/2h]xpub6EebMbEps7ZcV3FYEnddRsvrFWDrt2tiPmCeM7pPXQEmphvq9ZfJ1LWFUDjf3vxCeBuPrfyGrMazWUsYsetrnHatQZVLJH7LsgCjtMqdzgj",
    "[b7868815/48h/0h/0h/2h]xpub6FA5rfxJc94K1kNtxRby1hoHwi7YDyTWwx1KUR3FwskaF6HzCbZMz3zQwGnCqdiFeMTPV3YneTGS2YQPiuNYsSvtggWWMQpEJD4jXU7ZzEh",
    "[eedff89a/48h/0h/0h/2h]xpub6EhJvMneoLWAf8cuyLBLQiKiwh89RAmqXEqYeFuaCEHdHwxSRfzLrUxKXEBap7nZSHAYP7Jfq6gZmucotNzpMQ9Sb1nTqerqW8hrtmx6Y6o",
]


def _coldcard(name: str) -> bytes:
    return (VECTORS / "coldcard" / name).read_bytes()


@pytest.mark.parametrize("path", BSMS, ids=lambda p: p.name)
def test_bip129_descriptor_records(path: Path) -> None:
    imported = read_configuration(path.read_bytes())
    assert imported.format == "bsms"
    assert imported.config.receive[0] == FIRST[path.name]
    assert imported.config.network == "mainnet"


def test_bip129_two_of_two_template_becomes_multipath() -> None:
    config = read_configuration((VECTORS / "bsms" / "descriptor-record-2.bsms").read_bytes()).config
    assert config.summary == "2-of-2 wsh sortedmulti"
    assert [c.fingerprint for c in config.cosigners] == ["1cf0bf7e", "4fc1dd4a"]
    assert all(c.path == "/<0;1>/*" and c.derivation == "m/48h/0h/0h/2h" for c in config.cosigners)
    assert len(config.change) == 3


@pytest.mark.parametrize("script", SCRIPTS)
def test_coldcard_descriptor_and_electrum_files_agree(script: str) -> None:
    setup = read_configuration(_coldcard(f"export-{script}-myself.txt"))
    descriptor = read_configuration(_coldcard(f"desc-{script}-myself.txt"))
    electrum = read_configuration(_coldcard(f"el-{script}-myself.json"))
    assert (setup.format, descriptor.format, electrum.format) == (
        "coldcard",
        "descriptor",
        "electrum",
    )
    assert setup.config == descriptor.config == electrum.config
    assert setup.label == "CC-2-of-4"
    config = setup.config
    assert config.network == "testnet" and config.script == SCRIPTS[script]
    assert config.threshold == 2 and len(config.cosigners) == 4
    assert [c.fingerprint for c in config.cosigners] == [
        "0f056943",
        "6ba6cfd0",
        "747b698e",
        "7bb026be",
    ]


ALL = [*BSMS, *sorted(p for p in (VECTORS / "coldcard").iterdir() if p.name != "README.md")]


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_every_export_reads_back_the_same(path: Path, fmt: str) -> None:
    config = read_configuration(path.read_bytes()).config
    try:
        text = export(config, fmt, name="family vault", blockheight=810000)
    except WalletConfigError:
        assert fmt == "coldcard"  # a multi(), or keys without /<0;1>/*
        return
    again = read_configuration(text.encode("utf-8"))
    assert again.config == config
    if fmt == "specter":
        assert (again.label, again.blockheight) == ("family vault", 810000)


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.name)
def test_bdk_derives_the_same_addresses(path: Path) -> None:
    bdk = pytest.importorskip("bdkpython")
    config = read_configuration(path.read_bytes()).config
    kind = bdk.NetworkKind.MAIN if config.network == "mainnet" else bdk.NetworkKind.TEST
    network = bdk.Network.BITCOIN if config.network == "mainnet" else bdk.Network.TESTNET
    descriptor = bdk.Descriptor(config.descriptor, kind)
    singles = descriptor.to_single_descriptors() if descriptor.is_multipath() else [descriptor]
    receive = [str(singles[0].derive_address(i, network)) for i in range(len(config.receive))]
    assert receive == list(config.receive)
    if config.change:
        change = [str(singles[1].derive_address(i, network)) for i in range(len(config.change))]
        assert change == list(config.change)


def test_five_of_seven_wsh() -> None:
    keys = [k + "/<0;1>/*" for k in FIVE_OF_SEVEN_KEYS]
    extra = [
        "[59865f44/48h/0h/0h/2h]xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL/<0;1>/*",
        "[b7044ca6/48h/0h/0h/2h]xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/<0;1>/*",
        "[deadbeef/48h/0h/0h/2h]xpub661MyMwAqRbcFW31YEwpkMuc5THy2PSt5bDMsktWQcFF8syAmRUapSCGu8ED9W6oDMSgv6Zz8idoc4a6mr8BDzTJY47LJhkJ8UB7WEGuduB/<0;1>/*",
    ]
    config = parse_descriptor(f"wsh(sortedmulti(5,{','.join(keys + extra)}))")
    assert config.summary == "5-of-7 wsh sortedmulti"
    again = read_configuration(export(config, "coldcard", name="5of7").encode())
    assert again.config == config


def test_wrong_checksum_names_the_expected_one() -> None:
    text = (VECTORS / "coldcard" / "desc-p2wsh-myself.txt").read_text().strip()
    bad = text[:-1] + ("q" if text[-1] != "q" else "p")
    with pytest.raises(DescriptorChecksumError) as caught:
        read_configuration(bad.encode())
    assert caught.value.expected == text[-8:]
    assert caught.value.line == 1
    assert text[-8:] in (caught.value.hint or "")


def test_unknown_script_is_named() -> None:
    with pytest.raises(UnknownScriptError, match="'wshh'"):
        read_configuration(b"# my wallet\nwshh(sortedmulti(1,02aa))\n")


def test_xpub_of_the_wrong_network() -> None:
    text = _coldcard("desc-p2wsh-myself.txt")
    with pytest.raises(WrongNetworkError, match="testnet keys, not mainnet"):
        read_configuration(text, network="mainnet")
    record = (VECTORS / "bsms" / "descriptor-record-2.bsms").read_text()
    mixed = record.replace(
        "xpub6EebMbEps7ZcV3FYEnddRsvrFWDrt2tiPmCeM7pPXQEmphvq9ZfJ1LWFUDjf3vxCeBuPrfyGrMazWUsYsetrnHatQZVLJH7LsgCjtMqdzgj",
        "tpubDF2rnouQaaYrXF4noGTv6rQYmx87cQ4GrUdhpvXkhtChwQPbdGTi8GA88NUaSrwZBwNsTkC9bFkkC8vDyGBVVAQTZ2AS6gs68RQXtXcCvkP",
    )
    with pytest.raises(WrongNetworkError, match="line 2: key 2 is a testnet key"):
        read_configuration(mixed.encode())


@pytest.mark.parametrize("keep", [1, 2, 3])
def test_truncated_bsms_names_the_missing_line(keep: int) -> None:
    lines = (VECTORS / "bsms" / "descriptor-record-2.bsms").read_text().splitlines()
    with pytest.raises(
        WalletConfigError, match=f"line {keep + 1}: the BSMS record is cut short"
    ) as caught:
        read_configuration("\n".join(lines[:keep]).encode())
    assert caught.value.line == keep + 1


def test_bsms_with_another_first_address_is_refused() -> None:
    lines = (VECTORS / "bsms" / "descriptor-record-1.bsms").read_text().splitlines()
    lines[3] = FIRST["descriptor-record-2.bsms"]
    with pytest.raises(WalletConfigError, match="line 4"):
        read_configuration("\n".join(lines).encode())


def test_a_key_record_is_not_a_descriptor_record() -> None:
    with pytest.raises(WalletConfigError, match="line"):
        read_configuration((VECTORS / "bsms" / "signer-1-key-record.bsms").read_bytes())


def test_private_keys_are_refused_without_echoing_them() -> None:
    xprv = (
        "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4"
        "PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U"
    )
    with pytest.raises(WalletConfigError) as caught:
        read_configuration(f"wpkh({xprv}/0/*)".encode())
    assert "private key" in str(caught.value) and xprv not in str(caught.value)


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"Name: x\nPolicy: 2 of 3\nFormat: P2WSH\n", 3),
        (b"Name: x\nPolicy: two of three\n", 2),
        (b"Name: x\nPolicy: 1 of 1\nFormat: P2TR\n", 3),
        (b"Policy: 1 of 1\n0F056943: tpub\n", 2),
        (b'{"descriptor": "wpkh(",\n "label": 3', 2),
        (b"wpkh(\xff)", 1),
    ],
)
def test_malformed_files_name_the_line(data: bytes, line: int) -> None:
    with pytest.raises(WalletConfigError) as caught:
        read_configuration(data)
    assert caught.value.line == line
    assert f"line {line}" in str(caught.value)


def test_bounded_size() -> None:
    with pytest.raises(WalletConfigError, match="at most"):
        read_configuration(b"#" * (300 * 1024))


def test_specter_json_keeps_label_and_height() -> None:
    descriptor = (VECTORS / "coldcard" / "desc-p2wsh-myself.txt").read_text().strip()
    data = json.dumps({"label": "Vault", "blockheight": 2400000, "descriptor": descriptor})
    imported = read_configuration(data.encode())
    assert (imported.format, imported.label, imported.blockheight) == ("specter", "Vault", 2400000)


def test_files_holding_secrets_are_refused() -> None:
    document = json.loads((VECTORS / "coldcard" / "el-p2wsh-myself.json").read_text())
    document["x1/"]["seed"] = "word " * 12
    with pytest.raises(WalletConfigError, match="seed or private keys") as caught:
        read_configuration(json.dumps(document).encode())
    assert "word" not in str(caught.value)
    xprv = (
        "xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4"
        "PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U"
    )
    descriptor = (VECTORS / "coldcard" / "desc-p2wsh-myself.txt").read_text().strip()
    specter = {"descriptor": descriptor, "devices": [{"note": xprv}]}
    with pytest.raises(WalletConfigError, match="line 1: a private key") as caught:
        read_configuration(json.dumps(specter).encode())
    assert xprv not in str(caught.value)
