"""Through the real CLI: a tool keyvault starts never inherits keyvault's secrets."""

from __future__ import annotations

import os
from pathlib import Path

from .helpers import run_cli

SECRETS = {
    "KEYVAULT_PASSPHRASE": "correct horse battery staple",
    "B2_APPLICATION_KEY": "K005secretsecretsecret",
    "B2_APPLICATION_KEY_ID": "005keyid",
}


def test_pdftoppm_started_by_scan_gets_no_secret(kv_home: Path, tmp_path: Path) -> None:
    tools = tmp_path / "bin"
    tools.mkdir()
    seen = tmp_path / "environment.txt"
    # A stand-in pdftoppm that records the environment it was given and fails.
    fake = tools / "pdftoppm"
    fake.write_text(f"#!/bin/sh\nenv > '{seen}'\nexit 1\n")
    fake.chmod(0o755)
    document = tmp_path / "kit.pdf"
    document.write_bytes(b"%PDF-1.4\n%%EOF\n")
    path = f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"
    result = run_cli("--json", "scan", str(document), home=kv_home, env={**SECRETS, "PATH": path})
    assert result.code == 1 and "Traceback" not in result.stderr
    recorded = seen.read_text()
    assert "KEYVAULT_HOME=" in recorded  # the child ran, with the harmless variables
    for name, value in SECRETS.items():
        assert name not in recorded and value not in recorded
