"""Benchmark: how a no-change ``keyvault backup`` and ``keyvault status`` grow with the
number of items, through the real CLI, side by side with restic.

    python bench/bench_scaling.py                       # 10, 50, 100, 500 items
    python bench/bench_scaling.py --items 10 100 --runs 3

For each count N: a fresh vault with N file items (one 4 KiB file each, in one source
folder) and one local destination folder on the same disk; a first ``keyvault backup``
(not timed), then ``keyvault backup`` and ``keyvault status`` with nothing changed, each
timed as a user's shell would (wall clock of the process, best of ``--runs``). Beside it,
``restic backup`` of the same folder to a fresh local repository, first run not timed,
then the no-change run timed the same way (when ``restic`` is on PATH).

Setting up the vault uses the library (500 ``keyvault add`` processes would only time
Python's start-up); everything timed is a CLI process. Prints a Markdown table for
BENCHMARKS.md with the growth ratio against the 50-item row (goal: at most 8x at 500).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchvault import bench_vault

RESTIC_PASSWORD = "benchmark password, not a secret"


def _timed(argv: list[str], env: dict[str, str], ok: tuple[int, ...] = (0,)) -> float:
    start = time.perf_counter()
    proc = subprocess.run(argv, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(
            f"{' '.join(argv)} exited {proc.returncode}: {proc.stderr.decode(errors='replace')}"
        )
    return wall


def _keyvault(home: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "keyvault_cli", "--config-dir", str(home), *args]


def _vault(root: Path, count: int) -> tuple[Path, Path]:
    src = root / "src"
    src.mkdir()
    paths = [src / f"wallet-{i:04d}.dat" for i in range(count)]
    for path in paths:
        path.write_bytes(os.urandom(4096))
    return bench_vault(root, paths), src


def _measure(count: int, runs: int, workdir: Path | None, restic: str | None) -> dict[str, float]:
    root = Path(tempfile.mkdtemp(prefix="kv-scale-", dir=workdir))
    env = dict(os.environ)
    env.pop("KEYVAULT_PASSPHRASE", None)
    try:
        home, src = _vault(root, count)
        # Exit 3 (policy not met: one destination is not 3-2-1) is the expected verdict.
        _timed(_keyvault(home, "backup"), env, ok=(0, 3))
        row = {
            "backup": min(_timed(_keyvault(home, "backup"), env, ok=(0, 3)) for _ in range(runs)),
            "status": min(_timed(_keyvault(home, "status"), env, ok=(0, 3)) for _ in range(runs)),
        }
        if restic is not None:
            renv = {**env, "RESTIC_PASSWORD": RESTIC_PASSWORD, "RESTIC_REPOSITORY": str(root / "r")}
            renv["RESTIC_CACHE_DIR"] = str(root / "restic-cache")
            _timed([restic, "init"], renv)
            _timed([restic, "backup", "--quiet", str(src)], renv)
            row["restic backup"] = min(
                _timed([restic, "backup", "--quiet", str(src)], renv) for _ in range(runs)
            )
            row["restic snapshots"] = min(
                _timed([restic, "snapshots", "--quiet"], renv) for _ in range(runs)
            )
        return row
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--items", type=int, nargs="+", default=[10, 50, 100, 500])
    parser.add_argument("--runs", type=int, default=3, help="best of this many timed runs")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--no-restic", action="store_true")
    args = parser.parse_args()
    restic = None if args.no_restic else shutil.which("restic")

    rows = {n: _measure(n, args.runs, args.workdir, restic) for n in args.items}
    base = rows.get(50)
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    load = os.getloadavg()[0]
    print(f"keyvault scaling benchmark, {when}, {os.cpu_count()} CPUs, load {load:.1f}")
    print(f"best of {args.runs}; one 4 KiB file per item; one local destination\n")
    head = "| items | `keyvault backup` (no change) | `keyvault status` |"
    line = "|---|---|---|"
    if restic:
        head += " `restic backup` (no change) | `restic snapshots` |"
        line += "---|---|"
    if base:
        head += " backup / 50-item backup | status / 50-item status |"
        line += "---|---|"
    print(head)
    print(line)
    for n, row in rows.items():
        cells = [f"{n}", f"{row['backup']:.2f} s", f"{row['status']:.2f} s"]
        if restic:
            cells += [f"{row['restic backup']:.2f} s", f"{row['restic snapshots']:.2f} s"]
        if base:
            cells += [
                f"{row['backup'] / base['backup']:.1f}x",
                f"{row['status'] / base['status']:.1f}x",
            ]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
