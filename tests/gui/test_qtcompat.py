"""The emit() workaround keeps True's reference count steady whatever PySide6 does."""

from __future__ import annotations

import sys

from keyvault_gui.qtcompat import emit
from PySide6.QtCore import QObject, Signal


class _Source(QObject):
    number = Signal(int)
    nothing = Signal()


def test_many_emits_leave_the_reference_count_of_true_unchanged() -> None:
    source = _Source()
    received: list[int] = []
    source.number.connect(received.append)
    source.nothing.connect(lambda: None)
    emit(source.nothing)  # the first call measures PySide6 once (and caches the answer)
    received.clear()
    before = sys.getrefcount(True)
    for value in range(2000):
        emit(source.number, value)
        emit(source.nothing)
    # Unpatched PySide6 6.12.0 would have taken 4,000 references away; a handful of
    # unrelated objects holding True may come and go meanwhile.
    assert abs(sys.getrefcount(True) - before) < 50
    assert received == list(range(2000))
