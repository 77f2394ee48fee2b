"""The Print screen's recovery kit is the CLI's kit: the same core call, the same pages
(each item's identity, the owner's seal key, every wallet configuration), the same bytes."""

from __future__ import annotations

import subprocess
from datetime import date
from pathlib import Path

from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.print_view import PrintView
from pytestqt.qtbot import QtBot

from keyvault.crypto.seal import seal_public
from keyvault.secret import Secret
from keyvault.vault import keystore

from ..cli.helpers import run_cli
from .conftest import PASSPHRASE
from .flows import open_screen
from .test_configurations import _configured


def _printed(qtbot: QtBot, view: PrintView, document: str) -> bytes:
    """Preview ``document`` with the vault passphrase; the PDF the screen would print."""
    view.choose(document)
    view.passphrase.edit.setText(PASSPHRASE)
    view.preview()
    qtbot.waitUntil(lambda: view.rendered is not None, timeout=60_000)
    assert view.rendered is not None
    return view.rendered.pdf


def _text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "printed.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return done.stdout.decode()


def _creation_day(pdf: bytes, tmp_path: Path) -> date:
    """The PDF's creation date: the day printed on its pages (keyvault.paper.canvas)."""
    path = tmp_path / "dated.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdfinfo", "-isodates", str(path)], capture_output=True, check=True)
    fields = dict(line.split(":", 1) for line in done.stdout.decode().splitlines() if ":" in line)
    return date.fromisoformat(fields["CreationDate"].strip()[:10])


def test_the_print_screens_kit_is_the_clis(
    qtbot: QtBot, vault_window: MainWindow, kv_home: Path, tmp_path: Path
) -> None:
    fingerprint = _configured(kv_home)  # a phrase item 'my ledger' and a 2-of-2 'family'
    seal = seal_public(keystore.unlock_vault_key(kv_home, Secret(PASSPHRASE)))
    view = open_screen(vault_window, "print", PrintView)

    before = date.today()
    pdf = _printed(qtbot, view, "kit")
    # The CLI prints the day the screen printed (a run across midnight gives the same
    # bytes); that day is the day of the preview.
    day = _creation_day(pdf, tmp_path)
    assert before <= day <= date.today()
    text = _text(pdf, tmp_path)
    assert f"fingerprint {fingerprint}" in text  # beside 'my ledger'
    assert seal in "".join(text.split())
    assert "Wallet: family" in text
    cli_kit = tmp_path / "cli-kit.pdf"
    done = run_cli(
        "paper",
        "kit",
        "-o",
        str(cli_kit),
        "--date",
        day.isoformat(),
        home=kv_home,
        env={"KEYVAULT_PASSPHRASE": PASSPHRASE},
    )
    assert done.code == 0, done.stderr
    assert cli_kit.read_bytes() == pdf

    split = _text(_printed(qtbot, view, "kit-split"), tmp_path)
    assert "Vault key share 3 of 3" in split and "The vault key" not in split
    assert f"fingerprint {fingerprint}" in split
    assert seal in "".join(split.split())
    assert "Wallet: family" in split
