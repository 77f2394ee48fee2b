"""The seed phrase screen against the real core: check while typing, generate, inspect,
split/combine, scan a SeedQR image."""

from __future__ import annotations

import json
from pathlib import Path

from keyvault_gui.views.main_window import MainWindow
from keyvault_gui.views.seed_phrases import InspectTab, SeedPhrasesView
from pytestqt.qtbot import QtBot

from keyvault.paper.qrimage import qr_matrix, write_png
from keyvault.secret import Secret
from keyvault.seedphrase import bip39
from keyvault.seedphrase.seedqr import qr_version, to_standard
from keyvault.vault.identities import NO_MATCH
from keyvault.vault.items import add_phrase_item

from .conftest import VALID_12, close_error_dialogs, error_dialogs, wait_idle
from .flows import create_vault_with_wizard, open_screen


def test_one_wrong_word_shows_its_position_and_suggestions(
    qtbot: QtBot, window: MainWindow
) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).check_tab
    words = VALID_12.split()
    words[5] = "sausaje"  # word 6 mistyped
    qtbot.keyClicks(tab.phrase.edit, " ".join(words))
    qtbot.waitUntil(lambda: tab.outcome is not None and not tab.outcome.ok, timeout=10_000)
    assert tab.status.text() == "word 6 is not in the english wordlist"
    assert tab.position.text() == "word 6 of the phrase"
    shown = [b.text() for b in tab.suggestion_buttons]
    assert shown[0] == "sausage"
    # Accepting the suggestion fixes the phrase; the next check says it is valid.
    tab.suggestion_buttons[0].click()
    qtbot.waitUntil(lambda: tab.outcome is not None and tab.outcome.ok, timeout=10_000)
    assert tab.status.text() == "valid: 12 english words"
    assert tab.phrase.secret().reveal_text() == VALID_12
    assert not tab.prefixes.revealed
    tab.prefixes.reveal_button.click()
    assert tab.prefixes.label.text().split() == [bip39.prefix4(w) for w in VALID_12.split()]


def test_checksum_mistake_and_placeholder(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).check_tab
    words = VALID_12.split()
    words[0], words[1] = words[1], words[0]
    tab.phrase.edit.setText(" ".join(words))
    qtbot.waitUntil(lambda: tab.outcome is not None, timeout=10_000)
    assert tab.outcome is not None and not tab.outcome.ok
    assert "checksum does not match" in tab.status.text()
    assert tab.position.text() == ""
    words = VALID_12.split()
    words[11] = "?"
    tab.outcome = None
    tab.phrase.edit.setText(" ".join(words))
    qtbot.waitUntil(lambda: tab.outcome is not None, timeout=10_000)
    assert tab.outcome is not None and tab.outcome.position == 12
    assert "yellow" in tab.outcome.suggestions
    assert tab.more_suggestions.text().startswith("and ")


def test_empty_field_clears_the_result(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).check_tab
    tab.phrase.edit.setText("abandon")
    qtbot.waitUntil(lambda: tab.outcome is not None, timeout=10_000)
    tab.phrase.edit.setText("")
    qtbot.waitUntil(lambda: tab.outcome is None, timeout=10_000)
    assert tab.status.text() == ""


def test_generate_makes_a_valid_phrase_shown_masked(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).generate_tab
    tab.word_count.setCurrentIndex(0)  # 12 words
    tab.generate_button.click()
    qtbot.waitUntil(lambda: tab.words.word_count() == 12, timeout=10_000)
    assert all("\u2022" in w for w in tab.words.shown_words())
    tab.words.reveal.setChecked(True)
    phrase = " ".join(tab.words.shown_words())
    assert bip39.check(phrase).word_count == 12


def test_bad_dice_rolls_give_an_error_dialog(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).generate_tab
    tab.dice.edit.setText("1 2 3 7")
    tab.generate_button.click()
    wait_idle(qtbot, window.runner)
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=5_000)
    assert error_dialogs()[0].text() == "dice rolls are the digits 1 to 6"
    assert tab.words.word_count() == 0
    close_error_dialogs()


def test_inspect_shows_the_bip84_vector(qtbot: QtBot, window: MainWindow, vectors: Path) -> None:
    vector = json.loads((vectors / "bip32" / "bip84_bip86_bip49_vectors.json").read_text())
    bip84 = vector["bip84"]
    tab = open_screen(window, "phrases", SeedPhrasesView).inspect_tab
    tab.phrase.edit.setText(bip84["mnemonic"])
    tab.inspect_button.click()
    qtbot.waitUntil(lambda: tab.fingerprint.text() != "", timeout=10_000)
    assert tab.fingerprint.text() == bip84["master_fingerprint"]
    assert bip84["account_zpub"] in tab.details.toPlainText()


def test_split_then_combine_gives_the_phrase_back(qtbot: QtBot, window: MainWindow) -> None:
    view = open_screen(window, "phrases", SeedPhrasesView)
    view.split_tab.phrase.edit.setText(VALID_12)
    view.split_tab.threshold.setValue(2)
    view.split_tab.shares.setValue(3)
    view.split_tab.split_button.click()
    qtbot.waitUntil(lambda: len(view.split_tab.share_views) == 3, timeout=10_000)
    assert view.split_tab.phrase.is_empty()
    shares = [v.secret() for v in view.split_tab.share_views]
    combine = view.combine_tab
    for field, share in zip(combine.fields, [shares[2], shares[0]], strict=True):
        assert share is not None
        field.set_secret(share)
    combine.combine_button.click()
    qtbot.waitUntil(lambda: combine.result.secret() is not None, timeout=10_000)
    result = combine.result.secret()
    assert result is not None and result.reveal_text() == VALID_12


def test_too_few_shares_give_the_core_message(qtbot: QtBot, window: MainWindow) -> None:
    view = open_screen(window, "phrases", SeedPhrasesView)
    view.split_tab.phrase.edit.setText(VALID_12)
    view.split_tab.split_button.click()
    qtbot.waitUntil(lambda: len(view.split_tab.share_views) == 3, timeout=10_000)
    share = view.split_tab.share_views[0].secret()
    assert share is not None
    view.combine_tab.fields[0].set_secret(share)
    view.combine_tab.combine_button.click()
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=10_000)
    assert "share" in error_dialogs()[0].text()
    close_error_dialogs()


def test_scan_a_seedqr_image(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    image = tmp_path / "seedqr.png"
    payload = to_standard(VALID_12)
    write_png(image, qr_matrix(payload, version=qr_version(12, False), mode="numeric"))
    tab = open_screen(window, "phrases", SeedPhrasesView).scan_tab
    tab.scan_file(image)
    qtbot.waitUntil(lambda: tab.result.secret() is not None, timeout=10_000)
    result = tab.result.secret()
    assert result is not None and result.reveal_text() == VALID_12
    assert "seedqr.png" in tab.source.text()


def test_scan_an_image_without_a_code(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    blank = tmp_path / "blank.png"
    write_png(blank, [[False] * 21 for _ in range(21)])
    not_image = tmp_path / "notes.txt"
    not_image.write_text("hello")
    tab = open_screen(window, "phrases", SeedPhrasesView).scan_tab
    tab.scan_file(blank)
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=10_000)
    assert error_dialogs()[0].text() == "no QR code was found in the image"
    close_error_dialogs()
    tab.scan_file(not_image)
    qtbot.waitUntil(lambda: bool(error_dialogs()), timeout=10_000)
    assert "cannot be read as an image" in error_dialogs()[0].text()
    close_error_dialogs()
    assert tab.result.secret() is None


def _inspect_guard(qtbot: QtBot, tab: InspectTab, passphrase: str) -> str:
    tab.guard.setText("")
    tab.fingerprint.setText("")
    tab.passphrase.edit.setText(passphrase)
    tab.inspect_button.click()
    qtbot.waitUntil(lambda: tab.fingerprint.text() != "", timeout=10_000)
    return tab.guard.text()


def test_inspect_says_which_recorded_wallet_the_phrase_opens(
    qtbot: QtBot, window: MainWindow, kv_home: Path
) -> None:
    """The phrase guard (issue 13), through the same core function as the CLI: the right
    BIP39 passphrase names the item; one letter off opens another wallet, and says so."""
    create_vault_with_wizard(qtbot, window)
    add_phrase_item(kv_home, "savings", Secret(VALID_12), bip39_passphrase=Secret("correct horse"))
    tab = open_screen(window, "phrases", SeedPhrasesView).inspect_tab
    tab.phrase.edit.setText(VALID_12)
    assert _inspect_guard(qtbot, tab, "correct horse") == "matches item 'savings'"
    assert _inspect_guard(qtbot, tab, "correct horsf") == NO_MATCH
    assert NO_MATCH.startswith("matches none of your recorded wallets")
    # Without the passphrase it is yet another wallet: none matches either.
    assert _inspect_guard(qtbot, tab, "") == NO_MATCH


def test_inspect_without_records_says_nothing_of_them(qtbot: QtBot, window: MainWindow) -> None:
    tab = open_screen(window, "phrases", SeedPhrasesView).inspect_tab
    tab.phrase.edit.setText(VALID_12)
    tab.inspect_button.click()
    qtbot.waitUntil(lambda: tab.fingerprint.text() != "", timeout=10_000)
    assert tab.guard.text() == ""


def test_check_tab_names_the_item_a_valid_phrase_opens(
    qtbot: QtBot, window: MainWindow, kv_home: Path
) -> None:
    create_vault_with_wizard(qtbot, window)
    add_phrase_item(kv_home, "spending", Secret(VALID_12))
    tab = open_screen(window, "phrases", SeedPhrasesView).check_tab
    tab.phrase.edit.setText(VALID_12)
    tab.check_now()
    qtbot.waitUntil(lambda: tab.guard.text() != "", timeout=10_000)
    assert tab.guard.text() == "matches item 'spending'"
    other = " ".join(["abandon"] * 11 + ["about"])
    tab.phrase.edit.setText(other)
    tab.check_now()
    qtbot.waitUntil(lambda: tab.guard.text().startswith(NO_MATCH), timeout=10_000)
