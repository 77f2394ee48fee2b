#!/usr/bin/env python3
"""Start the desktop app under Xvfb and save a screenshot of every screen.

    python scripts/gui_screenshots.py [--out docs/screenshots]   # light, then dark

It makes a throwaway vault in a temp KEYVAULT_HOME (nothing of yours is read or
touched), walks the first-run wizard, protects a demo wallet file and a demo phrase, adds
two folder destinations (separate tmpfs drives when run as root, plain folders
otherwise), backs up, and saves ``gui-*.png`` for each screen, then the same in the dark
scheme as ``gui-dark-*.png``. Needs ``Xvfb``
(``apt-get install xvfb``); with ``--offscreen`` it uses Qt's offscreen platform instead.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_PASSPHRASE = "quartz fjord blimp vexed nymph kiwi"
DEMO_PHRASE = "legal winner thank year wave sausage worth useful legal winner thank yellow"
WINDOW_SIZE = (1180, 760)


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private X server; yields its DISPLAY."""
    binary = shutil.which("Xvfb")
    if binary is None:
        raise SystemExit("Xvfb is not installed (apt-get install xvfb), or use --offscreen")
    read, write = os.pipe()
    server = subprocess.Popen(
        [binary, "-displayfd", str(write), "-screen", "0", "1400x900x24", "-nolisten", "tcp"],
        pass_fds=(write,),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write)
    with os.fdopen(read) as pipe:
        number = pipe.readline().strip()
    try:
        yield f":{number}"
    finally:
        server.terminate()
        server.wait(10)


@contextlib.contextmanager
def drives(base: Path) -> Iterator[tuple[Path, Path, Path]]:
    """Three folders on separate filesystems when possible (tmpfs needs root)."""
    names = ("disk", "usb", "away")
    paths = [base / name for name in names]
    mounted: list[Path] = []
    try:
        for path in paths:
            path.mkdir()
            if os.geteuid() == 0:
                done = subprocess.run(
                    ["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(path)],
                    capture_output=True,
                )
                if done.returncode == 0:
                    mounted.append(path)
        yield paths[0], paths[1], paths[2]
    finally:
        for path in mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def run(out: Path, dark: bool = False) -> list[Path]:
    """Drive the app and write the screenshots; returns the files written."""
    from keyvault_gui import theme
    from keyvault_gui.app import create_application
    from keyvault_gui.views import wizard as wiz
    from keyvault_gui.views.backup import BackupView
    from keyvault_gui.views.destinations import DestinationsView
    from keyvault_gui.views.items import ItemsView
    from keyvault_gui.views.main_window import MainWindow
    from keyvault_gui.views.overview import OverviewView
    from keyvault_gui.views.print_view import PrintView
    from keyvault_gui.views.restore import RestoreView
    from keyvault_gui.views.seed_phrases import SeedPhrasesView
    from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

    app = create_application(["keyvault-gui"])
    theme.apply(app, dark)
    prefix = "gui-dark-" if dark else "gui-"
    written: list[Path] = []

    def pump(until: Callable[[], bool], timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not until():
            if time.monotonic() > deadline:
                raise SystemExit("timed out waiting for the app")
            app.processEvents()
            time.sleep(0.01)
        for _ in range(20):  # let layouts settle and repaint
            app.processEvents()
            time.sleep(0.005)

    def shot(widget: QWidget, name: str) -> None:
        pump(lambda: True)
        path = out / f"{prefix}{name}.png"
        if not widget.grab().save(str(path)):
            raise SystemExit(f"could not write {path}")
        written.append(path)
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")

    with tempfile.TemporaryDirectory(prefix="kv-shots-") as temp, drives(Path(temp)) as places:
        disk, usb, away = places
        home = Path(temp) / "home"
        os.environ["KEYVAULT_HOME"] = str(home)
        window = MainWindow(home, work_factor=16, open_wizard_if_needed=False)
        window.resize(*WINDOW_SIZE)
        window.show()
        runner = window.runner
        idle = lambda: not runner.busy  # noqa: E731

        # --- the wizard ---------------------------------------------------------------
        wizard = window.open_wizard()
        wizard.resize(760, 580)
        shot(wizard, "wizard-welcome")
        wizard.next()
        page = wizard.passphrase_page
        page.first.edit.setText(DEMO_PASSPHRASE)
        page.second.edit.setText(DEMO_PASSPHRASE)
        pump(lambda: page.meter.ok)
        shot(wizard, "wizard-passphrase")
        wizard.next()
        pump(lambda: wizard.currentId() == wiz.WORDS)
        shot(wizard, "wizard-words-hidden")
        wizard.words_page.grid.reveal.setChecked(True)
        words = wizard.words_page.grid.shown_words()
        shot(wizard, "wizard-words")
        wizard.words_page.written.setChecked(True)
        wizard.next()
        confirm = wizard.confirm_page
        for field, position in zip(confirm.fields, confirm.positions, strict=True):
            field.edit.setText(words[position - 1])
        shot(wizard, "wizard-confirm")
        wizard.next()
        shot(wizard, "wizard-done")
        wizard.done_page.print_kit.setChecked(False)
        wizard.accept()
        pump(idle)

        # --- seed phrases -------------------------------------------------------------
        phrases = window.show_page("phrases")
        assert isinstance(phrases, SeedPhrasesView)
        phrases.tabs.setCurrentWidget(phrases.generate_tab)
        phrases.generate_tab.generate()
        pump(lambda: phrases.generate_tab.words.word_count() == 24)
        shot(window, "seed-phrases-generate")
        phrases.tabs.setCurrentWidget(phrases.check_tab)
        check = phrases.check_tab
        check.phrase.edit.setText(DEMO_PHRASE.replace("sausage", "sausaje"))
        check.phrase.set_revealed(True)
        check.check_now()
        pump(lambda: check.outcome is not None and idle())
        shot(window, "seed-phrases-check")

        # --- items --------------------------------------------------------------------
        wallet = disk / "wallet.dat"
        wallet.write_bytes(b"WALLET" + os.urandom(40_000))
        items = window.show_page("items")
        assert isinstance(items, ItemsView)
        items.add_path(wallet)
        pump(lambda: "wallet.dat" in items.item_names())
        dialog = items.open_add_phrase()
        dialog.name.setText("hardware wallet")
        dialog.phrase.edit.setText(DEMO_PHRASE)
        dialog.accept()
        pump(lambda: "hardware wallet" in items.item_names() and idle())
        shot(window, "items")

        # --- destinations and copies --------------------------------------------------
        dests = window.show_page("destinations")
        assert isinstance(dests, DestinationsView)
        pump(idle)
        dests.add_folder("usb-stick", usb, media="external", offsite=False, offline=False)
        pump(lambda: "usb-stick" in dests.destination_names() and idle())
        dests.add_folder("office-drive", away, media="external", offsite=True, offline=True)
        pump(lambda: "office-drive" in dests.destination_names() and idle())
        dests.record_copy("hardware wallet", "metal", "home safe", offsite=False)
        pump(lambda: dests.copy_table.rowCount() == 1 and idle())
        shot(window, "destinations")

        # --- back up, overview --------------------------------------------------------
        backup = window.show_page("backup")
        assert isinstance(backup, BackupView)
        backup.run_backup()
        pump(lambda: not backup.running and idle())
        shot(window, "backup")
        overview = window.show_page("overview")
        assert isinstance(overview, OverviewView)
        pump(lambda: overview.overview is not None and idle())
        shot(window, "overview")

        # --- restore and print ----------------------------------------------------------
        restore = window.show_page("restore")
        assert isinstance(restore, RestoreView)
        pump(lambda: restore.item.count() > 0 and idle())
        restore.target.setText(str(Path(temp) / "restored-wallet.dat"))
        shot(window, "restore")
        # The heir's view: what the backup on the USB stick holds, before restoring.
        restore.recover_source.setText(str(usb))
        restore.with_passphrase.setChecked(True)
        restore.recover_passphrase.edit.setText(DEMO_PASSPHRASE)
        restore.run_preview()
        pump(lambda: restore.last_contents is not None and idle())
        screen_area = restore.parentWidget().parentWidget()  # the screen's scroll area
        assert isinstance(screen_area, QScrollArea)
        screen_area.ensureWidgetVisible(restore.contents)
        shot(window, "restore-preview")
        printing = window.show_page("print")
        assert isinstance(printing, PrintView)
        printing.choose("kit")
        printing.passphrase.edit.setText(DEMO_PASSPHRASE)
        printing.preview()
        pump(lambda: printing.rendered is not None and idle())
        shot(window, "print")

        window.close()
        pump(idle)
        QApplication.processEvents()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--offscreen", action="store_true", help="no Xvfb: Qt's offscreen mode")
    parser.add_argument("--inner", choices=("light", "dark"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.inner:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        run(args.out, dark=args.inner == "dark")
        return 0
    code = 0
    for scheme in ("light", "dark"):
        command = [sys.executable, __file__, "--inner", scheme, "--out", str(args.out)]
        if args.offscreen:
            code = code or subprocess.run(command, check=False).returncode
            continue
        # The app runs in a child process, so the X server goes away even if Qt aborts.
        with xvfb() as display:
            env = dict(os.environ, DISPLAY=display, QT_QPA_PLATFORM="xcb")
            code = code or subprocess.run(command, env=env, check=False).returncode
    return code


if __name__ == "__main__":
    sys.exit(main())
