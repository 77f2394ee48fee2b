"""Benchmark: one large item (1 GiB by default) through the real CLI, beside restic.

    python bench/bench_large.py                 # 1 GiB of random bytes
    python bench/bench_large.py --size-mib 256
    python bench/bench_large.py --repeat 3      # restore and verify: median of 3 runs

keyvault: ``keyvault backup`` (first backup to one local destination folder),
``keyvault restore NAME -o OUT``, ``keyvault verify --deep`` (each object decrypted and
its plaintext hash compared). restic: ``restic backup``, ``restic restore latest``,
``restic check --read-data``. Everything on the same disk (``--workdir``), each command
timed as a user's shell would (wall clock of the process); the page cache is not
dropped (both tools alike). keyvault's modules are compiled to bytecode first and the
commands may use it (``PYTHONDONTWRITEBYTECODE`` is dropped for them), as an installed
package starts. With ``--repeat N`` restore and the checks run N times, the two tools
taking turns, and the median is shown (a shared machine's load comes and goes). Prints
a Markdown table with keyvault / restic ratios.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchvault import PASSPHRASE, bench_vault

import keyvault


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
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    restic = shutil.which("restic")
    root = Path(tempfile.mkdtemp(prefix="kv-large-", dir=args.workdir))
    env = dict(os.environ)
    env.pop("KEYVAULT_PASSPHRASE", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cli = importlib.util.find_spec("keyvault_cli")
    assert cli is not None and cli.origin is not None, "keyvault is not installed here"
    packages = [str(Path(keyvault.__file__).parent), str(Path(cli.origin).parent)]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *packages], env=env, check=True)
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
        renv = {**env, "RESTIC_PASSWORD": PASSPHRASE, "RESTIC_REPOSITORY": str(root / "r")}
        renv["RESTIC_CACHE_DIR"] = str(root / "restic-cache")
        ours: dict[str, list[float]] = {"backup": [_timed([*kv, "backup"], env)]}
        theirs: dict[str, list[float]] = {}
        if restic:
            _timed([restic, "init"], renv)
            theirs["backup"] = [_timed([restic, "backup", "--quiet", str(src)], renv)]
        out, restic_out = root / "out.dat", root / "restic-out"
        restore = [*kv, "restore", big.name, "-o", str(out), "--passphrase-file", "-"]
        for _ in range(args.repeat):
            out.unlink(missing_ok=True)
            ours.setdefault("restore", []).append(_timed(restore, env, secret))
            check = [*kv, "verify", "--deep", "--passphrase-file", "-"]
            ours.setdefault("verify --deep", []).append(_timed(check, env, secret))
            if restic:
                shutil.rmtree(restic_out, ignore_errors=True)
                theirs.setdefault("restore", []).append(
                    _timed([restic, "restore", "latest", "--target", str(restic_out)], renv)
                )
                theirs.setdefault("verify --deep", []).append(
                    _timed([restic, "check", "--read-data"], renv)
                )
        assert _sha256(out) == _sha256(big), "restored bytes differ"
        when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        print(
            f"keyvault large-item benchmark, {when}, {args.size_mib} MiB, "
            f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}, "
            f"median of {args.repeat} for restore and verify\n"
        )
        print("| operation | keyvault | restic | keyvault / restic |")
        print("|---|---|---|---|")
        for name, walls in ours.items():
            wall = statistics.median(walls)
            other = statistics.median(theirs[name]) if name in theirs else None
            ratio = f"{wall / other:.2f}x" if other else "-"
            print(f"| {name} | {wall:.1f} s | {other or 0:.1f} s | {ratio} |")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
