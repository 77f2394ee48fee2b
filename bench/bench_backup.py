"""Benchmark: back up a folder of 1,000 small files and one 1 GiB file, then back up again
with nothing changed (which must write nothing at the destination).

    python bench/bench_backup.py                # 1,000 files of 2 KiB, 1 GiB file
    python bench/bench_backup.py --big-mib 64   # quicker

Everything runs in a temp dir (``--workdir`` to choose the disk): a vault, the items and
one local destination folder. Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from benchvault import bench_vault

from keyvault.backup import engine

T = TypeVar("T")


def _timed(action: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def _tree_facts(root: Path) -> tuple[int, int, float]:
    """(files, bytes, newest mtime) under ``root``."""
    files = [p for p in root.rglob("*") if p.is_file()]
    return (
        len(files),
        sum(p.stat().st_size for p in files),
        max((p.stat().st_mtime for p in files), default=0.0),
    )


def _write_random(path: Path, size: int) -> None:
    chunk = 8 << 20
    with open(path, "wb") as handle:
        left = size
        while left:
            step = min(chunk, left)
            handle.write(os.urandom(step))
            left -= step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--file-kib", type=int, default=2)
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="kv-bench-", dir=args.workdir))
    try:
        src, dest = root / "src", root / "dest"
        folder = src / "keystore"
        folder.mkdir(parents=True)
        for i in range(args.files):
            (folder / f"UTC--key-{i:04d}.json").write_bytes(os.urandom(args.file_kib * 1024))
        big = src / "big-wallet.dat"
        _write_random(big, args.big_mib << 20)
        home = bench_vault(root, [folder, big])
        plain_bytes = args.files * args.file_kib * 1024 + (args.big_mib << 20)

        first, first_s = _timed(lambda: engine.backup(home))
        files_1, bytes_1, mtime_1 = _tree_facts(dest)
        second, second_s = _timed(lambda: engine.backup(home))
        files_2, bytes_2, mtime_2 = _tree_facts(dest)
        os.utime(big)  # touched, not changed: read again, still nothing written
        third, third_s = _timed(lambda: engine.backup(home))
        files_3, bytes_3, mtime_3 = _tree_facts(dest)
        verify, verify_s = _timed(lambda: engine.verify(home))
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        assert not first.failed and not second.failed and not third.failed
        assert second.writes == 0 and third.writes == 0, "a no-change run wrote something"
        assert (files_2, bytes_2, mtime_2) == (files_1, bytes_1, mtime_1)
        assert (files_3, bytes_3, mtime_3) == (files_1, bytes_1, mtime_1)
        assert not verify.problems

        mb = plain_bytes / 1e6
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        print(f"keyvault backup benchmark, {when}, {os.cpu_count()} CPUs, workdir {root.parent}")
        print(
            f"items: a folder of {args.files} files x {args.file_kib} KiB and one "
            f"{args.big_mib} MiB file ({mb:.0f} MB); one local destination on the same disk\n"
        )
        print("| run | wall | plaintext MB/s | destination writes | bytes written |")
        print("|---|---|---|---|---|")
        print(
            f"| first backup | {first_s:.1f} s | {mb / first_s:.0f} | {first.writes} | "
            f"{sum(d.bytes_written for d in first.destinations) / 1e6:.0f} MB |"
        )
        print(f"| nothing changed | {second_s:.2f} s | - | {second.writes} | 0 |")
        print(f"| big file touched, not changed | {third_s:.1f} s | - | {third.writes} | 0 |")
        print(f"| verify (download + sha256) | {verify_s:.1f} s | {mb / verify_s:.0f} | 0 | 0 |")
        print(
            f"\npeak RSS {peak_mib:.0f} MiB; "
            f"destination holds {files_1} files, {bytes_1 / 1e6:.0f} MB"
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
