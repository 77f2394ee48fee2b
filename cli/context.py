"""The per-invocation state every command receives: config dir and output settings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from .output import Output

__all__ = ["AppContext", "get_app", "pass_app"]


@dataclass
class AppContext:
    """What the root group parsed: where local state lives and how to print."""

    config_dir_option: str | None
    output: Output

    @property
    def home(self) -> Path:
        """The config dir (``--config-dir``, ``KEYVAULT_HOME`` or the platform default)."""
        from keyvault.vault.home import resolve_home  # platformdirs: only when used

        return resolve_home(self.config_dir_option)


def get_app() -> AppContext:
    """The AppContext of the running command."""
    ctx = click.get_current_context()
    app = ctx.find_object(AppContext)
    if app is None:  # a command invoked outside the root group (tests)
        app = AppContext(None, Output())
        ctx.obj = app
    return app


pass_app = click.make_pass_decorator(AppContext, ensure=False)
