"""The kit says where keyvault comes from: the owner's recorded source, never a package."""

from __future__ import annotations

from pathlib import Path

from keyvault.crypto import X25519Identity
from keyvault.paper import kit, render
from keyvault.release import ReleaseSource

from .test_kit import DAY, _config, _pdftotext


def _text(document: object, tmp_path: Path) -> str:
    return " ".join(_pdftotext(render.render_pdf(document), tmp_path).split())  # type: ignore[arg-type]


def test_kit_names_the_recorded_release_source_and_its_digest(tmp_path: Path) -> None:
    identity = X25519Identity.generate()
    digest = "5e" * 32
    source = ReleaseSource("https://example.org/kv/releases", digest)
    text = _text(
        kit.recovery_kit(_config(identity), day=DAY, identity=identity, release=source), tmp_path
    )
    assert "install keyvault from https://example.org/kv/releases" in text
    assert digest in text
    assert "needs no keyvault at all" in text
    assert "keyvault-backup" not in text


def test_kit_without_a_recorded_source_sends_the_heir_to_standard_tools(tmp_path: Path) -> None:
    identity = X25519Identity.generate()
    shares = kit.split_vault_key(identity, 2, 2)
    text = _text(kit.recovery_kit(_config(identity), day=DAY, shares=shares, threshold=2), tmp_path)
    assert "did not record where to download keyvault" in text
    assert "needs no keyvault at all" in text
    assert "keyvault-backup" not in text
