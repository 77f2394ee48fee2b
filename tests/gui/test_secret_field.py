"""Secret fields: masked by default, reveal toggle, copy only on request, cleared after use."""

from __future__ import annotations

from keyvault_gui.widgets.clipboard import CLEAR_AFTER_MS, SecretClipboard
from keyvault_gui.widgets.secret_field import SecretField, SecretView
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLineEdit
from pytestqt.qtbot import QtBot

from keyvault.secret import Secret

WORDS = "legal winner thank year wave sausage worth useful legal winner thank yellow"


def test_field_is_masked_until_revealed(qtbot: QtBot) -> None:
    field = SecretField()
    qtbot.addWidget(field)
    assert field.edit.echoMode() == QLineEdit.EchoMode.Password
    qtbot.keyClicks(field.edit, "hunter2")
    assert field.edit.displayText() != "hunter2"
    field.reveal_button.click()
    assert field.edit.echoMode() == QLineEdit.EchoMode.Normal
    assert field.edit.displayText() == "hunter2"
    field.reveal_button.click()
    assert not field.revealed


def test_field_gives_a_secret_and_its_signal_carries_no_text(qtbot: QtBot) -> None:
    field = SecretField()
    qtbot.addWidget(field)
    with qtbot.waitSignal(field.changed) as blocker:
        field.edit.setText("abc")
    assert blocker.args == []
    secret = field.secret()
    assert isinstance(secret, Secret)
    assert secret.reveal_text() == "abc"
    assert "abc" not in repr(secret)
    field.clear()
    assert field.is_empty()


def test_copy_only_on_click_and_cleared_after_the_delay(qtbot: QtBot) -> None:
    clipboard = QGuiApplication.clipboard()
    clipboard.setText("something else")
    store = SecretClipboard(clear_after_ms=50)
    field = SecretField(copyable=True, clipboard=store)
    qtbot.addWidget(field)
    field.edit.setText(WORDS)
    assert clipboard.text() == "something else"  # typing alone copies nothing
    assert field.copy_button is not None
    field.copy_button.click()
    assert clipboard.text() == WORDS
    assert clipboard.mimeData().data("x-kde-passwordManagerHint").data() == b"secret"
    qtbot.waitUntil(lambda: clipboard.text() == "", timeout=5_000)
    assert not store.pending


def test_clipboard_left_alone_when_the_user_copied_something_else(qtbot: QtBot) -> None:
    clipboard = QGuiApplication.clipboard()
    store = SecretClipboard(clear_after_ms=50)
    store.copy(Secret(WORDS))
    clipboard.setText("the user's own text")
    qtbot.waitUntil(lambda: not store.pending, timeout=5_000)
    assert clipboard.text() == "the user's own text"


def test_default_delay_is_thirty_seconds() -> None:
    assert CLEAR_AFTER_MS == 30_000


def test_view_is_masked_and_wipes_the_old_secret(qtbot: QtBot) -> None:
    view = SecretView()
    qtbot.addWidget(view)
    first = Secret(WORDS)
    view.set_secret(first)
    assert WORDS not in view.label.text()
    view.reveal_button.click()
    assert view.label.text() == WORDS
    view.set_secret(Secret("other"))
    assert first.is_empty()  # wiped when replaced
    assert not view.revealed
