"""keyvault.backup.transfer.ChunkPipe: the in-process pipe between a destination's read
(or a decryptor) and its reader."""

from __future__ import annotations

import threading

from keyvault.backup.transfer import ChunkPipe


def _read_all(pipe: ChunkPipe, size: int) -> bytes:
    out = bytearray()
    while chunk := pipe.read(size):
        out += chunk
    return bytes(out)


def test_bytes_arrive_in_order_whatever_the_read_size_then_end_of_file() -> None:
    pipe = ChunkPipe(capacity=1 << 20)
    for part in (b"abc", b"", b"defgh", b"ij"):
        assert pipe.write(part) == len(part)
    pipe.end()
    assert pipe.read(4) == b"abcd"  # across chunks
    assert pipe.read(2) == b"ef"  # part of one
    assert _read_all(pipe, 100) == b"ghij"
    assert pipe.read(10) == b""


def test_a_reused_writer_buffer_is_copied_so_the_reader_sees_what_was_written() -> None:
    pipe = ChunkPipe()
    buffer = bytearray(b"first")
    pipe.write(memoryview(buffer))
    buffer[:] = b"later"  # a decryptor reuses its output block
    pipe.end()
    assert _read_all(pipe, 3) == b"first"


def test_a_writer_waits_for_room_and_the_reader_gets_everything() -> None:
    pipe = ChunkPipe(capacity=8)
    data = bytes(range(256)) * 40

    def write() -> None:
        for start in range(0, len(data), 5):
            pipe.write(data[start : start + 5])
        pipe.end()

    writer = threading.Thread(target=write)
    writer.start()
    assert _read_all(pipe, 3) == data
    writer.join()


def test_a_reader_that_leaves_lets_the_writer_finish() -> None:
    pipe = ChunkPipe(capacity=4)
    written: list[int] = []

    def write() -> None:
        for _ in range(100):  # far more than fits: blocks until the reader leaves
            written.append(pipe.write(b"xxxx"))
        pipe.end()

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    assert pipe.read(2) == b"xx"
    pipe.abandon()
    writer.join(timeout=60)
    assert not writer.is_alive() and written == [4] * 100
    assert pipe.read(10) == b""  # what was left is dropped
