"""``atomic_writer(stream=True)``: large files whose writeback starts as they are written.

The writeback hint must never change what ends up in the file, whatever the writes look
like (odd sizes, a seek back, a file larger than several writeback steps), and the
writer's contract stays: mode, atomic rename, nothing left behind on an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from keyvault.atomic import TEMP_PREFIX, atomic_writer

MIB = 1024 * 1024


def test_large_stream_is_written_exactly(tmp_path: Path) -> None:
    target = tmp_path / "big"
    data = os.urandom(21 * MIB + 5)
    with atomic_writer(target, stream=True) as handle:
        position = 0
        for size in (1, 3 * MIB + 7, 100, MIB, 9 * MIB, 2):  # across two 8 MiB steps
            handle.write(memoryview(data)[position : position + size])
            position += size
        handle.write(data[position:])
    assert target.read_bytes() == data
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["big"]


def test_a_seek_back_keeps_the_data_right(tmp_path: Path) -> None:
    target = tmp_path / "patched"
    data = bytearray(os.urandom(17 * MIB))
    with atomic_writer(target, stream=True) as handle:
        handle.write(data)
        handle.seek(MIB)
        handle.write(b"patch")
    data[MIB : MIB + 5] = b"patch"
    assert target.read_bytes() == bytes(data)


def test_an_error_mid_stream_keeps_the_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "kept"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_writer(target, stream=True) as handle:
        handle.write(os.urandom(10 * MIB))
        raise RuntimeError("the encryption failed")
    assert target.read_bytes() == b"old"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
