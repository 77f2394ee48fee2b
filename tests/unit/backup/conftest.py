"""Fixtures for the backup tests: a vault with a cheap scrypt work factor."""

from __future__ import annotations

from pathlib import Path

import pytest

from keyvault.crypto import X25519Identity
from keyvault.secret import Secret
from keyvault.vault.keystore import create_vault

PASSPHRASE = "correct horse battery staple for tests"
#: The lowest work factor keyvault accepts: fast tests, same code path.
TEST_WORK_FACTOR = 16


@pytest.fixture
def vault(kv_home: Path) -> tuple[Path, X25519Identity]:
    """(home, vault identity) of a fresh vault in KEYVAULT_HOME."""
    _section, identity = create_vault(kv_home, Secret(PASSPHRASE), work_factor=TEST_WORK_FACTOR)
    return kv_home, identity
