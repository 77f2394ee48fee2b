"""Copy a secret to the clipboard only on request, and take it back after 30 seconds.

The clipboard is shared with every other program, so a copied phrase is marked for
clipboard managers not to keep (the ``x-kde-passwordManagerHint`` convention) and is
cleared after :data:`CLEAR_AFTER_MS`, unless the user has copied something else since.
Only a hash of the copied text is kept to recognise it; the text itself is not.
"""

from __future__ import annotations

import hashlib
import hmac

from PySide6.QtCore import QMimeData, QObject, QTimer
from PySide6.QtGui import QGuiApplication

from keyvault.secret import Secret

__all__ = ["CLEAR_AFTER_MS", "SecretClipboard", "shared_clipboard"]

CLEAR_AFTER_MS = 30_000


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class SecretClipboard(QObject):
    """Puts secrets on the system clipboard and clears them after a delay."""

    def __init__(self, parent: QObject | None = None, *, clear_after_ms: int = CLEAR_AFTER_MS):
        super().__init__(parent)
        self.clear_after_ms = clear_after_ms
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.clear_now)
        self._copied: bytes | None = None

    def copy(self, secret: Secret) -> None:
        """Copy ``secret`` (as text) and schedule its removal."""
        text = secret.reveal_text()
        mime = QMimeData()
        mime.setText(text)
        # Clipboard managers (KDE Klipper, many others) skip entries carrying this hint.
        mime.setData("x-kde-passwordManagerHint", b"secret")
        QGuiApplication.clipboard().setMimeData(mime)
        self._copied = _digest(text)
        self._timer.start(self.clear_after_ms)

    @property
    def pending(self) -> bool:
        """True while a copied secret waits to be cleared."""
        return self._copied is not None

    def clear_now(self) -> None:
        """Clear the clipboard if it still holds the secret copied here."""
        self._timer.stop()
        if self._copied is None:
            return
        clipboard = QGuiApplication.clipboard()
        if hmac.compare_digest(_digest(clipboard.text()), self._copied):
            clipboard.clear()
        self._copied = None


def shared_clipboard() -> SecretClipboard:
    """The application's one :class:`SecretClipboard` (cleared when the app quits)."""
    app = QGuiApplication.instance()
    if app is None:
        raise RuntimeError("create the QApplication first")
    found = app.findChild(SecretClipboard, "sharedSecretClipboard")
    if isinstance(found, SecretClipboard):
        return found
    created = SecretClipboard(app)
    created.setObjectName("sharedSecretClipboard")
    app.aboutToQuit.connect(created.clear_now)
    return created
