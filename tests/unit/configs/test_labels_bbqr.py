"""BIP-329 labels (the BIP's own example) and BBQr (a series a Coldcard Q produced)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from keyvault.configs import labels_text, parse_labels
from keyvault.configs.bbqr import MAX_PAYLOAD, join, split
from keyvault.errors import BBQrError, LabelsError

VECTORS = Path(__file__).parents[2] / "vectors"


def test_bip329_example_reads_and_round_trips() -> None:
    records = parse_labels((VECTORS / "bip329" / "labels.jsonl").read_bytes())
    assert [r["type"] for r in records] == [
        "tx",
        "addr",
        "pubkey",
        "input",
        "output",
        "xpub",
        "spscan",
        "tx",
    ]
    assert records[4]["spendable"] is False
    assert parse_labels(labels_text(records).encode()) == records


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b'{"type": "tx", "ref": "00"}\n', 1),
        (b'{"type": "addr", "ref": "bc1q"}\nnot json\n', 2),
        (b'\n\n{"type": "addr"}\n', 3),
        (b'{"type": "output", "ref": "' + b"a" * 64 + b':1", "spendable": "no"}', 1),
        (b'{"type": "addr", "ref": "x"}\n["a", "list"]\n', 2),
        (b'{"type": "addr", "ref": "x", "label": 7}', 1),
        (b'{"type": "addr", "ref": "x"}\n\xff\n', 2),
    ],
)
def test_labels_that_are_not_jsonl_name_the_line(data: bytes, line: int) -> None:
    with pytest.raises(LabelsError) as caught:
        parse_labels(data)
    assert caught.value.line == line
    assert f"line {line}" in str(caught.value)


def test_empty_labels_file() -> None:
    with pytest.raises(LabelsError, match="no records"):
        parse_labels(b"\n\n")


def test_real_coldcard_series_joins() -> None:
    lines = [s.strip() for s in (VECTORS / "bbqr" / "real-scan.txt").read_text().splitlines()]
    parts = [s for s in lines if s]
    random.Random(7).shuffle(parts)
    file_type, data = join(parts)
    assert file_type == "U"
    assert b"Zlib compressed" in data and b"PSBT" in data


@pytest.mark.parametrize("encoding", ["H", "2", "Z"])
@pytest.mark.parametrize("count", [1, 2, 5, 7])
def test_split_join_any_order(encoding: str, count: int) -> None:
    payload = ("wsh(sortedmulti(5," + ",".join(f"key{i}" * 20 for i in range(7)) + "))").encode()
    parts = split(payload, file_type="U", parts=count, encoding=encoding)
    assert 1 <= len(parts) <= count  # fewer when the compressed payload is short
    assert encoding == "Z" or len(parts) == count
    assert all(p.startswith("B$") and int(p[4:6], 36) == len(parts) for p in parts)
    assert len({len(p) for p in parts[:-1]}) <= 1
    shuffled = list(reversed(parts)) + parts[:1]  # any order, a duplicate
    assert join(shuffled) == ("U", payload)


def test_incompressible_data_falls_back_to_base32() -> None:
    data = random.Random(1).randbytes(300)
    parts = split(data, parts=2)
    assert parts[0][2] == "2"
    assert join(parts)[1] == data


def test_missing_part_is_named() -> None:
    parts = split(b"x" * 400, parts=3, encoding="H")
    with pytest.raises(BBQrError, match="parts 2 of 3 are missing"):
        join([parts[0], parts[2]])


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ([], "no BBQr parts"),
        (["hello"], "part 1 is not a BBQr part"),
        (["B$HU0100AB", "B$2U0100AB"], "part 2 belongs to another series"),
        (["B$HU0102AB"], "part 3 of 1 cannot be"),
        (["B$HU0100ABC"], "does not decode"),
        (["B$QU0100AB"], "unknown BBQr encoding"),
    ],
)
def test_bad_series(parts: list[str], message: str) -> None:
    with pytest.raises(BBQrError, match=message):
        join(parts)


def test_decompression_is_bounded() -> None:
    import base64
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, -10)
    bomb = packer.compress(b"\0" * (MAX_PAYLOAD + 10)) + packer.flush()
    text = base64.b32encode(bomb).decode().rstrip("=")
    with pytest.raises(BBQrError, match="larger than"):
        join(["B$ZU0100" + text])
