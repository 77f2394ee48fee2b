"""Shared fixtures: every test gets its own KEYVAULT_HOME and no ambient secrets."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

VECTORS = Path(__file__).parent / "vectors"


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("kvhome")
    monkeypatch.setenv("KEYVAULT_HOME", str(home))
    for name in (
        "KEYVAULT_PASSPHRASE",
        "B2_APPLICATION_KEY_ID",
        "B2_APPLICATION_KEY",
        "KEYVAULT_B2_REALM",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QT_QPA_PLATFORM", os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    yield home


@pytest.fixture
def kv_home(_isolated_home: Path) -> Path:
    """The temp config dir this test runs with (KEYVAULT_HOME)."""
    return _isolated_home


@pytest.fixture
def vectors() -> Path:
    """tests/vectors: copies of the official test vectors (see PROVENANCE.md)."""
    return VECTORS
