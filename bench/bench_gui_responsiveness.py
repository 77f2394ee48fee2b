"""Benchmark: how late does the GUI thread get while a 1 GiB backup runs in the worker pool?

    python bench/bench_gui_responsiveness.py              # 1 GiB file, offscreen Qt
    python bench/bench_gui_responsiveness.py --big-mib 64 # quicker

A 10 ms QTimer ticks on the GUI thread of the real main window while its "Back up now"
button runs :func:`keyvault.backup.engine.backup` (through the GUI's task runner, with
its progress events drawn as progress bars). Each tick records how much later than 10 ms
after the previous tick it fired; the script prints the worst and the percentiles of that
lateness, for an idle baseline first and then during the backup, as a Markdown table for
BENCHMARKS.md. Everything runs in a temp dir (``--workdir`` to choose the disk).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from keyvault_gui.app import create_application
from keyvault_gui.views.backup import BackupView
from keyvault_gui.views.main_window import MainWindow
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QApplication

from keyvault.destinations.local import create_marker
from keyvault.secret import Secret
from keyvault.vault.config import DestinationConfig, load_config, save_config
from keyvault.vault.items import add_path_item
from keyvault.vault.keystore import create_vault

TICK_MS = 10


class LatenessProbe:
    """A 10 ms precise timer on the GUI thread that records each tick's lateness (ms)."""

    def __init__(self) -> None:
        self.samples: list[float] = []
        self._clock = QElapsedTimer()
        self._timer = QTimer()
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0

    def start(self) -> None:
        self.samples = []
        self._clock.start()
        self._last = self._clock.nsecsElapsed()
        self._timer.start()

    def stop(self) -> list[float]:
        self._timer.stop()
        return self.samples

    def _tick(self) -> None:
        now = self._clock.nsecsElapsed()
        self.samples.append(max(0.0, (now - self._last) / 1e6 - TICK_MS))
        self._last = now


def _summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return {
        "ticks": float(len(ordered)),
        "median": statistics.median(ordered),
        "p99": pct(0.99),
        "p999": pct(0.999),
        "max": ordered[-1],
        "over_100": float(sum(1 for s in ordered if s > 100)),
    }


def _write_random(path: Path, size: int) -> None:
    with open(path, "wb") as handle:
        left = size
        while left:
            step = min(8 << 20, left)
            handle.write(os.urandom(step))
            left -= step


def _pump(app: QApplication, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.001)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--big-mib", type=int, default=1024)
    parser.add_argument("--baseline-s", type=float, default=3.0)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    app = create_application(["bench"])
    root = Path(tempfile.mkdtemp(prefix="kv-bench-gui-", dir=args.workdir))
    try:
        home, src, dest = root / "home", root / "src", root / "dest"
        vault, _ = create_vault(home, Secret("benchmark passphrase, not a secret"), work_factor=16)
        src.mkdir()
        big = src / "big-wallet.dat"
        _write_random(big, args.big_mib << 20)
        add_path_item(home, big)
        dest.mkdir()
        create_marker(dest, vault.id, vault.created)
        config = load_config(home)
        config.destinations.append(
            DestinationConfig("drive", "local", "external", options={"path": str(dest)})
        )
        save_config(home, config)

        window = MainWindow(home, open_wizard_if_needed=False)
        window.show()
        view = window.show_page("backup")
        assert isinstance(view, BackupView)
        probe = LatenessProbe()

        probe.start()
        _pump(app, args.baseline_s)
        idle = _summary(probe.stop())

        started = time.perf_counter()
        probe.start()
        view.run_backup()
        while view.running or window.runner.busy:
            app.processEvents()
            time.sleep(0.001)
        busy = _summary(probe.stop())
        wall = time.perf_counter() - started
        result = view.result.toPlainText()
        if "backed up (version 1)" not in result:
            raise SystemExit(f"the backup did not complete:\n{result}")
        window.close()

        size = args.big_mib << 20
        print(f"backup of {args.big_mib} MiB: {wall:.1f} s ({size / wall / 1e6:.0f} MB/s)")
        print()
        print("| GUI thread, 10 ms timer | ticks | median late | p99 | p99.9 | worst | >100 ms |")
        print("|---|---|---|---|---|---|---|")
        for label, facts in (("idle (baseline)", idle), ("during the backup", busy)):
            print(
                f"| {label} | {facts['ticks']:.0f} | {facts['median']:.1f} ms "
                f"| {facts['p99']:.1f} ms | {facts['p999']:.1f} ms | {facts['max']:.1f} ms "
                f"| {facts['over_100']:.0f} |"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
