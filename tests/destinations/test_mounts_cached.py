"""``mounts.cached()``: inside the block the mount table and each mount's UUID are read once.

The counters wrap the real readers (they still run and answer): the test fails if a
question inside the block reads the mount table or probes a filesystem a second time.
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from keyvault.destinations import mounts

from .local_fixtures import make_ext4_image, mounted_ext4

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the Linux readers are the ones counted"
)

UUID = "0c0ffee0-1234-4abc-8def-0123456789ab"


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    calls: Counter[str] = Counter()
    real_table, real_uuid = mounts._read_mountinfo, mounts._linux_uuid

    def table() -> list[mounts.MountEntry] | None:
        calls["table"] += 1
        return real_table()

    def uuid(*where: str) -> str | None:
        calls["uuid"] += 1
        return real_uuid(*where)

    monkeypatch.setattr(mounts, "_read_mountinfo", table)
    monkeypatch.setattr(mounts, "_linux_uuid", uuid)
    return calls


@linux_only
def test_inside_a_block_each_mount_is_read_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    image = tmp_path / "fs.img"
    make_ext4_image(image, UUID)
    with mounted_ext4(image, tmp_path / "m") as drive:
        folders = [drive / f"item{n}" for n in range(20)]
        for folder in folders:
            folder.mkdir()
        calls = _count_reads(monkeypatch)
        with mounts.cached():
            with mounts.cached():  # nested: the inner end keeps the outer cache
                first = mounts.location_id(folders[0])
            answers = {mounts.location_id(f) for f in folders}
            answers |= {f"fs:{mounts.filesystem_uuid(f)}" for f in folders}
            elsewhere = mounts.location_id(tmp_path)  # a second mount: its own probe
        assert answers == {f"fs:{UUID}"} and elsewhere != first
        assert first == f"fs:{UUID}"
        # Once for the table; once per distinct mount (the drive and tmp_path's one).
        assert calls["table"] == 1
        assert calls["uuid"] <= 2
        calls.clear()
        mounts.location_id(folders[0])
        mounts.location_id(folders[1])
        assert (calls["table"], calls["uuid"]) == (2, 2)  # outside a block: fresh reads


@linux_only
def test_the_cache_is_shared_with_worker_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _count_reads(monkeypatch)
    results: list[str] = []
    with mounts.cached():
        workers = [
            threading.Thread(target=lambda: results.append(mounts.location_id(tmp_path)))
            for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        results.append(mounts.location_id(tmp_path))
    assert len(set(results)) == 1 and len(results) == 9
    assert calls["table"] <= 8  # threads may race to the first read; after it, reuse
    calls.clear()
    with mounts.cached():
        for _ in range(50):
            mounts.location_id(tmp_path)
    assert calls["table"] == 1
