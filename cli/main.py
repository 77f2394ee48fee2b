"""The ``keyvault`` command: the root group, lazy subcommands and the one error mapping.

Every exception leaves through :func:`main`, which turns it into a message (or a JSON
error object with ``--json``) and an exit code: 0 ok, 1 error, 2 usage, 3 policy not met,
4 a copy missing or damaged. Tracebacks are shown only with ``-vv``.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import logging
import sys
from collections.abc import Sequence
from typing import Any

import click

from keyvault import __version__
from keyvault.errors import ExitCode, KeyvaultError, from_os_error

from .context import AppContext
from .output import Output
from .registry import COMMANDS

__all__ = ["cli", "main"]


def _module_present(target: str) -> bool:
    module = target.split(":", 1)[0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


def _import_command_module(name: str) -> object:
    """Import a command's module, the first time with the cyclic GC paused.

    The import creates tens of thousands of objects (classes, functions, the crypto and
    vault modules) that live as long as the process; collections in the middle of it
    find nothing to free and cost about 10 ms of a command's start. ``gc.freeze`` then
    keeps later collections from walking them again.
    """
    if name in sys.modules:
        return sys.modules[name]
    enabled = gc.isenabled()
    gc.disable()
    try:
        module = importlib.import_module(name)
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
    return module


class LazyGroup(click.Group):
    """A group whose subcommands are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(name for name, (target, _) in COMMANDS.items() if _module_present(target))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        entry = COMMANDS.get(cmd_name)
        if entry is None or not _module_present(entry[0]):
            return None
        module_name, attribute = entry[0].split(":", 1)
        command = getattr(_import_command_module(module_name), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{entry[0]} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from the registry so that --help imports no command module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--json", "json_mode", is_flag=True, help="Print one JSON object on stdout.")
@click.option(
    "--config-dir",
    metavar="DIR",
    envvar="KEYVAULT_HOME",
    default=None,
    help="Keep local state in DIR (default: KEYVAULT_HOME, else the user config dir).",
)
@click.option("-v", "--verbose", count=True, help="More detail on stderr (-vv: tracebacks).")
@click.version_option(__version__, "--version", prog_name="keyvault")
@click.pass_context
def cli(ctx: click.Context, json_mode: bool, config_dir: str | None, verbose: int) -> None:
    """keyvault keeps cryptocurrency keys from being lost.

    Secrets (phrases, passphrases) are never taken as option values: they come from a
    prompt, stdin, a file named by a --...-file option, or KEYVAULT_PASSPHRASE.
    """
    ctx.obj = AppContext(config_dir, Output(json_mode=json_mode, verbose=verbose))
    logging.basicConfig(
        level=logging.DEBUG if verbose >= 2 else logging.INFO if verbose else logging.WARNING,
        format="keyvault: %(message)s",
    )


def _split_json_flag(args: list[str]) -> tuple[list[str], bool]:
    """Accept ``--json`` anywhere before ``--`` (before or after the subcommand)."""
    out: list[str] = []
    found = False
    for index, arg in enumerate(args):
        if arg == "--":
            out.extend(args[index:])
            break
        if arg == "--json":
            found = True
            continue
        out.append(arg)
    return out, found


def _report(output: Output, type_name: str, message: str, hint: str | None) -> None:
    if output.json_mode:
        sys.stdout.write(output.error_document(type_name, message, hint) + "\n")
        sys.stdout.flush()
    else:
        sys.stderr.write(f"keyvault: error: {message}\n")
        if hint:
            sys.stderr.write(f"keyvault: hint: {hint}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return (or, as the console script, exit with) the exit code."""
    raw = list(sys.argv[1:] if argv is None else argv)
    args, json_mode = _split_json_flag(raw)
    if json_mode:
        args = ["--json", *args]
    output = Output(json_mode=json_mode, verbose=sum(a in ("-v", "--verbose") for a in args))
    code: Any
    try:
        code = cli.main(args=args, prog_name="keyvault", standalone_mode=False)
    except KeyvaultError as exc:
        if output.verbose >= 2:
            logging.getLogger("keyvault").exception("details")
        _report(output, exc.type_name, exc.message, exc.hint)
        code = exc.exit_code
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.Abort:
        sys.stderr.write("keyvault: aborted\n")
        code = ExitCode.ERROR
    except click.UsageError as exc:
        if output.json_mode:
            _report(output, "UsageError", exc.format_message(), None)
        else:
            exc.show()
        code = ExitCode.USAGE
    except click.ClickException as exc:
        _report(output, "Error", exc.format_message(), None)
        code = ExitCode.ERROR
    except KeyboardInterrupt:
        sys.stderr.write("keyvault: interrupted\n")
        code = 130
    except BrokenPipeError:
        code = ExitCode.ERROR
    except OSError as exc:
        # A full, read-only or forbidden disk that no command handled (an output folder,
        # mostly): the same typed report as every other error, never a traceback.
        error = from_os_error(exc)
        _report(output, error.type_name, error.message, error.hint)
        code = error.exit_code
    if code is None:
        code = ExitCode.OK
    if argv is None:
        sys.exit(int(code))
    return int(code)


if __name__ == "__main__":
    main()
