"""When a scheduled run must alert, and how the alert reaches the user.

:func:`evaluate` is pure: from what the run's steps returned (exit codes of
``keyvault backup`` and ``keyvault verify``), the time of the last successful backup and
the policy's allowed age, it lists the :class:`Alert` objects to raise:

- ``run-failed``: a step ended with an error (any exit code but 0, 3 and, for verify, 4),
- ``copy-missing``: ``verify`` found a stored copy missing or damaged (exit 4): one alert
  per destination that was not available (its advice: connect the drive or check the
  service, or mark a drive kept unplugged ``--offline``) and one for the copies missing
  or damaged at destinations that were reached (its advice: ``keyvault repair``),
- ``backup-stale``: no successful backup, by any run (timer, CLI or GUI), for longer than
  the policy allows (restic and Kopia users ask for exactly this "absence of success" alert),
- ``policy-not-met``: the backup ran but the 3-2-1 rule does not hold (exit 3; a warning),
- ``drill-failed``: a copy's last drill did not restore the recorded wallet (mismatch,
  damaged, missing: exit 4), and ``drill-overdue``: a copy not proven by a drill within
  ``drill_every`` (default 90 days; exit 3, a warning), both from
  :func:`keyvault.backup.drilldates.drill_findings`.

Delivery is best effort and never raises: a desktop notification (``notify-send`` on
Linux, ``osascript`` on macOS, PowerShell's toast API on Windows, whichever is present)
and the user's ``--on-failure`` hook, run by the shell through :mod:`keyvault.childproc`
(like every child keyvault starts) with a scrubbed environment: every secret keyvault
knows of (the vault passphrase, B2 credentials) and anything named like a secret is removed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from keyvault import childproc

__all__ = [
    "EXIT_COPY_MISSING",
    "Alert",
    "AlertKind",
    "HookResult",
    "StepOutcome",
    "evaluate",
    "exit_code_for",
    "hook_argv",
    "notification_command",
    "notify",
    "run_hook",
]

AlertKind = Literal[
    "run-failed", "copy-missing", "backup-stale", "policy-not-met", "drill-failed", "drill-overdue"
]

_EXIT_OK, _EXIT_POLICY, _EXIT_COPY = 0, 3, 4
#: The exit code of a ``keyvault verify`` that found copies missing or damaged.
EXIT_COPY_MISSING = _EXIT_COPY


@dataclass(frozen=True)
class Alert:
    """One thing the user must hear about. ``message`` is user-ready (lowercase)."""

    kind: AlertKind
    severity: Literal["warning", "critical"]
    message: str

    def to_dict(self) -> dict[str, str]:
        """JSON-ready mapping."""
        return {"kind": self.kind, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class StepOutcome:
    """How one step of the run ended: ``backup`` or ``verify`` and its exit code."""

    step: Literal["backup", "verify"]
    exit_code: int
    #: The step's own error message (from its ``--json`` error object), if any.
    detail: str = ""
    #: For verify: (name, reason) of each destination that was not available (not marked
    #: offline; its copies count as missing), from the report's ``destinations``.
    unavailable: tuple[tuple[str, str], ...] = ()
    #: For verify: how many copies were missing or damaged at destinations that were
    #: reached; ``None`` when the report could not be read (repair is then advised).
    problems: int | None = None

    @property
    def succeeded(self) -> bool:
        """True when the step did its job (for backup: copies written, policy aside)."""
        return self.exit_code in (_EXIT_OK, _EXIT_POLICY)


def _days(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    return f"{days:.0f} day" + ("" if round(days) == 1 else "s") if days >= 1 else "under a day"


def evaluate(
    *,
    now: datetime,
    last_success: datetime | None,
    since: datetime | None,
    max_age: timedelta,
    steps: Sequence[StepOutcome] = (),
    drill_failed: Sequence[tuple[str, str]] = (),
    drill_overdue: Sequence[tuple[str, str]] = (),
) -> list[Alert]:
    """The alerts for a run (or, with no ``steps``, for a status check at ``now``).

    ``last_success`` is when a backup last succeeded, whoever ran it (the timer,
    ``keyvault backup``, the GUI: see :func:`.schedule.last_backup_success`);
    ``since`` is when the schedule was installed: with no success ever, the stale clock
    starts there. ``drill_failed`` and ``drill_overdue`` are (item, destination) copies
    whose last drill failed or that are overdue for one. Pure: no I/O, time passed in.
    """
    alerts: list[Alert] = [
        Alert(
            "drill-failed",
            "critical",
            f"the last drill of {item!r} at {dest!r} failed (it did not restore the wallet "
            "recorded); run 'keyvault drill' to see why, 'keyvault repair' to re-copy it",
        )
        for item, dest in drill_failed
    ]
    alerts += [
        Alert(
            "drill-overdue",
            "warning",
            f"the copy of {item!r} at {dest!r} has not been proven by a drill for too long; "
            "run 'keyvault drill'",
        )
        for item, dest in drill_overdue
    ]
    for step in steps:
        detail = f": {step.detail}" if step.detail else ""
        if step.step == "verify" and step.exit_code == _EXIT_COPY:
            alerts.extend(_copy_missing(step, detail))
        elif step.exit_code == _EXIT_POLICY:
            alerts.append(
                Alert("policy-not-met", "warning", f"the 3-2-1 backup policy is not met{detail}")
            )
        elif step.exit_code != _EXIT_OK:
            alerts.append(
                Alert(
                    "run-failed",
                    "critical",
                    f"the scheduled {step.step} failed (exit code {step.exit_code}){detail}",
                )
            )
    reference = last_success or since
    if reference is not None and now - reference > max_age:
        what = "no successful backup" if last_success else "no successful backup yet"
        alerts.append(
            Alert(
                "backup-stale",
                "critical",
                f"{what} for {_days(now - reference)} (the policy allows {_days(max_age)})",
            )
        )
    return alerts


def _copy_missing(step: StepOutcome, detail: str) -> list[Alert]:
    """The alerts of a verify that exited 4: repair cannot bring back a destination that
    was not there, so those get their own advice."""
    alerts = [
        Alert(
            "copy-missing",
            "critical",
            f"destination {name!r} was not available"
            + (f" ({reason})" if reason else "")
            + ": its copies could not be checked; connect the drive (or check that the "
            "service is reachable) and run 'keyvault verify'; if it is a drive normally "
            f"kept unplugged, run 'keyvault dest set {name} --offline'",
        )
        for name, reason in step.unavailable
    ]
    # Also when the report gave no details: a verify that exited 4 always alerts.
    if step.problems or not alerts:
        many = step.problems is not None and step.problems > 1
        what = f"{step.problems} stored copies are" if many else "a stored copy is"
        alerts.append(
            Alert(
                "copy-missing",
                "critical",
                f"{what} missing or damaged{detail}; run 'keyvault repair'",
            )
        )
    return alerts


def exit_code_for(alerts: Iterable[Alert]) -> int:
    """The run's exit code: 1 if a step failed or backups are stale, else 4 if a copy is
    missing or failed its drill, else 3 if the policy is not met or a drill is overdue,
    else 0."""
    kinds = {a.kind for a in alerts}
    if kinds & {"run-failed", "backup-stale"}:
        return 1
    if kinds & {"copy-missing", "drill-failed"}:
        return _EXIT_COPY
    if kinds & {"policy-not-met", "drill-overdue"}:
        return _EXIT_POLICY
    return _EXIT_OK


# --- desktop notifications --------------------------------------------------------------

_POWERSHELL_TOAST = (
    "$t=$env:KEYVAULT_NOTIFY_TITLE; $b=$env:KEYVAULT_NOTIFY_BODY; "
    "[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, "
    "ContentType = WindowsRuntime] > $null; "
    "$x=[Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent("
    "[Windows.UI.Notifications.ToastTemplateType]::ToastText02); "
    "$n=$x.GetElementsByTagName('text'); "
    "$n.Item(0).AppendChild($x.CreateTextNode($t)) > $null; "
    "$n.Item(1).AppendChild($x.CreateTextNode($b)) > $null; "
    "[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier('keyvault')"
    ".Show([Windows.UI.Notifications.ToastNotification]::new($x))"
)


def notification_command(
    platform: str,
    title: str,
    body: str,
    *,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[list[str], dict[str, str]] | None:
    """The argv (and extra environment) that shows a desktop notification, or None.

    The text travels as separate arguments (or, for PowerShell, environment variables),
    never spliced into a script, so a message cannot inject commands.
    """
    if platform == "linux":
        exe = which("notify-send")
        if exe:
            return [exe, "--app-name=keyvault", "--urgency=critical", title, body], {}
        return None
    if platform == "darwin":
        exe = which("osascript")
        if exe:
            script = [
                "-e",
                "on run argv",
                "-e",
                "display notification (item 2 of argv) with title (item 1 of argv)",
                "-e",
                "end run",
            ]
            return [exe, *script, title, body], {}
        return None
    if platform == "windows":
        exe = which("powershell") or which("pwsh")
        if exe:
            argv = [exe, "-NoProfile", "-NonInteractive", "-Command", _POWERSHELL_TOAST]
            return argv, {"KEYVAULT_NOTIFY_TITLE": title, "KEYVAULT_NOTIFY_BODY": body}
        return None
    raise ValueError(f"unknown platform {platform!r}")


def notify(
    title: str,
    body: str,
    *,
    platform: str,
    which: Callable[[str], str | None] = shutil.which,
    timeout: float = 15.0,
) -> bool:
    """Show a desktop notification if the platform's tool is present; True if it ran OK."""
    command = notification_command(platform, title, body, which=which)
    if command is None:
        return False
    argv, extra = command
    try:
        result = childproc.run(argv, timeout=timeout, extra_env=extra)
    except (OSError, subprocess.SubprocessError):
        return False
    return result.returncode == 0


# --- the on-failure hook ----------------------------------------------------------------


@dataclass(frozen=True)
class HookResult:
    """How the hook ended: its exit code (None if it could not start or timed out)."""

    exit_code: int | None
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return {"exit_code": self.exit_code, "error": self.error}


def hook_argv(command: str, platform: str) -> list[str]:
    """The argv that runs the user's hook command line through the platform's shell."""
    if not command.strip():
        raise ValueError("the hook command is empty")
    if platform == "windows":
        return [os.environ.get("COMSPEC", "cmd.exe"), "/d", "/s", "/c", command]
    return ["/bin/sh", "-c", command]


def run_hook(
    command: str,
    alerts: Sequence[Alert],
    *,
    platform: str,
    env: Mapping[str, str] | None = None,
    timeout: float = 120.0,
) -> HookResult:
    """Run the ``--on-failure`` hook for ``alerts``; never raises for the hook's failures.

    The hook gets a scrubbed environment plus ``KEYVAULT_ALERT_KINDS`` (comma-separated),
    ``KEYVAULT_ALERT_MESSAGE`` (the first alert) and ``KEYVAULT_ALERT_COUNT``, and a JSON
    document ``{"alerts": [...]}`` on stdin.
    """
    argv = hook_argv(command, platform)
    hook_env = {
        "KEYVAULT_ALERT_KINDS": ",".join(a.kind for a in alerts),
        "KEYVAULT_ALERT_MESSAGE": alerts[0].message if alerts else "",
        "KEYVAULT_ALERT_COUNT": str(len(alerts)),
    }
    document = json.dumps({"alerts": [a.to_dict() for a in alerts]}).encode()
    posix = platform != "windows"
    try:
        # Own session/process group, so a timeout ends the hook's children too (a child
        # still holding the output pipes would otherwise keep us waiting).
        process = childproc.start(argv, env=env, extra_env=hook_env, new_session=posix)
    except OSError as exc:
        return HookResult(None, f"the hook could not start: {exc.strerror}")
    try:
        process.communicate(document, timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_tree(process, posix)
        return HookResult(None, f"the hook did not finish within {timeout:.0f} seconds")
    return HookResult(process.returncode)


def _kill_tree(process: subprocess.Popen[bytes], posix: bool) -> None:
    if posix:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    else:
        process.kill()
    process.wait()
