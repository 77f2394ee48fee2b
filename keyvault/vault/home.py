"""Where keyvault keeps its local state.

``--config-dir`` (passed in as ``explicit``) wins, then ``KEYVAULT_HOME``, then the
platform's user config dir (platformdirs). Tests relocate everything with KEYVAULT_HOME.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

__all__ = ["ENV_HOME", "ensure_home", "resolve_home"]

ENV_HOME = "KEYVAULT_HOME"


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config dir to use (not created)."""
    if explicit:
        return Path(explicit).expanduser().absolute()
    env = os.environ.get(ENV_HOME)
    if env:
        return Path(env).expanduser().absolute()
    return Path(platformdirs.user_config_dir("keyvault", appauthor=False))


def ensure_home(home: Path) -> Path:
    """Create ``home`` with mode 0700 if missing and return it."""
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    return home
