"""The seed-format tabs against the real core (offscreen): codex32, BIP-85, Seed XOR,
plates, and Electrum recognition in the Check tab."""

from __future__ import annotations

import json
from pathlib import Path

from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.seed_phrases import SeedPhrasesView
from pytestqt.qtbot import QtBot

from keyvault.secret import Secret
from keyvault.seedphrase import bip39, codex32

from .conftest import close_error_dialogs, error_dialogs
from .flows import open_screen

VECTORS = Path(__file__).parents[1] / "vectors"
BIP93 = json.loads((VECTORS / "bip93" / "bip93_vectors.json").read_text())
BIP85 = json.loads((VECTORS / "bip85" / "bip85_vectors.json").read_text())
XOR = json.loads((VECTORS / "seedxor" / "seedxor_vectors.json").read_text())
ELECTRUM = json.loads((VECTORS / "electrum" / "electrum_vectors.json").read_text())


def test_codex32_check_names_the_position_and_combine_works(
    qtbot: QtBot, window: MainWindow
) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).codex32_tab
    secret = BIP93["valid"][0]["secret"]
    damaged = secret[:20] + ("q" if secret[20] != "q" else "p") + secret[21:]
    tab.strings.fields[0].set_secret(Secret(damaged))
    tab.check()
    qtbot.waitUntil(lambda: "character 21" in tab.status.text(), timeout=10_000)
    assert damaged[9:30] not in tab.status.text()
    close_error_dialogs()
    vector3 = next(v for v in BIP93["valid"] if v["name"] == "vector 3")
    tab.strings.add_field()
    shares = [vector3["shares"]["a"], vector3["derived"]["d"], vector3["derived"]["f"]]
    for field, share in zip(tab.strings.fields, shares, strict=False):
        field.set_secret(Secret(share))
    tab.combine()
    qtbot.waitUntil(lambda: bool(tab.results.views), timeout=10_000)
    shown = tab.results.views[0].secret()
    assert shown is not None and shown.reveal_text() == vector3["secret"]
    assert not error_dialogs()


def test_codex32_split_gives_combinable_shares(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).codex32_tab
    secret = codex32.from_seed(Secret(bytes(range(16))))
    tab.strings.fields[0].set_secret(secret)
    tab.threshold.setValue(2)
    tab.shares.setValue(4)
    tab.split()
    qtbot.waitUntil(lambda: len(tab.results.views) == 4, timeout=10_000)
    made = [view.secret() for view in tab.results.views]
    assert all(m is not None for m in made)
    restored = codex32.combine([m for m in made[2:] if m is not None])
    assert codex32.seed(restored).reveal() == bytes(range(16))


def test_bip85_child_matches_embit(qtbot: QtBot, window: MainWindow) -> None:
    from embit import bip32, bip85

    tab = open_screen(window, "phrases", SeedPhrasesView).bip85_tab
    phrase = bip39.generate(12)
    tab.phrase.set_secret(phrase)
    tab.index.setValue(3)
    tab.derive()
    qtbot.waitUntil(lambda: tab.child.secret() is not None, timeout=10_000)
    root = bip32.HDKey.from_seed(bip39.to_seed(phrase).reveal())
    child = tab.child.secret()
    assert child is not None and child.reveal_text() == bip85.derive_mnemonic(root, 12, 3)
    assert not tab.child.revealed


def test_seed_xor_combine_the_coldcard_example(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).xor_tab
    case = XOR["examples"][1]
    tab.parts.add_field()
    for field, part in zip(tab.parts.fields, case["parts"], strict=True):
        field.set_secret(Secret(part))
    tab.combine()
    qtbot.waitUntil(lambda: bool(tab.results.views), timeout=10_000)
    shown = tab.results.views[0].secret()
    assert shown is not None and shown.reveal_text() == case["result"]


def test_plate_tab_draws_word_numbers(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).plate_tab
    tab.phrase.set_secret(Secret("zoo " * 11 + "wrong"))
    tab.format.setCurrentIndex(1)
    tab.show_plate()
    qtbot.waitUntil(lambda: "2048" in tab.grid.toPlainText(), timeout=10_000)
    assert tab.grid.toPlainText().splitlines()[1].split()[:2] == ["1", "2048"]


def test_check_tab_names_an_electrum_seed(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).check_tab
    seed = next(w for w in ELECTRUM["wallets"] if w["type"] == "segwit")["seed"]
    tab.phrase.edit.setText(seed)
    qtbot.waitUntil(lambda: tab.outcome is not None, timeout=10_000)
    assert tab.status.text().startswith("this is an Electrum segwit seed, not BIP39")
