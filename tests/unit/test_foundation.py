"""errors, Secret and atomic writes: the contracts everything else relies on."""

from __future__ import annotations

import os
import pickle
import stat
from pathlib import Path

import pytest

from keyvault import errors
from keyvault.atomic import TEMP_PREFIX, atomic_write, atomic_writer
from keyvault.secret import Secret


def test_every_error_has_user_ready_doc_and_lowercase_message() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        if not (isinstance(cls, type) and issubclass(cls, errors.KeyvaultError)):
            continue
        message = str(cls())
        assert message, name
        assert message[0].islower(), name
        assert not message.endswith("."), name


def test_exit_codes() -> None:
    assert errors.ExitCode.POLICY_NOT_MET == 3
    assert errors.ObjectNotFoundError().exit_code == 4
    assert errors.WrongPassphraseError().exit_code == 1
    assert isinstance(errors.WrongPassphraseError(), errors.NoMatchingIdentityError)


def test_secret_never_prints() -> None:
    s = Secret("correct horse battery staple")
    for text in (repr(s), str(s), f"{s}", f"{s!r}", f"{s}", repr([s])):
        assert "horse" not in text
    assert s.reveal() == b"correct horse battery staple"
    assert s.equals(Secret("correct horse battery staple"))
    assert not s.equals(Secret("other"))
    assert s != Secret("correct horse battery staple")
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_secret_wipe() -> None:
    s = Secret(b"abc")
    s.wipe()
    assert s.reveal() == b""
    assert s.is_empty()


def test_atomic_write_mode_and_content(tmp_path: Path) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"one")
    assert target.read_bytes() == b"one"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    atomic_write(target, b"two", mode=0o644)
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_atomic_write_failure_keeps_old_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"good")
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write(b"partial")
        raise RuntimeError("crash")
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


def test_atomic_write_no_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "f"
    atomic_write(target, b"first")
    with pytest.raises(FileExistsError):
        atomic_write(target, b"second", overwrite=False)
    assert target.read_bytes() == b"first"
    assert os.listdir(tmp_path) == ["f"]


def test_config_round_trip(tmp_path: Path) -> None:
    from keyvault.vault.config import (
        Config,
        DestinationConfig,
        ItemConfig,
        VaultSection,
        load_config,
        save_config,
    )

    assert load_config(tmp_path).vault is None
    config = Config(
        vault=VaultSection(id="v1", recipient="age1xyz", created="2026-01-01T00:00:00Z")
    )
    config.destinations.append(
        DestinationConfig(name="usb", type="local", media="external", options={"path": "/mnt/usb"})
    )
    config.items.append(ItemConfig(name="w", kind="file", added="2026-01-01", path="/x"))
    save_config(tmp_path, config)
    assert stat.S_IMODE((tmp_path / "config.toml").stat().st_mode) == 0o600
    again = load_config(tmp_path)
    assert again == config


def test_config_damaged_is_typed_error(tmp_path: Path) -> None:
    from keyvault.vault.config import load_config

    (tmp_path / "config.toml").write_text("vault = [[[")
    with pytest.raises(errors.ConfigError):
        load_config(tmp_path)
