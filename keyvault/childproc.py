"""Every child process keyvault starts, started one way: without keyvault's secrets.

keyvault is given secrets through its environment (``KEYVAULT_PASSPHRASE``, the B2
application key) and a child inherits the whole environment unless told otherwise. So
every tool keyvault runs (``pdftoppm``, ``blkid``, ``diskutil``, ``systemctl``,
``launchctl``, ``schtasks``, desktop notifiers, the user's hooks) is started
through :func:`run` or :func:`start`, which pass :func:`scrub_environment` of the
environment: :data:`SECRET_ENV_NAMES` and every name that looks like a secret are gone.

The one child that needs keyvault's own secrets is keyvault itself (a scheduled step):
its caller names them in ``keep``. A test keeps ``subprocess`` out of every other module.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Collection, Mapping, Sequence

__all__ = ["SECRET_ENV_NAMES", "run", "scrub_environment", "start"]

#: Exactly the names keyvault reads secrets from (the CLI's passphrase, the B2 key; a
#: test keeps them in step); :func:`scrub_environment` removes these and anything like them.
SECRET_ENV_NAMES = frozenset({"KEYVAULT_PASSPHRASE", "B2_APPLICATION_KEY", "B2_APPLICATION_KEY_ID"})
_SECRET_LIKE = re.compile(
    r"PASSPHRASE|PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL|PRIVATE|MNEMONIC|COOKIE|"
    r"APPLICATION_KEY|ACCESS_KEY|API_?KEY|AUTH|(^|_)KEY(_ID)?$|(^|_)SEED($|_)",
    re.IGNORECASE,
)
#: Kept although they match the pattern: harmless and needed by desktop tools.
_KEEP = frozenset({"SSH_AUTH_SOCK", "XAUTHORITY"})


def scrub_environment(
    env: Mapping[str, str] | None = None, *, keep: Collection[str] = ()
) -> dict[str, str]:
    """A copy of ``env`` (default: ``os.environ``) without any secret but those in ``keep``.

    Removes :data:`SECRET_ENV_NAMES` and every name that looks like a secret
    (``*PASSWORD*``, ``*TOKEN*``, ``*SECRET*``, ``AWS_SECRET_ACCESS_KEY``, ``*_KEY``, ...).
    """
    source = os.environ if env is None else env
    return {
        name: value
        for name, value in source.items()
        if name in keep
        or name in _KEEP
        or (name not in SECRET_ENV_NAMES and not _SECRET_LIKE.search(name))
    }


def _environment(
    env: Mapping[str, str] | None, extra_env: Mapping[str, str] | None, keep: Collection[str]
) -> dict[str, str]:
    return {**scrub_environment(env, keep=keep), **(extra_env or {})}


def run(
    argv: Sequence[str],
    *,
    timeout: float | None,
    stdin_data: bytes | None = None,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    keep: Collection[str] = (),
) -> subprocess.CompletedProcess[bytes]:
    """Run ``argv`` to its end with a scrubbed environment; stdout and stderr captured.

    ``stdin_data`` is written to its stdin (else stdin is ``/dev/null``). ``env`` is the
    environment to scrub (default: ``os.environ``), ``extra_env`` is added after the
    scrub (never put a secret there). Raises ``OSError`` when it cannot start and
    ``subprocess.TimeoutExpired`` (the child killed) after ``timeout`` seconds.
    """
    return subprocess.run(
        list(argv),
        input=stdin_data,
        stdin=subprocess.DEVNULL if stdin_data is None else None,
        capture_output=True,
        timeout=timeout,
        env=_environment(env, extra_env, keep),
        check=False,
    )


def start(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    extra_env: Mapping[str, str] | None = None,
    new_session: bool = False,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` with a scrubbed environment, stdin a pipe, its output discarded.

    For children the caller must be able to end with their own children (``new_session``
    puts the child in its own process group on POSIX). Raises ``OSError`` when it
    cannot start.
    """
    return subprocess.Popen(
        list(argv),
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_environment(env, extra_env, ()),
        start_new_session=new_session,
    )
