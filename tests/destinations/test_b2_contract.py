"""The destination contract, run against B2: b2sdk's simulator in-process and over HTTP.

The in-process runs wire b2sdk straight to Backblaze's RawSimulator; the HTTP runs put
the test server (tests/destinations/b2_server.py) in between, so b2sdk's real HTTP stack,
retries and URL handling run unchanged, reached through a URL realm as with
``KEYVAULT_B2_REALM``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from keyvault.destinations.b2 import B2Destination, B2Settings
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.destinations.base import Destination
from keyvault.secret import Secret

from .b2_server import FAST, B2TestServer, KeyvaultSimulator, create_account, sim_api_config
from .contract import DestinationContract

PART = 1_000_000


def _destination(
    sim: KeyvaultSimulator,
    tmp_path: Path,
    key: tuple[str, str],
    *,
    realm: str | None = None,
    immutable_days: int = 0,
) -> B2Destination:
    return B2Destination(
        name="offsite",
        bucket="kv-bucket",
        prefix="backups/laptop",
        credentials=B2Credentials(key[0], Secret(key[1]), "env"),
        cache_path=tmp_path / "b2-cache.sqlite",
        realm=realm or "production",
        immutable_days=immutable_days,
        settings=B2Settings(**FAST),  # type: ignore[arg-type]
        api_config=None if realm else sim_api_config(sim),
    )


class TestB2SimulatorContract(DestinationContract):
    # The simulator sleeps a little per downloaded chunk; the HTTP runs use the full size.
    LARGE_SIZE = 3 * PART + 7

    @pytest.fixture
    def destination(self, tmp_path: Path) -> Destination:
        sim = KeyvaultSimulator(part_size=PART)
        return _destination(sim, tmp_path, create_account(sim))


class TestB2ImmutableSimulatorContract(DestinationContract):
    LARGE_SIZE = 2 * PART + 3

    @pytest.fixture
    def destination(self, tmp_path: Path) -> Destination:
        sim = KeyvaultSimulator(part_size=PART)
        return _destination(sim, tmp_path, create_account(sim, file_lock=True), immutable_days=7)


class TestB2HttpContract(DestinationContract):
    @pytest.fixture
    def destination(self, tmp_path: Path) -> Iterator[Destination]:
        sim = KeyvaultSimulator(part_size=PART)
        key = create_account(sim)
        with B2TestServer(sim) as server:
            yield _destination(sim, tmp_path, key, realm=server.realm_url)


class TestB2ImmutableHttpContract(DestinationContract):
    LARGE_SIZE = 2 * PART + 3

    @pytest.fixture
    def destination(self, tmp_path: Path) -> Iterator[Destination]:
        sim = KeyvaultSimulator(part_size=PART)
        key = create_account(sim, file_lock=True)
        with B2TestServer(sim) as server:
            yield _destination(sim, tmp_path, key, realm=server.realm_url, immutable_days=30)
