"""Benchmark: keyvault's age encryption against the stock ``age`` CLI, side by side.

Usage::

    python bench/bench_age.py [--size-mib 1024] [--runs 5] [--dir DIR]

It writes a random file (on the tmpfs ``/dev/shm`` when present, so the runs measure
CPU rather than the disk), makes an X25519 key with ``age-keygen``, then for each run,
in an order that rotates from run to run, times four processes (wall clock, start-up
included):

- ``age -r RECIPIENT -o OUT IN`` and ``keyvault encrypt -r RECIPIENT -o OUT IN``
- ``age -d -i KEY -o OUT IN`` and ``keyvault decrypt -i KEY -o OUT IN``

Each tool decrypts the *other* tool's ciphertext (so the run doubles as an interop check)
and every output's SHA-256 is checked against the input. Peak RSS comes from GNU time.
``--library`` also times the library calls (``encrypt_file``/``decrypt_file``) inside one
process each, without interpreter start-up. MB/s means 10^6 bytes of plaintext per second.
The Markdown table it prints is what BENCHMARKS.md records.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MIB = 1024 * 1024


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(4 * MIB):
            digest.update(block)
    return digest.hexdigest()


def _make_input(path: Path, size: int) -> None:
    with open(path, "wb") as handle:
        remaining = size
        while remaining:
            block = min(remaining, 16 * MIB)
            handle.write(os.urandom(block))
            remaining -= block


_GNU_TIME = "/usr/bin/time"
_RSS_MARK = "kv-bench-peak-rss-kib="


def _run_measured(argv: list[str]) -> tuple[float, int, str, str]:
    """(wall seconds, peak RSS in KiB, stdout, stderr) of one child process.

    Peak RSS comes from GNU time when present: a child forked straight from this Python
    process would report this process's own RSS (Linux counts the pre-exec memory).
    """
    wrapped = [_GNU_TIME, "-f", _RSS_MARK + "%M", *argv] if os.path.exists(_GNU_TIME) else argv
    start = time.perf_counter()
    process = subprocess.run(wrapped, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    stderr = process.stderr
    rss = 0
    if _RSS_MARK in stderr:
        stderr, _, value = stderr.rpartition(_RSS_MARK)
        rss = int(value.strip())
    if process.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({process.returncode}): {stderr}")
    return elapsed, rss, process.stdout, stderr


def _timed(argv: list[str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB) of one child process; raises if it fails."""
    elapsed, rss, _, _ = _run_measured(argv)
    return elapsed, rss


def _library_worker(operation: str, source: str, target: str, key: str) -> None:
    """Run inside a child: one library call, print its own duration."""
    from keyvault.crypto import X25519Recipient, decrypt_file, encrypt_file
    from keyvault.crypto.keys import parse_identity_file
    from keyvault.secret import Secret

    start = time.perf_counter()
    if operation == "encrypt":
        encrypt_file(source, target, [X25519Recipient.parse(key)])
    else:
        identities = parse_identity_file(Secret(Path(key).read_text()))
        decrypt_file(source, target, identities)
    print(f"{time.perf_counter() - start:.6f}")


def _library_timed(operation: str, source: Path, target: Path, key: str) -> tuple[float, int]:
    argv = [sys.executable, __file__, "--worker", operation, str(source), str(target), key]
    _, rss, stdout, _ = _run_measured(argv)
    return float(stdout), rss


def _row(name: str, size: int, runs: list[tuple[float, int]]) -> str:
    times = [t for t, _ in runs]
    median = statistics.median(times)
    rss = max(r for _, r in runs) / 1024
    return (
        f"| {name} | {median:.2f} s | {size / median / 1e6:.0f} | "
        f"{size / min(times) / 1e6:.0f} | {rss:.1f} MiB |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=None)
    parser.add_argument("--library", action="store_true", help="also time the library calls")
    parser.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _library_worker(*args.worker)
        return
    if shutil.which("age") is None or shutil.which("age-keygen") is None:
        raise SystemExit("needs the age and age-keygen CLIs")
    base = args.dir or (Path("/dev/shm") if Path("/dev/shm").is_dir() else None)
    work = Path(tempfile.mkdtemp(prefix="kv-bench-", dir=base))
    try:
        size = args.size_mib * MIB
        plain = work / "plain.bin"
        _make_input(plain, size)
        expected = _sha256(plain)
        key = work / "key.txt"
        subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
        recipient = subprocess.run(
            ["age-keygen", "-y", str(key)], check=True, capture_output=True, text=True
        ).stdout.strip()
        kv = [sys.executable, "-m", "keyvault_cli"]
        results: dict[str, list[tuple[float, int]]] = {}

        def run(name: str, argv: list[str], output: Path) -> None:
            output.unlink(missing_ok=True)
            results.setdefault(name, []).append(_timed(argv))
            if output.suffix == ".out" and _sha256(output) != expected:
                raise SystemExit(f"{name}: output differs from the input")

        def run_library(name: str, operation: str, source: Path, output: Path, k: str) -> None:
            output.unlink(missing_ok=True)
            results.setdefault(name, []).append(_library_timed(operation, source, output, k))
            if operation == "decrypt" and _sha256(output) != expected:
                raise SystemExit(f"{name}: output differs from the input")

        age_out, kv_out = work / "age.age", work / "kv.age"
        load_before = os.getloadavg()[0]
        # Each run times every operation once; the order rotates from run to run so that
        # no tool always follows the same neighbour (tmpfs page reclaim after a 1 GiB file
        # is freed otherwise favours whoever runs second).
        operations: list[Callable[[], None]] = [
            lambda: run(
                "age encrypt", ["age", "-r", recipient, "-o", str(age_out), str(plain)], age_out
            ),
            lambda: run(
                "keyvault encrypt (CLI)",
                [*kv, "encrypt", "-r", recipient, "-o", str(kv_out), str(plain)],
                kv_out,
            ),
            lambda: run(
                "age decrypt",
                ["age", "-d", "-i", str(key), "-o", str(work / "a.out"), str(kv_out)],
                work / "a.out",
            ),
            lambda: run(
                "keyvault decrypt (CLI)",
                [*kv, "decrypt", "-i", str(key), "-o", str(work / "k.out"), str(age_out)],
                work / "k.out",
            ),
        ]
        if args.library:
            operations += [
                lambda: run_library("keyvault encrypt_file", "encrypt", plain, kv_out, recipient),
                lambda: run_library(
                    "keyvault decrypt_file", "decrypt", age_out, work / "l.out", str(key)
                ),
            ]
        # Untimed first ciphertexts, so any operation can come first in a run.
        subprocess.run(["age", "-r", recipient, "-o", str(age_out), str(plain)], check=True)
        subprocess.run([*kv, "encrypt", "-r", recipient, "-o", str(kv_out), str(plain)], check=True)
        results.clear()
        for index in range(args.runs):
            shift = index % len(operations)
            for operation in operations[shift:] + operations[:shift]:
                operation()
                for leftover in ("a.out", "k.out", "l.out"):
                    (work / leftover).unlink(missing_ok=True)
        cpus = os.cpu_count()
        age_version = subprocess.run(["age", "--version"], capture_output=True, text=True).stdout
        import cryptography

        print(
            f"{args.size_mib} MiB random file in {work.parent}, {args.runs} runs, {cpus} CPUs, "
            f"age {age_version.strip()}, cryptography {cryptography.__version__}, "
            f"Python {sys.version.split()[0]}, load average before/after "
            f"{load_before:.1f}/{os.getloadavg()[0]:.1f}\n"
        )
        print("| command | median wall | MB/s (median) | MB/s (best) | peak RSS |")
        print("| --- | --- | --- | --- | --- |")
        for name, runs in results.items():
            print(_row(name, size, runs))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
