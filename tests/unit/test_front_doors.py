"""Each package's ``__init__`` is its front door: ``__all__`` names exactly its public
modules, every one of them exists, and nothing private is advertised (pinned here)."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import keyvault
import keyvault.backup
import keyvault.destinations

FRONT_DOORS = {
    "keyvault.backup": [
        "catalog",
        "drill",
        "drilldates",
        "engine",
        "manifest",
        "originals",
        "policy",
        "proof",
        "reports",
        "restore",
        "retention",
        "room",
        "run",
        "sealcheck",
        "setup",
        "sharedrill",
        "snapshot",
        "sources",
        "status",
        "transfer",
        "untar",
        "verify",
    ],
    "keyvault.destinations": [
        "b2",
        "base",
        "factory",
        "local",
        "memory",
        "mounts",
        "wrappers",
    ],
    "keyvault.wallets": [
        "copy",
        "discover",
        "formats",
        "identity",
        "locations",
        "node",
        "scanners",
    ],
}


@pytest.mark.parametrize("package", sorted(FRONT_DOORS))
def test_all_is_pinned_and_names_every_public_module(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == FRONT_DOORS[package]
    found = {
        info.name for info in pkgutil.iter_modules(module.__path__) if not info.name.startswith("_")
    }
    assert found == set(module.__all__), "a public module is missing from __all__ or gone"


def test_backup_exports_are_pinned() -> None:
    """The engine's public names (what the CLI and the GUI call) stay as they are."""
    from keyvault.backup import engine

    assert sorted(engine.__all__) == sorted(
        [
            "DEFAULT_GRACE",
            "BackupReport",
            "CopyCheck",
            "DestResult",
            "ItemResult",
            "ProgressEvent",
            "ProgressFn",
            "RecoverReport",
            "RepairReport",
            "RestoreResult",
            "StatusReport",
            "VerifiedDest",
            "VerifyReport",
            "backup",
            "list_source",
            "open_destinations",
            "recover",
            "recover_from_source",
            "repair",
            "restore",
            "status",
            "verify",
        ]
    )
    for name in engine.__all__:
        assert hasattr(engine, name), name


def test_the_package_docstring_names_only_what_exists() -> None:
    """The top-level front door once advertised a ``VaultKey`` that did not exist."""
    assert "VaultKey" not in (keyvault.__doc__ or "")
    from keyvault.crypto import X25519Identity, vaultkey

    assert callable(vaultkey.identity_to_words) and callable(vaultkey.identity_from_words)
    assert X25519Identity is not None


def test_the_error_tree_at_the_top_of_errors_names_every_error() -> None:
    """errors.py draws its tree in its docstring; a class appended later must appear in it."""
    from keyvault import errors

    tree = (errors.__doc__ or "").split("::", 1)[1]
    drawn = {line.strip(" |`-").split(" ")[0] for line in tree.splitlines() if line.strip()}
    classes = {
        name
        for name in errors.__all__
        if isinstance(getattr(errors, name), type)
        and issubclass(getattr(errors, name), errors.KeyvaultError)
    }
    assert drawn == classes
