"""The GUI's own settings (window geometry, the last screen): never a secret.

They live in ``gui.ini`` inside the keyvault config dir (so ``KEYVAULT_HOME`` relocates
them with everything else). Only the keys in :data:`ALLOWED_KEYS` can be written, and
only numbers, short plain strings and byte blobs from Qt (geometry), which makes it
impossible for a view to persist a phrase or a passphrase by accident.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

__all__ = ["ALLOWED_KEYS", "GuiSettings"]

SETTINGS_FILE = "gui.ini"

#: Every key the GUI may store, with what it holds.
ALLOWED_KEYS: dict[str, str] = {
    "window/geometry": "main window geometry (Qt saveGeometry bytes)",
    "window/state": "main window dock and toolbar state (Qt saveState bytes)",
    "window/page": "index of the last screen shown",
    "tray/keep_running": "1 when closing the window leaves the tray icon running",
}


class GuiSettings:
    """Read and write the allowed GUI settings in ``home/gui.ini``."""

    def __init__(self, home: Path) -> None:
        self.path = Path(home) / SETTINGS_FILE
        self._settings = QSettings(str(self.path), QSettings.Format.IniFormat)

    def set(self, key: str, value: int | QByteArray) -> None:
        """Store ``value`` under ``key``; anything not in :data:`ALLOWED_KEYS` is refused."""
        if key not in ALLOWED_KEYS:
            raise ValueError(f"{key!r} is not a GUI setting")
        if not isinstance(value, (int, QByteArray)):
            raise TypeError("GUI settings hold numbers and Qt state blobs only")
        if not self.path.parent.is_dir():
            return  # no config dir yet (first run before the vault exists): nothing to keep
        self._settings.setValue(key, value)

    def get_int(self, key: str, default: int = 0) -> int:
        """An integer setting, or ``default``."""
        value = self._settings.value(key, default)
        if isinstance(value, (int, str)):
            try:
                return int(value)
            except ValueError:
                return default
        return default

    def get_bytes(self, key: str) -> QByteArray | None:
        """A byte-blob setting, or None."""
        value = self._settings.value(key)
        return value if isinstance(value, QByteArray) else None

    def sync(self) -> None:
        """Write pending changes to disk."""
        self._settings.sync()
