"""The Qt binding keeps Python's reference counts (PySide6 6.12.0 did not: see
keyvault_gui.binding_check); a broken one would abort the test run at exit instead."""

from __future__ import annotations

from keyvault_gui.binding_check import binding_is_sound, check_binding


def test_the_installed_pyside6_keeps_reference_counts() -> None:
    assert binding_is_sound()
    check_binding()
