"""Refuse to run on a Qt binding that corrupts Python's reference counts.

PySide6-Essentials 6.12.0 (with shiboken6 6.12.0), measured here on CPython 3.11, takes a
reference away from ``None`` on every call of a C++ method that returns void
(``setText``, ``setValue``...) and from ``True`` on every ``Signal.emit()``. A GUI makes
such calls constantly, so the count reaches zero within minutes and CPython aborts
("none_dealloc: deallocating None"), possibly during a backup. PySide6 6.11.3 does not do
this; CPython 3.12+ makes ``None`` immortal, which hides it. ``pyproject.toml`` excludes
6.12.0; this check catches an environment that has it anyway, before any window opens.
"""

from __future__ import annotations

import sys

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject

__all__ = ["BrokenBindingError", "binding_is_sound", "check_binding"]

_CALLS = 256


class BrokenBindingError(RuntimeError):
    """The installed PySide6 breaks Python's reference counting: the app would crash."""


def binding_is_sound() -> bool:
    """True when void method calls leave ``None``'s reference count alone."""
    probe = QObject()
    before = sys.getrefcount(None)
    for _ in range(_CALLS):
        probe.setObjectName("probe")
    # Other threads may create or drop a few references meanwhile; a broken binding
    # takes one per call.
    return sys.getrefcount(None) > before - _CALLS // 2


def check_binding() -> None:
    """Raise :class:`BrokenBindingError` (with what to do) on a broken PySide6."""
    if not binding_is_sound():
        raise BrokenBindingError(
            f"PySide6 {pyside_version} corrupts Python's reference counts and would crash "
            "the app; install another version: pip install 'PySide6-Essentials!=6.12.0'"
        )
