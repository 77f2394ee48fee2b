"""Work around a reference-count bug in PySide6 6.12.0's ``SignalInstance.emit``.

In PySide6 6.12.0, ``emit()`` called from Python returns ``True`` without taking a
reference to it, so every call takes one reference away from ``True``. On Python
3.11 (where ``True`` is not immortal) a long-running app, or a test session, eventually
drops ``True``'s count to zero and CPython aborts ("bool_dealloc: deallocating True or
False"). PySide6 6.11 is not affected.

Every signal the GUI emits from Python goes through :func:`emit`, which detects the bug
once (by measuring) and gives the missing reference back. With a fixed PySide6 it is a
plain ``emit``.
"""

from __future__ import annotations

import ctypes
import sys
from functools import cache
from typing import Any

from PySide6.QtCore import QObject, Signal

__all__ = ["emit", "emit_leaks_a_reference"]


class _Probe(QObject):
    fired = Signal()


@cache
def emit_leaks_a_reference() -> bool:
    """True when this PySide6's ``emit()`` returns a value it holds no reference to."""
    probe = _Probe()
    fire: Any = probe.fired.emit  # typed as returning None; it returns a bool
    before = sys.getrefcount(True)
    kept = [fire() for _ in range(8)]
    del kept  # dropping the results releases 8 references: they must have been taken
    leaked = before - sys.getrefcount(True)
    for _ in range(max(0, leaked)):
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(True))
    return leaked > 0


def emit(signal: Any, *args: Any) -> None:
    """``signal.emit(*args)``, with the reference PySide6 6.12.0 drops given back."""
    result = signal.emit(*args)
    if result is not None and emit_leaks_a_reference():
        ctypes.pythonapi.Py_IncRef(ctypes.py_object(result))
