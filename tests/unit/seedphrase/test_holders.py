"""The share-holder record: round trips, limits, symlinks, damaged files."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

import pytest

from keyvault.errors import ConfigError, NotFoundError
from keyvault.vault import holders

DAY = date(2026, 12, 7)


def _record(home: Path, label: str = "family") -> holders.ShareSet:
    return holders.record(
        home,
        label,
        scheme="codex32",
        identifier="x0ma",
        threshold=2,
        shares=("a", "c", "d"),
        today=DAY,
    )


def test_record_assign_confirm_retire(tmp_path: Path) -> None:
    _record(tmp_path)
    holders.assign(tmp_path, "family", "Alice", "a", today=DAY)
    holders.assign(tmp_path, "family", "Bob", "c", today=DAY)
    later = date(2027, 6, 1)
    updated = holders.confirm(tmp_path, "family", "Alice", today=later)
    assert {h.name: h.confirmed for h in updated.holders} == {
        "Alice": "2027-06-01",
        "Bob": "2026-12-07",
    }
    assert os.stat(tmp_path / holders.FILE_NAME).st_mode & 0o777 == 0o600
    retired = holders.retire(tmp_path, "family", today=later, note="Bob left")
    assert retired.retired == "2027-06-01"
    with pytest.raises(NotFoundError):
        holders.confirm(tmp_path, "family", "Alice", today=later)
    _record(tmp_path)  # the label is free again once the old set is retired
    assert [s.retired for s in holders.load(tmp_path)] == ["2027-06-01", None]


def test_assign_refuses_an_unknown_share_and_duplicate_label(tmp_path: Path) -> None:
    _record(tmp_path)
    with pytest.raises(ConfigError, match="no share"):
        holders.assign(tmp_path, "family", "Alice", "z", today=DAY)
    with pytest.raises(ConfigError, match="already labelled"):
        _record(tmp_path)


def test_a_symlink_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.json"
    target.write_text("{}")
    (tmp_path / holders.FILE_NAME).symlink_to(target)
    with pytest.raises(ConfigError, match="symbolic link"):
        holders.load(tmp_path)


@pytest.mark.parametrize(
    "content",
    [
        b"not json",
        b"\xff\xfe",
        json.dumps({"format": "other"}).encode(),
        json.dumps({"format": "keyvault share holders", "sets": [{"scheme": "x"}]}).encode(),
        json.dumps(
            {
                "format": "keyvault share holders",
                "sets": [
                    {
                        "label": "a",
                        "scheme": "codex32",
                        "identifier": "x0ma",
                        "threshold": True,
                        "shares": [],
                        "created": "2026-01-01",
                    }
                ],
            }
        ).encode(),
        b" " * (holders.MAX_FILE_BYTES + 1),
    ],
)
def test_damaged_files_are_config_errors(tmp_path: Path, content: bytes) -> None:
    (tmp_path / holders.FILE_NAME).write_bytes(content)
    with pytest.raises(ConfigError):
        holders.load(tmp_path)
