"""The CLI's conventions: lazy imports, --json anywhere, exit codes, no secrets in argv."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import click
import pytest
from keyvault_cli.main import cli
from keyvault_cli.registry import COMMANDS

from .helpers import run_cli

HEAVY = ("PySide6", "b2sdk", "reportlab", "embit", "zxingcpp")


def test_help_imports_no_heavy_module() -> None:
    code = (
        "import sys\n"
        "from keyvault_cli.main import main\n"
        "rc = main(['--help'])\n"
        f"heavy = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip().splitlines()[-1] == "HEAVY:", proc.stdout


def test_version() -> None:
    result = run_cli("--version")
    assert result.code == 0
    assert "keyvault, version" in result.stdout


def test_unknown_command_is_usage_error() -> None:
    result = run_cli("no-such-command")
    assert result.code == 2


def test_json_usage_error_is_one_object_after_subcommand() -> None:
    result = run_cli("no-such-command", "--json")
    assert result.code == 2
    document = json.loads(result.stdout)
    assert document["schema"] == 1
    assert document["error"]["type"] == "UsageError"


SECRET_WORDS = ("passphrase", "password", "phrase", "mnemonic", "secret", "share", "words", "seed")


def _all_commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, (target, _) in COMMANDS.items():
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        stack: list[tuple[str, click.Command]] = [(name, getattr(module, attribute))]
        while stack:
            path, command = stack.pop()
            found.append((path, command))
            if isinstance(command, click.Group):
                stack.extend((f"{path} {sub}", c) for sub, c in command.commands.items())
    return found


def test_no_option_takes_a_secret_value() -> None:
    """Options whose name mentions a secret are switches or name a file, never the secret itself."""
    offenders = []
    for path, command in [("", cli), *_all_commands()]:
        for param in command.params:
            if not isinstance(param, click.Option):
                continue
            for opt in param.opts + param.secondary_opts:
                lowered = opt.lower()
                if not any(word in lowered for word in SECRET_WORDS):
                    continue
                takes_value = not param.is_flag and not param.count
                # A count (--words 24, --shares 5) or a fixed choice cannot carry a secret.
                harmless_type = isinstance(param.type, (click.types.IntParamType, click.Choice))
                if harmless_type:
                    continue
                names_a_file = lowered.endswith("-file") or lowered.endswith("-files")
                if takes_value and not names_a_file:
                    offenders.append(f"keyvault {path} {opt}")
    assert offenders == []


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_registry_targets_are_importable_or_absent(name: str) -> None:
    module_name, attribute = COMMANDS[name][0].split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        assert exc.name == module_name, f"{module_name} is present but fails to import: {exc}"
        return
    assert isinstance(getattr(module, attribute), click.Command)
