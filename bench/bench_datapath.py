"""Benchmark: how many times the backup data path touches an item's bytes.

    python bench/bench_datapath.py                 # a 64 MiB item
    python bench/bench_datapath.py --size-mib 256

Four figures, each measured the way the bytes really move:

1. **Plaintext bytes read per changed item.** A vault with one file item and one local
   destination; after a first backup the item's content changes, and the real
   ``keyvault backup`` CLI runs under ``strace -f -y`` (every ``read``/``pread64``/
   ``readv``/``copy_file_range``/``sendfile`` with the path of its file descriptor).
   Bytes read from the original, divided by its size (goal: 1.0).
2. **Bytes read in total for one local destination**, from the same trace: the original,
   the ciphertext spool in the config dir and the destination folder (read-back), divided
   by the item's size (goal: at most 3.0).
3. **Ciphertext hash passes per B2 put.** The engine (library, in-process) backs up a
   changed item to a B2 bucket on b2sdk's simulator behind the project's HTTP test server
   (``tests/destinations/b2_server.py``); ``hashlib`` is wrapped to count the bytes the
   client feeds to every hash (the server's threads, which check what they receive as
   B2 would, are not counted), each attributed by its call stack to the plaintext read,
   the encryption into the spool, the put, or the read-back. Hashed bytes divided by the
   item's size; the item is a large file (4 parts).
4. **HTTP attempts for a B2 upload that fails every time** (the server answers every
   upload with 503): upload requests the server saw before the run gave up, and whether
   the other (local) destination still got its copy.

Back-off sleeps are shortened to at most 10 ms (the figures count attempts, not waits).
Prints a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

_real_sleep = time.sleep
#: Seconds the code asked to sleep (the run itself sleeps at most 10 ms each time).
ASKED_SLEEP = [0.0]


def _short_sleep(seconds: float) -> None:
    ASKED_SLEEP[0] += seconds
    _real_sleep(min(seconds, 0.01))


time.sleep = _short_sleep  # before keyvault and b2sdk capture it as a default

#: Bytes hashed per (stage, hash name); see :func:`_stage`.
HASHED: Counter[tuple[str, str]] = Counter()


def _stage() -> str | None:
    """Which step of the backup hashes now, from the call stack (None: the server's)."""
    if "process_request" in threading.current_thread().name:
        return None
    frame = sys._getframe(2)
    names: list[tuple[str, str]] = []
    while frame is not None:
        names.append((Path(frame.f_code.co_filename).name, frame.f_code.co_name))
        frame = frame.f_back  # type: ignore[assignment]
    if any(file == "snapshot.py" for file, _ in names[:3]):
        return "plaintext"
    if any(function == "encrypt_stream" for _, function in names):
        return "spool"
    if any(function in ("read_into", "get") for _, function in names):
        return "read-back"
    if any(function == "put" for _, function in names):
        return "put"
    return "other"


class _CountingHash:
    def __init__(self, name: str, inner: Any) -> None:
        self._name = name
        self._inner = inner

    def update(self, data: Any) -> None:
        stage = _stage()
        if stage is not None:
            HASHED[stage, self._name] += memoryview(data).nbytes
        self._inner.update(data)

    def copy(self) -> _CountingHash:
        return _CountingHash(self._name, self._inner.copy())

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._inner, attr)


def _counting(name: str, factory: Callable[..., Any]) -> Callable[..., Any]:
    def make(data: Any = b"", **kwargs: Any) -> _CountingHash:
        counted = _CountingHash(name, factory(**kwargs))
        if data:
            counted.update(data)
        return counted

    return make


from benchvault import bench_vault  # noqa: E402

from keyvault.backup import engine  # noqa: E402
from keyvault.destinations.local import LocalDestination  # noqa: E402
from keyvault.secret import Secret  # noqa: E402
from keyvault.vault.config import load_config  # noqa: E402

_TRACE = re.compile(
    r"^(read|pread64|readv|preadv|preadv2|copy_file_range|sendfile)\((\d+)<([^>]*)>.*\)\s+=\s+(\d+)"
)


def _vault(root: Path, size: int) -> tuple[Path, Path, Path]:
    src = root / "src"
    src.mkdir()
    item = src / "wallet.dat"
    item.write_bytes(os.urandom(size))
    return bench_vault(root, [item]), item, root / "dest"


def _traced_reads(root: Path, home: Path) -> Counter[str]:
    """Bytes read per file path by one ``keyvault backup`` process (and its children)."""
    out = root / "trace"
    out.mkdir()
    argv = [
        "strace", "-f", "-ff", "-y", "-s", "0", "-qq", "-o", str(out / "t"),
        "-e", "trace=read,pread64,readv,preadv,preadv2,copy_file_range,sendfile",
        sys.executable, "-m", "keyvault_cli", "--config-dir", str(home), "backup",
    ]  # fmt: skip
    proc = subprocess.run(argv, capture_output=True, check=False)
    if proc.returncode not in (0, 3):
        raise SystemExit(f"backup failed: {proc.stderr.decode(errors='replace')}")
    per_path: Counter[str] = Counter()
    for trace in out.iterdir():
        for line in trace.read_text(errors="replace").splitlines():
            match = _TRACE.match(line)
            if match:
                per_path[match.group(3)] += int(match.group(4))
    return per_path


def local_figures(root: Path, size: int) -> dict[str, float]:
    home, item, dest = _vault(root, size)
    subprocess.run(
        [sys.executable, "-m", "keyvault_cli", "--config-dir", str(home), "backup"],
        capture_output=True,
        check=False,
    )
    item.write_bytes(os.urandom(size))
    reads = _traced_reads(root, home)
    original = sum(n for p, n in reads.items() if p == str(item))
    spool = sum(n for p, n in reads.items() if p.startswith(str(home / "spool")))
    at_dest = sum(n for p, n in reads.items() if p.startswith(str(dest)))
    return {
        "plaintext": original / size,
        "spool": spool / size,
        "dest": at_dest / size,
        "total": (original + spool + at_dest) / size,
    }


def _b2_settings(**wanted: Any) -> Any:
    from keyvault.destinations.b2 import B2Settings

    names = {f.name for f in dataclasses.fields(B2Settings)}
    return B2Settings(**{k: v for k, v in wanted.items() if k in names})


def _b2(home: Path, server: Any, key: tuple[str, str]) -> Any:
    from keyvault.destinations.b2 import B2Destination, cache_path_for
    from keyvault.destinations.b2.credentials import B2Credentials

    return B2Destination(
        name="offsite",
        bucket="kv-bucket",
        prefix="bench",
        credentials=B2Credentials(key[0], Secret(key[1]), "env"),
        cache_path=cache_path_for(home, "offsite"),
        realm=server.realm_url,
        settings=_b2_settings(connect_timeout=5.0, read_timeout=5.0),
    )


def b2_figures(root: Path, size: int) -> dict[str, float]:
    from tests.destinations.b2_server import B2TestServer, KeyvaultSimulator, create_account

    home, item, dest_path = _vault(root, size)
    local = LocalDestination("bench", dest_path, vault_id=load_config(home).require_vault().id)
    sim = KeyvaultSimulator(part_size=max(size // 4, 5_000_000))
    key = create_account(sim, "kv-bucket")
    with B2TestServer(sim, stall=0.5) as server:
        b2 = _b2(home, server, key)
        first = engine.backup(home, destinations=[local, b2])
        assert not first.failed, first
        item.write_bytes(os.urandom(size))
        old_sha256, old_sha1 = hashlib.sha256, hashlib.sha1
        HASHED.clear()
        hashlib.sha256 = _counting("sha256", old_sha256)  # type: ignore[assignment]
        hashlib.sha1 = _counting("sha1", old_sha1)  # type: ignore[assignment]
        try:
            second = engine.backup(home, destinations=[b2])
        finally:
            hashlib.sha256, hashlib.sha1 = old_sha256, old_sha1
        assert not second.failed, second
        stages = {
            stage: {name: n / size for (st, name), n in HASHED.items() if st == stage}
            for stage in ("plaintext", "spool", "put", "read-back", "other")
        }

        item.write_bytes(os.urandom(64 << 10))  # a small upload (one b2_upload_file)
        server.reset_calls()
        server.inject("503", endpoint="b2_upload_file", times=10_000)
        server.inject("503", endpoint="b2_upload_part", times=10_000)
        ASKED_SLEEP[0] = 0.0
        started = time.perf_counter()
        third = engine.backup(home, destinations=[local, b2])
        wall = time.perf_counter() - started
        uploads = sum(1 for e in server.endpoints() if e in ("b2_upload_file", "b2_upload_part"))
        b2_result = next(d for d in third.destinations if d.name == "offsite")
        local_result = next(d for d in third.destinations if d.name == "bench")
        return {
            "stages": stages,  # type: ignore[dict-item]
            "failing attempts": uploads,
            "failing calls": len(server.endpoints()),
            "failing wall": wall,
            "failing asked sleep": ASKED_SLEEP[0],
            "b2 state": b2_result.state,  # type: ignore[dict-item]
            "b2 message": b2_result.message or "",  # type: ignore[dict-item]
            "local uploaded": local_result.uploaded,
            "local state": local_result.state,  # type: ignore[dict-item]
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=64)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    size = args.size_mib << 20
    root = Path(tempfile.mkdtemp(prefix="kv-datapath-", dir=args.workdir))
    try:
        (root / "local").mkdir()
        (root / "b2").mkdir()
        local = local_figures(root / "local", size)
        b2 = b2_figures(root / "b2", size)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    print(f"keyvault data-path benchmark, {when}, a {args.size_mib} MiB item\n")
    print("| figure | value |")
    print("|---|---|")
    print(f"| plaintext bytes read per changed item (CLI, strace) | {local['plaintext']:.2f}x |")
    print(f"| bytes read from the spool | {local['spool']:.2f}x |")
    print(f"| bytes read from the local destination (read-back) | {local['dest']:.2f}x |")
    print(f"| bytes read in total, one local destination | {local['total']:.2f}x |")
    stages: dict[str, dict[str, float]] = b2["stages"]  # type: ignore[assignment]

    def passes(stage: str) -> str:
        hashes = stages[stage]
        parts = ", ".join(f"{name} {n:.2f}x" for name, n in sorted(hashes.items()))
        return f"{sum(hashes.values()):.2f}x ({parts or 'none'})"

    ciphertext = sum(sum(stages[s].values()) for s in ("spool", "put", "read-back", "other"))
    print(f"| ciphertext hash passes per B2 put, client side, in all | {ciphertext:.2f}x |")
    for stage, label in (
        ("spool", "... as the engine encrypts into the spool"),
        ("put", "... by the put (B2's SHA-1s, the recorded sha256)"),
        ("read-back", "... by the read-back (B2's download check, the wrapper's compare)"),
        ("other", "... elsewhere"),
    ):
        print(f"| {label} | {passes(stage)} |")
    print(f"| plaintext hash passes (the engine's one read) | {passes('plaintext')} |")
    print(
        f"| HTTP upload attempts for a 64 KiB object, B2 answering 503 to every upload | "
        f"{b2['failing attempts']} (of {b2['failing calls']} calls; "
        f"{b2['failing wall']:.1f} s with waits cut to 10 ms, "
        f"{b2['failing asked sleep']:.1f} s of waits asked) |"
    )
    print(
        f"| ... B2's result / the local destination's | {b2['b2 state']}: "
        f"{b2['b2 message']} / {b2['local state']}, {b2['local uploaded']} uploaded |"
    )


if __name__ == "__main__":
    main()
