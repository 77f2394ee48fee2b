"""``keyvault gui``: present in the CLI, and a friendly message when PySide6 is missing."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import run_cli


def test_gui_check_reports_the_app_available(kv_home: Path) -> None:
    result = run_cli("--json", "gui", "--check", home=kv_home)
    assert result.code == 0, result.stderr
    assert result.json()["gui"] == "available"


def test_gui_without_pyside6_says_how_to_install(kv_home: Path, tmp_path: Path) -> None:
    # A PySide6 that cannot be imported, placed first on the path (a broken install).
    fake = tmp_path / "shadow" / "PySide6"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no Qt here', name='PySide6')\n")
    result = run_cli("gui", home=kv_home, env={"PYTHONPATH": str(tmp_path / "shadow")})
    assert result.code == 1
    assert "needs PySide6" in result.stderr
    assert "keyvault-backup" not in result.stderr
    assert "pip install -e '.[gui]'" in result.stderr
    assert "Traceback" not in result.stderr


def test_gui_install_hint_names_the_owners_release_source(kv_home: Path, tmp_path: Path) -> None:
    fake = tmp_path / "shadow" / "PySide6"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no Qt here', name='PySide6')\n")
    digest = "ab" * 32
    result = run_cli(
        "gui",
        home=kv_home,
        env={
            "PYTHONPATH": str(tmp_path / "shadow"),
            "KEYVAULT_RELEASE_URL": "https://example.org/keyvault/releases",
            "KEYVAULT_RELEASE_SHA256": digest,
        },
    )
    assert result.code == 1
    assert "install keyvault from https://example.org/keyvault/releases" in result.stderr
    assert digest in result.stderr
    assert "pip install" not in result.stderr
