"""Benchmark: one large item (1 GiB by default) through the real CLI, beside restic.

    python bench/bench_large.py                 # 1 GiB of random bytes
    python bench/bench_large.py --size-mib 256

keyvault: ``keyvault backup`` (first backup to one local destination folder),
``keyvault restore NAME -o OUT``, ``keyvault verify --deep`` (each object decrypted and
its plaintext hash compared). restic: ``restic backup``, ``restic restore latest``,
``restic check --read-data``. Everything on the same disk (``--workdir``), each command
timed as a user's shell would (wall clock of the process); the page cache is not
dropped (both tools alike). Prints a Markdown table with keyvault / restic ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchvault import PASSPHRASE, bench_vault


def _timed(argv: list[str], env: dict[str, str], stdin: bytes = b"") -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, input=stdin, capture_output=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 3):
        raise SystemExit(f"{argv} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}")
    return wall


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    restic = shutil.which("restic")
    root = Path(tempfile.mkdtemp(prefix="kv-large-", dir=args.workdir))
    env = dict(os.environ)
    env.pop("KEYVAULT_PASSPHRASE", None)
    try:
        src = root / "src"
        src.mkdir()
        big = src / "big-wallet.dat"
        with open(big, "wb") as handle:
            for _ in range(args.size_mib):
                handle.write(os.urandom(1 << 20))
        home = bench_vault(root, [big])
        kv = [sys.executable, "-m", "keyvault_cli", "--config-dir", str(home)]
        secret = (PASSPHRASE + "\n").encode()
        rows = {
            "backup": _timed([*kv, "backup"], env),
            "restore": _timed(
                [*kv, "restore", big.name, "-o", str(root / "out.dat"), "--passphrase-file", "-"],
                env,
                secret,
            ),
            "verify --deep": _timed(
                [*kv, "verify", "--deep", "--passphrase-file", "-"], env, secret
            ),
        }
        assert _sha256(root / "out.dat") == _sha256(big), "restored bytes differ"
        theirs: dict[str, float] = {}
        if restic:
            renv = {**env, "RESTIC_PASSWORD": PASSPHRASE, "RESTIC_REPOSITORY": str(root / "r")}
            renv["RESTIC_CACHE_DIR"] = str(root / "restic-cache")
            _timed([restic, "init"], renv)
            theirs["backup"] = _timed([restic, "backup", "--quiet", str(src)], renv)
            theirs["restore"] = _timed(
                [restic, "restore", "latest", "--target", str(root / "restic-out")], renv
            )
            theirs["verify --deep"] = _timed([restic, "check", "--read-data"], renv)
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        print(
            f"keyvault large-item benchmark, {when}, {args.size_mib} MiB, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n"
        )
        print("| operation | keyvault | restic | keyvault / restic |")
        print("|---|---|---|---|")
        for name, wall in rows.items():
            other = theirs.get(name)
            ratio = f"{wall / other:.2f}x" if other else "-"
            print(f"| {name} | {wall:.1f} s | {other or 0:.1f} s | {ratio} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
