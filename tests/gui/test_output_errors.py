"""Writing out from the GUI where the disk refuses: a read-only disk, a full disk, a folder
that vanished (a drive unplugged after it was chosen).

Restore, recover and "save as PDF" each end in a clear message with the text of the
core's typed error (:func:`keyvault.errors.from_os_error`: the same words the CLI prints),
never a traceback, and leave nothing half-written behind. (Restore and recover make the
folders of a new path, as the CLI's ``-o`` does, so a vanished folder is made again for
them; saving a PDF makes none and says the folder is gone.) The disks are real small tmpfs
mounts (skipped where mounting is refused, as in tests/cli/test_inputs_output_disk.py).
"""

from __future__ import annotations

import contextlib
import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.print_view import PrintView
from keyvault_gui.views.restore import RestoreView
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from keyvault.backup.engine import RecoverReport
from tests.cli.test_backup_support import needs_separate_devices
from tests.destinations.local_fixtures import mounted_tmpfs

from .conftest import PASSPHRASE, error_dialogs, wait_idle
from .flows import (
    back_up_to_a_drive,
    new_computer,
)

pytestmark = needs_separate_devices()

#: Where each kind of refusal happens -> the words its message must hold.
EXPECTED = {
    "read-only": "read-only file system",
    "full": "no space left on device",
    "gone": "no such file or directory",
}


@contextlib.contextmanager
def refusing_places(tmp_path: Path) -> Iterator[dict[str, Path]]:
    """A read-only disk, a full disk (a small tmpfs filled up) and a folder that is gone."""
    gone = tmp_path / "unplugged" / "drive"
    with (
        mounted_tmpfs(tmp_path / "ro", "1m") as read_only,
        mounted_tmpfs(tmp_path / "small", "64k") as full,
    ):
        subprocess.run(["mount", "-o", "remount,ro", str(read_only)], check=True)
        with (full / "filler").open("wb", buffering=0) as filler:
            with contextlib.suppress(OSError):
                while True:
                    filler.write(b"\0" * 4096)
        with pytest.raises(OSError) as refused:
            (full / "probe").write_bytes(b"\0" * 8192)
        assert refused.value.errno == errno.ENOSPC
        (full / "probe").unlink(missing_ok=True)
        yield {"read-only": read_only, "full": full, "gone": gone}


def _contents(places: dict[str, Path]) -> dict[str, list[str]]:
    return {
        kind: sorted(p.name for p in place.iterdir()) if place.exists() else []
        for kind, place in places.items()
    }


def _error(qtbot: QtBot) -> QMessageBox:
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=20_000)
    (box,) = error_dialogs()
    return box


def _check_message(box: QMessageBox, kind: str, where: Path) -> None:
    text = f"{box.text()}\n{box.informativeText()}"
    assert EXPECTED[kind] in box.text(), text
    if kind != "full":  # a write() refused for space names no file
        # It names the folder (the core's message may name its temporary file in it).
        assert str(where.parent) in box.text(), text
    assert "Traceback" not in text and "Errno" not in text, text
    if kind != "gone":
        assert box.informativeText().startswith("hint: "), text
    box.close()


def test_restore_into_a_read_only_full_or_vanished_place(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    _, content = back_up_to_a_drive(qtbot, window, tmp_path, size=200_000)
    view = window.show_page("restore")
    assert isinstance(view, RestoreView)
    qtbot.waitUntil(lambda: view.item.count() == 1, timeout=10_000)
    with refusing_places(tmp_path) as places:
        before = _contents(places)
        for kind in ("read-only", "full"):
            target = places[kind] / "restored.dat"
            view.target.setText(str(target))
            view.passphrase.edit.setText(PASSPHRASE)
            view.run_restore()
            _check_message(_error(qtbot), kind, target)
            wait_idle(qtbot, window.runner)
            assert view.restore_button.isEnabled()
        assert _contents(places) == before  # nothing half-written
    # The same restore into a place that takes it works: nothing was left in a bad state.
    view.target.setText(str(tmp_path / "restored.dat"))
    view.passphrase.edit.setText(PASSPHRASE)
    view.run_restore()
    qtbot.waitUntil(lambda: (tmp_path / "restored.dat").exists(), timeout=20_000)
    wait_idle(qtbot, window.runner)
    assert (tmp_path / "restored.dat").read_bytes() == content


def test_recover_into_a_read_only_full_or_vanished_place(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    back_up_to_a_drive(qtbot, window, tmp_path, size=200_000)
    fresh = new_computer(qtbot, window, tmp_path / "new-home")
    view = fresh.show_page("restore")
    assert isinstance(view, RestoreView)
    with refusing_places(tmp_path) as places:
        before = _contents(places)
        for kind in ("read-only", "full"):
            out = places[kind] / "everything"
            view.recover_source.setText(str(tmp_path / "drive"))
            view.recover_out.setText(str(out))
            view.with_passphrase.setChecked(True)
            view.recover_passphrase.edit.setText(PASSPHRASE)
            view.last_result = None
            view.run_recover()
            box = _error(qtbot)
            wait_idle(qtbot, window.runner)
            if kind == "full":
                # The folder could be made, the item could not be written: the dialog
                # says so; the result lists each item with the core's words.
                assert isinstance(view.last_result, RecoverReport)
                assert box.text() == "the item could not be restored", box.text()
                words = f"{EXPECTED[kind]}: {out / 'wallet.dat'}"  # names the file asked for
                assert box.informativeText() == f"hint: wallet.dat: {words}"
                assert f"FAILED wallet.dat: {words}" in view.result.toPlainText()
                box.close()
            else:  # not even the folder could be made
                assert view.last_result is None
                _check_message(box, kind, out)
        after = _contents(places)
        assert after["read-only"] == before["read-only"]
        assert after["full"] in (before["full"], sorted([*before["full"], "everything"]))
        if (places["full"] / "everything").exists():
            # Only what was restored whole is there: no partial file, no temp file.
            assert all(
                p.name == "keyvault-recovered-vault-key.age"
                for p in (places["full"] / "everything").iterdir()
            )


def test_save_the_kit_pdf_into_a_read_only_full_or_vanished_place(
    qtbot: QtBot, vault_window: MainWindow, tmp_path: Path
) -> None:
    view = vault_window.show_page("print")
    assert isinstance(view, PrintView)
    view.choose("kit")
    view.passphrase.edit.setText(PASSPHRASE)
    view.preview()
    qtbot.waitUntil(lambda: view.rendered is not None, timeout=30_000)
    with refusing_places(tmp_path) as places:
        before = _contents(places)
        for kind, place in places.items():
            target = place / "kit.pdf"
            view.save_pdf(target)
            _check_message(_error(qtbot), kind, target)
            wait_idle(qtbot, vault_window.runner)
            assert "saved to" not in view.info.text()
            assert view.save_button.isEnabled()
        assert _contents(places) == before
        assert not places["gone"].exists()
