"""Benchmark: ``keyvault encrypt``/``decrypt`` against the stock ``age`` CLI, side by side.

Usage (with the Python keyvault is installed in, e.g. the README's ``.venv``: keyvault
runs as ``sys.executable -m keyvault_cli``, so the interpreter's start-up counts as a
user's does)::

    .venv/bin/python bench/bench_age.py            # 256 MiB and 1 GiB, 5 runs, on disk
    .venv/bin/python bench/bench_age.py --sizes-mib 256 --runs 7 --dir /some/disk/folder

Measured as a user runs the tools: two CLI processes (start-up included), reading and
writing real files on disk (a temp folder in ``--dir``, default the current directory;
the page cache is left as it is, the same for both tools). For each size it writes a
random file, makes an X25519 key with ``age-keygen``, and then, ``--runs`` times, times
four processes, interleaved (the order rotates from run to run, so no tool always follows
the same neighbour):

- ``age -r RECIPIENT -o OUT IN`` and ``keyvault encrypt -r RECIPIENT -o OUT IN``
- ``age -d -i KEY -o OUT IN`` and ``keyvault decrypt -i KEY -o OUT IN``

Each tool decrypts the *other* tool's ciphertext (so every run is also an interop check)
and every output's SHA-256 is checked against the input. Note that keyvault's ``-o`` is
durable (fsync of the file and its folder before the rename) and ``age``'s is not.

Fairness: before each timed process its input file is read once, so both tools start
from a page cache that holds their input (keyvault's own output leaves the cache as it
is written back, which would otherwise make ``age -d`` of keyvault's file read the disk).
keyvault runs as installed: with Python bytecode (a pip install compiles it; here the
first, untimed runs write it to a folder in the temp dir, ``PYTHONPYCACHEPREFIX``, even
when ``PYTHONDONTWRITEBYTECODE`` is set in this environment, which would otherwise make
every run compile keyvault's modules from source, about 40 ms).

Printed: a Markdown table per size with the median wall time of each command, the ratio
``age / keyvault`` of the medians (>= 1.0: keyvault as fast or faster) and the peak RSS
(GNU time's ``%M``, largest of the runs). The machine's load average is printed before
and after: on a shared machine, compare ratios of one run of the script, not absolute
times across runs.
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


def _run_measured(
    argv: list[str], env: dict[str, str] | None = None
) -> tuple[float, int, str, str]:
    """(wall seconds, peak RSS in KiB, stdout, stderr) of one child process.

    Peak RSS comes from GNU time when present: a child forked straight from this Python
    process would report this process's own RSS (Linux counts the pre-exec memory).
    """
    wrapped = [_GNU_TIME, "-f", _RSS_MARK + "%M", *argv] if os.path.exists(_GNU_TIME) else argv
    start = time.perf_counter()
    process = subprocess.run(wrapped, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - start
    stderr = process.stderr
    rss = 0
    if _RSS_MARK in stderr:
        stderr, _, value = stderr.rpartition(_RSS_MARK)
        rss = int(value.strip())
    if process.returncode != 0:
        raise SystemExit(f"{argv[0]} failed ({process.returncode}): {stderr}")
    return elapsed, rss, process.stdout, stderr


def _timed(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """(wall seconds, peak RSS in KiB) of one child process; raises if it fails."""
    elapsed, rss, _, _ = _run_measured(argv, env)
    return elapsed, rss


def _warm(path: Path) -> None:
    """Read ``path`` once so that its pages are in the cache."""
    with open(path, "rb", buffering=0) as handle:
        buffer = bytearray(4 * MIB)
        while handle.readinto(buffer):
            pass


def _installed_env(work: Path) -> dict[str, str]:
    """The environment for keyvault: bytecode written to and read from ``work``."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(work / "pycache"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _ratio_rows(size_mib: int, results: dict[str, list[tuple[float, int]]]) -> list[str]:
    """The table rows of one size: median wall, MB/s, the ratio and peak RSS per command."""
    rows = []
    size = size_mib * MIB
    for direction in ("encrypt", "decrypt"):
        age_median = statistics.median(t for t, _ in results[f"age {direction}"])
        for tool in ("age", "keyvault"):
            runs = results[f"{tool} {direction}"]
            median = statistics.median(t for t, _ in runs)
            ratio = f"**{age_median / median:.2f}**" if tool == "keyvault" else ""
            rss = max(r for _, r in runs) / 1024
            rows.append(
                f"| {size_mib} MiB | {tool} {direction} | {median:.2f} s | "
                f"{size / median / 1e6:.0f} | {ratio} | {rss:.1f} MiB |"
            )
    return rows


def _bench_size(work: Path, size_mib: int, runs: int) -> dict[str, list[tuple[float, int]]]:
    size = size_mib * MIB
    plain = work / "plain.bin"
    _make_input(plain, size)
    expected = _sha256(plain)
    key = work / "key.txt"
    key.unlink(missing_ok=True)
    subprocess.run(["age-keygen", "-o", str(key)], check=True, capture_output=True)
    recipient = subprocess.run(
        ["age-keygen", "-y", str(key)], check=True, capture_output=True, text=True
    ).stdout.strip()
    kv = [sys.executable, "-m", "keyvault_cli"]
    kv_env = _installed_env(work)
    results: dict[str, list[tuple[float, int]]] = {}

    def run(name: str, argv: list[str], output: Path) -> None:
        output.unlink(missing_ok=True)
        _warm(Path(argv[-1]))
        env = kv_env if name.startswith("keyvault") else None
        results.setdefault(name, []).append(_timed(argv, env))
        if output.suffix == ".out" and _sha256(output) != expected:
            raise SystemExit(f"{name}: output differs from the input")
        if output.suffix == ".out":
            output.unlink()

    age_out, kv_out = work / "age.age", work / "kv.age"
    operations: list[Callable[[], None]] = [
        lambda: run(
            "age encrypt", ["age", "-r", recipient, "-o", str(age_out), str(plain)], age_out
        ),
        lambda: run(
            "keyvault encrypt",
            [*kv, "encrypt", "-r", recipient, "-o", str(kv_out), str(plain)],
            kv_out,
        ),
        lambda: run(
            "age decrypt",
            ["age", "-d", "-i", str(key), "-o", str(work / "a.out"), str(kv_out)],
            work / "a.out",
        ),
        lambda: run(
            "keyvault decrypt",
            [*kv, "decrypt", "-i", str(key), "-o", str(work / "k.out"), str(age_out)],
            work / "k.out",
        ),
    ]
    # Untimed first ciphertexts, so any operation can come first in a run.
    operations[0]()
    operations[1]()
    results.clear()
    for index in range(runs):
        shift = index % len(operations)
        for operation in operations[shift:] + operations[:shift]:
            operation()
    for leftover in (plain, age_out, kv_out):
        leftover.unlink(missing_ok=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes-mib", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--dir", type=Path, default=Path.cwd())
    args = parser.parse_args()
    if shutil.which("age") is None or shutil.which("age-keygen") is None:
        raise SystemExit("needs the age and age-keygen CLIs")
    work = Path(tempfile.mkdtemp(prefix="kv-bench-age-", dir=args.dir))
    try:
        load_before = os.getloadavg()[0]
        tables = [_ratio_rows(size, _bench_size(work, size, args.runs)) for size in args.sizes_mib]
        fs = subprocess.run(
            ["findmnt", "-no", "FSTYPE,SOURCE", "-T", str(work)], capture_output=True, text=True
        ).stdout.strip()
        age_version = subprocess.run(["age", "--version"], capture_output=True, text=True).stdout
        import cryptography

        print(
            f"files in {work.parent} ({fs or 'unknown filesystem'}), {args.runs} interleaved "
            f"runs per size, {os.cpu_count()} CPUs, age {age_version.strip()}, cryptography "
            f"{cryptography.__version__}, Python {sys.version.split()[0]}, load average "
            f"before/after {load_before:.1f}/{os.getloadavg()[0]:.1f}\n"
        )
        print("| size | command | median wall | MB/s | age / keyvault | peak RSS |")
        print("| --- | --- | --- | --- | --- | --- |")
        for table in tables:
            print("\n".join(table))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
