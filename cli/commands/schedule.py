"""``keyvault schedule``: install, inspect and remove the backup timer; ``run`` is its job.

``install`` writes a systemd user timer (Linux), a launchd agent (macOS) or a Task
Scheduler task (Windows) that runs the hidden ``schedule run``: ``keyvault backup``, then
``keyvault verify`` when due, then alerts (desktop notification, ``--on-failure`` hook)
and an exit code for cron-style wrappers: 0 ok, 1 a step failed or backups are stale,
3 policy not met, 4 a copy missing or damaged. The steps run as separate ``keyvault``
processes, so the schedule depends only on their exit codes and ``--json`` errors.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, cast

import click
import platformdirs

from keyvault import childproc
from keyvault.atomic import atomic_write
from keyvault.backup.drilldates import drill_findings
from keyvault.errors import SchedulerError
from keyvault.schedule import alerts as alerting
from keyvault.schedule import timers as sched
from keyvault.wallets.locations import current_platform

from ..context import get_app

__all__ = ["schedule"]

#: A generous bound for one step; a hung destination must not block the timer forever.
STEP_TIMEOUT_SECONDS = 4 * 3600


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _plan(home: Path, settings: sched.ScheduleSettings) -> sched.InstallPlan:
    return sched.plan_install(
        current_platform(),
        home=home,
        default_home=Path(platformdirs.user_config_dir("keyvault", appauthor=False)),
        settings=settings,
        command=sched.keyvault_command(),
        user_home=Path.home(),
        env=os.environ,
        uid=os.getuid() if hasattr(os, "getuid") else 0,
    )


def _run_command(argv: Sequence[str]) -> tuple[bool, str]:
    """Run a scheduler command; (succeeded, first line of its complaint)."""
    try:
        result = childproc.run(argv, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        return False, str(exc)
    complaint = (result.stderr or result.stdout).decode("utf-8", "replace").strip().splitlines()
    return result.returncode == 0, complaint[0] if complaint else f"exit {result.returncode}"


def _run_commands(commands: Sequence[Sequence[str]]) -> list[str]:
    """Run each scheduler command in turn; a warning for each one that failed."""
    warnings: list[str] = []
    for argv in commands:
        ok, complaint = _run_command(argv)
        if not ok:
            warnings.append(f"'{' '.join(argv)}' failed: {complaint}")
    return warnings


def _settings_summary(settings: sched.ScheduleSettings) -> dict[str, Any]:
    # The hook command may hold a webhook token: say whether there is one, not what it is.
    summary = settings.to_dict()
    summary.pop("on_failure")
    summary["on_failure_hook"] = settings.on_failure is not None
    summary["max_age_days"] = settings.max_backup_age.days
    return summary


@click.group("schedule")
def schedule() -> None:
    """Run backups on a schedule, with alerts.

    The timer stores no secret: backups encrypt to the vault's public key.
    """


@schedule.command("install")
@click.option("--daily", "frequency", flag_value="daily", default=True, help="Back up daily.")
@click.option("--weekly", "frequency", flag_value="weekly", help="Back up weekly (Mondays).")
@click.option(
    "--at",
    "at",
    default="12:00",
    metavar="HH:MM",
    show_default=True,
    help="Local time of day of the run.",
)
@click.option(
    "--verify-every",
    "verify_every",
    type=click.IntRange(1, 366),
    default=7,
    show_default=True,
    metavar="DAYS",
    help="Also run 'keyvault verify' every DAYS.",
)
@click.option(
    "--max-age",
    "max_age",
    type=click.IntRange(1, 3660),
    default=None,
    metavar="DAYS",
    help="Alert when no backup succeeded for DAYS (default: 2 daily, 8 weekly).",
)
@click.option(
    "--on-failure",
    "on_failure",
    default=None,
    metavar="CMD",
    help="Run CMD (a shell command, no secrets in its environment) on every alert.",
)
@click.option(
    "--no-enable", is_flag=True, help="Only write the scheduler files; enable them yourself."
)
def install(
    frequency: str,
    at: str,
    verify_every: int,
    max_age: int | None,
    on_failure: str | None,
    no_enable: bool,
) -> None:
    """Install (or update) the backup timer for this vault."""
    app = get_app()
    try:
        settings = sched.ScheduleSettings(
            frequency=cast(sched.Frequency, frequency),
            at=at,
            verify_every_days=verify_every,
            max_age_days=max_age,
            on_failure=on_failure,
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    home = app.home
    plan = _plan(home, settings)
    for unit in plan.files:
        unit.path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(unit.path, unit.content, mode=unit.mode)
    sched.save_settings(home, settings)
    state = sched.load_state(home)
    if state.installed is None:
        state.installed = _now().isoformat()
        sched.save_state(home, state)
    enabled = False
    if not no_enable:
        for argv in plan.enable:
            ok, complaint = _run_command(argv)
            if not ok:
                raise SchedulerError(
                    f"the {plan.scheduler} files were written but '{' '.join(argv)}' failed: "
                    f"{complaint}",
                    hint="fix that and run 'keyvault schedule install' again, or enable it "
                    "yourself",
                )
        enabled = True
    payload = {
        "scheduler": plan.scheduler,
        "name": plan.name,
        "files": [str(u.path) for u in plan.files],
        "enabled": enabled,
        "settings": _settings_summary(settings),
    }

    def human() -> None:
        for unit in plan.files:
            click.echo(f"wrote {unit.path}")
        if enabled:
            click.echo(f"{plan.scheduler} timer {plan.name} enabled: {frequency} at {at}")
        else:
            click.echo("not enabled (--no-enable); enable it with:")
            for argv in plan.enable:
                click.echo("    " + " ".join(argv))

    app.output.emit(payload, human)


def _timer_state(plan: sched.InstallPlan) -> str:
    """``enabled``/``disabled``/... as the scheduler reports it, or ``unknown``."""
    if plan.scheduler != "systemd" or shutil.which("systemctl") is None:
        return "unknown"
    try:
        result = childproc.run(
            ["systemctl", "--user", "is-enabled", f"{plan.name}.timer"], timeout=10
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    answer = result.stdout.decode("utf-8", "replace").strip()
    return answer if answer and " " not in answer else "unknown"


def _current_alerts(
    last_success: datetime | None,
    state: sched.RunState,
    settings: sched.ScheduleSettings,
    now: datetime,
) -> list[alerting.Alert]:
    failed, overdue = drill_findings(get_app().home, now=now)
    return alerting.evaluate(
        now=now,
        last_success=last_success,
        since=sched.parse_when(state.installed),
        max_age=settings.max_backup_age,
        drill_failed=failed,
        drill_overdue=overdue,
    )


@schedule.command("status")
def status() -> None:
    """Show the timer, the last runs and any alert that stands now."""
    app = get_app()
    home = app.home
    settings = sched.load_settings(home)
    state = sched.load_state(home)
    if settings is None:
        app.output.emit(
            {"installed": False},
            "no schedule installed; add one with 'keyvault schedule install'",
        )
        return
    plan = _plan(home, settings)
    last_success, source = sched.last_backup_success(home, state)
    now = _now()
    stale = _current_alerts(last_success, state, settings, now)
    last_alerts = [a for a in state.alerts if a.get("kind") != "backup-stale"]
    current = last_alerts + [a.to_dict() for a in stale]
    files = {str(u.path): u.path.exists() for u in plan.files}
    payload = {
        "installed": True,
        "scheduler": plan.scheduler,
        "name": plan.name,
        "files": files,
        "timer": _timer_state(plan),
        "settings": _settings_summary(settings),
        "last_run": state.last_run,
        "last_backup_exit": state.last_backup_exit,
        "last_backup_success": last_success.isoformat() if last_success else None,
        "last_backup_success_source": source,
        "last_verify": state.last_verify,
        "last_verify_exit": state.last_verify_exit,
        "verify_due": sched.verify_due(state, settings, now),
        "alerts": current,
    }

    def human() -> None:
        click.echo(f"{plan.scheduler} timer {plan.name}: {settings.frequency} at {settings.at}")
        for path, present in files.items():
            click.echo(f"    {path}{'' if present else ' (MISSING)'}")
        click.echo(f"last run: {state.last_run or 'never'}")
        click.echo(
            "last successful backup: "
            + (f"{last_success.isoformat()} ({source} record)" if last_success else "never")
        )
        click.echo(f"last verify: {state.last_verify or 'never'}")
        for alert in current:
            click.echo(f"alert ({alert['severity']}): {alert['message']}")

    app.output.emit(payload, human)


@schedule.command("remove")
def remove() -> None:
    """Disable the timer and delete its files."""
    app = get_app()
    home = app.home
    settings = sched.load_settings(home) or sched.ScheduleSettings()
    plan = _plan(home, settings)
    warnings: list[str] = []
    present = [u for u in plan.files if u.path.exists()]
    if present:
        warnings += _run_commands(plan.disable)
    removed: list[str] = []
    for unit in present:
        unit.path.unlink()
        removed.append(str(unit.path))
    if present:
        warnings += _run_commands(plan.after_remove)
    had_settings = sched.remove_settings(home)
    for warning in warnings:
        app.output.warn(warning)
    payload = {"removed": removed, "settings_removed": had_settings, "warnings": warnings}
    app.output.emit(
        payload,
        "\n".join(f"removed {p}" for p in removed) or "no schedule was installed",
    )


def _run_step(
    command: Sequence[str], home: Path, step: Literal["backup", "verify"]
) -> alerting.StepOutcome:
    """Run ``keyvault --json STEP`` as its own process; its exit code is the outcome."""
    argv = [*command, "--config-dir", str(home), "--json", step]
    try:
        # keyvault itself: the one child given keyvault's secrets (B2 key, passphrase).
        result = childproc.run(argv, timeout=STEP_TIMEOUT_SECONDS, keep=childproc.SECRET_ENV_NAMES)
    except subprocess.TimeoutExpired:
        return alerting.StepOutcome(step, 1, "it did not finish in time")
    except OSError as exc:
        return alerting.StepOutcome(step, 1, f"keyvault could not start: {exc.strerror}")
    detail = ""
    document: Any = None
    try:
        document = json.loads(result.stdout)
    except ValueError:
        pass
    if result.returncode != 0:
        try:
            detail = str(document["error"]["message"])[:300]
        except (KeyError, TypeError):
            lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
            detail = lines[-1][:300] if lines else ""
    if step == "verify" and result.returncode == alerting.EXIT_COPY_MISSING:
        return _verify_outcome(result.returncode, detail, document)
    return alerting.StepOutcome(step, result.returncode, detail)


def _verify_outcome(code: int, detail: str, document: Any) -> alerting.StepOutcome:
    """A verify that found copies missing, with what its report says about each
    destination (so that the alert tells an unplugged drive from a damaged copy)."""
    try:
        unavailable = tuple(
            (str(d["dest"]), str(d.get("message") or ""))
            for d in document["destinations"]
            if d["outcome"] == "unavailable"
        )
        problems = int(document["problems"])
    except (KeyError, TypeError, ValueError, AttributeError):
        # No readable report: the alert falls back to the general advice.
        return alerting.StepOutcome("verify", code, detail)
    return alerting.StepOutcome("verify", code, detail, unavailable, problems)


@schedule.command("run", hidden=True)
def run() -> None:
    """The timer's job: back up, verify when due, alert."""
    app = get_app()
    home = app.home
    settings = sched.load_settings(home) or sched.ScheduleSettings()
    state = sched.load_state(home)
    now = _now()
    command = sched.keyvault_command()
    steps = [_run_step(command, home, "backup")]
    if sched.verify_due(state, settings, now):
        steps.append(_run_step(command, home, "verify"))
    state.last_run = now.isoformat()
    for step in steps:
        if step.step == "backup":
            state.last_backup_exit = step.exit_code
            if step.succeeded:
                state.last_backup_success = now.isoformat()
        else:
            state.last_verify = now.isoformat()
            state.last_verify_exit = step.exit_code
    # After the steps: the backup just run (by its own process) is in the engine's state.
    last_success, _source = sched.last_backup_success(home, state)
    drills_failed, drills_overdue = drill_findings(home, now=now)
    alerts = alerting.evaluate(
        now=now,
        last_success=last_success,
        since=sched.parse_when(state.installed) or now,
        max_age=settings.max_backup_age,
        steps=steps,
        drill_failed=drills_failed,
        drill_overdue=drills_overdue,
    )
    failed = any(a.kind in ("run-failed", "backup-stale", "copy-missing") for a in alerts)
    state.consecutive_failures = state.consecutive_failures + 1 if failed else 0
    state.alerts = [a.to_dict() for a in alerts]
    sched.save_state(home, state)
    platform = current_platform()
    notified = False
    hook: alerting.HookResult | None = None
    if alerts:
        body = "; ".join(a.message for a in alerts)
        notified = alerting.notify("keyvault backup needs attention", body, platform=platform)
        if settings.on_failure:
            hook = alerting.run_hook(settings.on_failure, alerts, platform=platform)
    code = alerting.exit_code_for(alerts)
    payload = {
        "steps": [{"step": s.step, "exit_code": s.exit_code, "detail": s.detail} for s in steps],
        "alerts": [a.to_dict() for a in alerts],
        "notified": notified,
        "hook": hook.to_dict() if hook else None,
        "exit_code": code,
    }

    def human() -> None:
        for step in steps:
            click.echo(
                f"{step.step}: exit {step.exit_code}" + (f" ({step.detail})" if step.detail else "")
            )
        for alert in alerts:
            click.echo(f"alert ({alert.severity}): {alert.message}")
        if hook is not None:
            click.echo(f"on-failure hook: exit {hook.exit_code} {hook.error}".rstrip())

    app.output.emit(payload, human)
    if code:
        raise click.exceptions.Exit(code)
