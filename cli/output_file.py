"""Writing a command's ``-o FILE``: never over an existing file unless ``--force``.

The writer itself is atomic and decides the mode (0600 for anything secret); this module
only turns the two ways a write can fail into typed errors: a taken name, and any
``OSError``, which becomes :func:`~keyvault.errors.from_os_error`'s error naming the file
the user asked for (never the writer's temp name), so a full, read-only or forbidden disk
reads the same as in ``restore`` or the desktop app. For output written as a stream
(``encrypt``/``decrypt``), :func:`output_stream` does both at once.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click

from keyvault.atomic import atomic_writer
from keyvault.errors import AlreadyExistsError, from_os_error

__all__ = ["check_free", "force_option", "output_option", "output_stream", "write_output"]

F = TypeVar("F", bound=Callable[..., Any])


def output_option(help_text: str) -> Callable[[F], F]:
    """``-o/--output FILE`` (required) as ``output_path: Path``."""
    return click.option(
        "-o",
        "--output",
        "output_path",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=help_text,
    )


def force_option(func: F) -> F:
    """``--force``: replace the output file if it exists."""
    return click.option("--force", is_flag=True, help="Replace the output file if it exists.")(func)


def _exists(path: Path) -> AlreadyExistsError:
    return AlreadyExistsError(f"{path} already exists", hint="use --force to replace it")


def check_free(path: Path, force: bool) -> None:
    """Raise :class:`AlreadyExistsError` if ``path`` exists and ``force`` is off.

    Called before any slow or secret work, so a taken name fails fast; :func:`write_output`
    still catches a file that appears in between.
    """
    if path.exists() and not force:
        raise _exists(path)


def write_output(path: Path, write: Callable[[], object]) -> None:
    """Run ``write`` (an atomic write to ``path`` that raises ``FileExistsError`` when it
    must not replace the file): a taken name becomes :class:`AlreadyExistsError`, any other
    ``OSError`` the :func:`~keyvault.errors.from_os_error` error naming ``path``."""
    try:
        write()
    except FileExistsError:
        raise _exists(path) from None
    except OSError as exc:
        raise from_os_error(exc, path=path) from None


class _OutputFile:
    """The atomic writer's file, whose write errors (a full disk) are typed and name it."""

    def __init__(self, handle: BinaryIO, path: Path) -> None:
        self._handle = handle
        self._path = path

    def write(self, data: bytes | memoryview, /) -> int:
        try:
            return self._handle.write(data)
        except OSError as exc:
            raise from_os_error(exc, path=self._path) from None


@contextlib.contextmanager
def output_stream(path: Path, force: bool) -> Iterator[_OutputFile]:
    """An atomic writer for ``path`` (0600) that fails only with typed errors.

    An existing ``path`` raises :class:`AlreadyExistsError` unless ``force``; any failure
    to create, write, flush or rename the output (full or read-only disk, no permission)
    raises the :func:`~keyvault.errors.from_os_error` error naming ``path``. On any error,
    nothing is left: neither a partial file nor the temp file. An ``OSError`` raised by
    the body itself (reading the input) passes through unchanged.
    """
    from_body: list[BaseException] = []
    try:
        with atomic_writer(path, overwrite=force, stream=True) as handle:
            try:
                yield _OutputFile(handle, path)
            except BaseException as exc:
                from_body.append(exc)
                raise
    except OSError as exc:
        if exc in from_body:
            raise
        if isinstance(exc, FileExistsError):
            raise _exists(path) from None
        raise from_os_error(exc, path=path) from None
