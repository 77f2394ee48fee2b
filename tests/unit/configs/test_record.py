"""The stored configuration record, the cosigner map and the holding sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keyvault.configs import (
    ConfigRecord,
    cosigner_map,
    holding_summary,
    parse_record,
    read_configuration,
    record_bytes,
)
from keyvault.errors import LabelsError, WalletConfigError

VECTORS = Path(__file__).parents[2] / "vectors"


def _record() -> ConfigRecord:
    source = (VECTORS / "coldcard" / "export-p2wsh-myself.txt").read_text()
    imported = read_configuration(source.encode())
    labels = (VECTORS / "bip329" / "labels.jsonl").read_text()
    return ConfigRecord(
        name="family",
        config=imported.config,
        source_format=imported.format,
        source=source,
        label=imported.label,
        labels="".join(json.dumps(json.loads(x)) + "\n" for x in labels.splitlines()),
    )


def test_record_round_trip_with_a_fresh_nonce() -> None:
    record = _record().with_location("6ba6cfd0", "with the lawyer")
    first, second = record_bytes(record), record_bytes(record)
    assert first != second  # the nonce: the encrypted record's hash confirms nothing
    again = parse_record(first)
    assert again.config == record.config
    assert again.locations == {"6ba6cfd0": "with the lawyer"}
    assert again.label == "CC-2-of-4" and again.source == record.source
    assert again.labels is not None and len(again.labels.splitlines()) == 8


@pytest.mark.parametrize(
    "change",
    [
        {"format": "keyvault phrase record"},
        {"descriptor": 7},
        {"network": "moon"},
        {"blockheight": "tall"},
        {"locations": ["x"]},
    ],
)
def test_damaged_records_are_refused(change: dict[str, object]) -> None:
    document = json.loads(record_bytes(_record()))
    document.update(change)
    with pytest.raises(WalletConfigError):
        parse_record(json.dumps(document).encode())


def test_a_record_re_checks_its_descriptor_and_labels() -> None:
    document = json.loads(record_bytes(_record()))
    document["descriptor"] = document["descriptor"][:-1] + "x"
    with pytest.raises(WalletConfigError, match="checksum"):
        parse_record(json.dumps(document).encode())
    document = json.loads(record_bytes(_record()))
    document["labels"] = "not json\n"
    with pytest.raises(LabelsError):
        parse_record(json.dumps(document).encode())


def test_cosigner_map_and_holding() -> None:
    record = _record().with_location("747b698e", "bank box")
    entries = cosigner_map(record, {"0f056943": "ledger", "7bb026be": "trezor"})
    assert [(e.letter, e.held_by, e.location) for e in entries] == [
        ("A", "ledger", None),
        ("B", None, None),
        ("C", None, "bank box"),
        ("D", "trezor", None),
    ]
    assert holding_summary(entries, 2) == (
        "you hold 2 of the 4 keys here (2 are needed); key B is somewhere not recorded; "
        "key C is 'bank box'"
    )
    assert record.with_location("747b698e", "").locations == {}


def test_locations_are_bounded_and_printable() -> None:
    with pytest.raises(WalletConfigError):
        _record().with_location("747b698e", "x" * 201)
    with pytest.raises(WalletConfigError):
        _record().with_location("747b698e", "line\nbreak")
