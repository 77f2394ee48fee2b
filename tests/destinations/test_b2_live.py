"""Live tests against a real Backblaze B2 bucket (marked ``live``; skipped without one).

Run them with a bucket you can spare and a key for it (a key restricted to the bucket is
enough; Object Lock tests need a bucket created with Object Lock)::

    export KEYVAULT_TEST_B2_BUCKET=my-keyvault-test-bucket
    export B2_APPLICATION_KEY_ID=... B2_APPLICATION_KEY=...
    # optional: a bucket with Object Lock enabled, for the immutability test
    export KEYVAULT_TEST_B2_LOCKED_BUCKET=my-locked-test-bucket
    python -m pytest -m live tests/destinations/test_b2_live.py

Every test works under a fresh random prefix ``keyvault-live-test/<random>/`` and deletes
what it wrote (objects under Object Lock stay until their one-day retention ends).
"""

from __future__ import annotations

import io
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from keyvault.destinations.b2 import B2Destination, B2Settings
from keyvault.destinations.b2.credentials import B2Credentials
from keyvault.destinations.base import Destination
from keyvault.errors import DestinationError, DestinationPermissionError
from keyvault.secret import Secret

from .contract import DestinationContract

# Read at import: the autouse fixture in tests/conftest.py clears these for every test.
BUCKET = os.environ.get("KEYVAULT_TEST_B2_BUCKET", "")
LOCKED_BUCKET = os.environ.get("KEYVAULT_TEST_B2_LOCKED_BUCKET", "")
KEY_ID = os.environ.get("B2_APPLICATION_KEY_ID", "")
KEY = os.environ.get("B2_APPLICATION_KEY", "")
REALM = os.environ.get("KEYVAULT_B2_REALM", "") or "production"

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not (BUCKET and KEY_ID and KEY),
        reason="set KEYVAULT_TEST_B2_BUCKET, B2_APPLICATION_KEY_ID and B2_APPLICATION_KEY",
    ),
]


def _destination(tmp_path: Path, bucket: str, **options: object) -> B2Destination:
    return B2Destination(
        name="live",
        bucket=bucket,
        prefix=f"keyvault-live-test/{secrets.token_hex(6)}",
        credentials=B2Credentials(KEY_ID, Secret(KEY), "env"),
        cache_path=tmp_path / "b2-cache.sqlite",
        realm=REALM,
        # Real B2's smallest part is 5 MB: the 8 MB contract object becomes a large file.
        settings=B2Settings(part_size=5_000_000),
        **options,  # type: ignore[arg-type]
    )


def _clean(dest: B2Destination) -> None:
    for info in dest.list(""):
        try:
            dest.delete(info.key)
        except DestinationError:
            pass


class TestLiveB2Contract(DestinationContract):
    @pytest.fixture
    def destination(self, tmp_path: Path) -> Iterator[Destination]:
        dest = _destination(tmp_path, BUCKET)
        yield dest
        _clean(dest)


def test_live_probe(tmp_path: Path) -> None:
    dest = _destination(tmp_path, BUCKET)
    probe = dest.probe()
    assert {"listFiles", "readFiles", "writeFiles"} <= set(probe.capabilities)
    assert probe.bucket_id


@pytest.mark.skipif(not LOCKED_BUCKET, reason="set KEYVAULT_TEST_B2_LOCKED_BUCKET")
def test_live_object_lock(tmp_path: Path) -> None:
    dest = _destination(tmp_path, LOCKED_BUCKET, immutable_days=1)
    assert dest.probe().file_lock_enabled
    dest.put("keyvault/v/objects/x.age", io.BytesIO(b"locked"), 6)
    with pytest.raises(DestinationPermissionError, match="stays at B2 destination 'live' until"):
        dest.delete("keyvault/v/objects/x.age")
