"""Scheduled backups: the settings, the run record, and the scheduler files (pure).

One timer per vault runs ``keyvault --config-dir HOME schedule run`` daily or weekly.
That run does ``keyvault backup`` and, when :func:`verify_due` says so (its own interval,
``verify_every_days``), ``keyvault verify``, then raises alerts (:mod:`.alerts`).

The generators here are pure: they take the command line to run and the settings and
return file contents, so tests check them without touching the user's scheduler:

- Linux: a systemd user ``.service`` + ``.timer`` (``Persistent=true`` catches up on a
  run missed while the machine was off),
- macOS: a launchd agent plist (``StartCalendarInterval``),
- Windows: a Task Scheduler XML task (``StartWhenAvailable``), registered with schtasks.

:func:`plan_install` puts them together with the commands that enable and disable them;
the caller (CLI, GUI) writes the files and runs the commands. No secret is ever stored:
backups encrypt to the vault's public key, and the ``--on-failure`` hook command lives
only in the 0600 settings file in the config dir, never in a world-readable unit.
"""

from __future__ import annotations

import hashlib
import json
import plistlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal

from keyvault.atomic import atomic_write
from keyvault.errors import ConfigError, KeyvaultError
from keyvault.vault import state as engine_state

__all__ = [
    "SETTINGS_FILE",
    "STATE_FILE",
    "TASK_XML_NAMESPACE",
    "Frequency",
    "InstallPlan",
    "RunState",
    "ScheduleSettings",
    "SchedulerKind",
    "UnitFile",
    "keyvault_command",
    "last_backup_success",
    "launchd_label",
    "launchd_plist",
    "load_settings",
    "load_state",
    "parse_time",
    "parse_when",
    "plan_install",
    "remove_settings",
    "run_argv",
    "save_settings",
    "save_state",
    "systemd_quote",
    "systemd_units",
    "task_name",
    "task_scheduler_xml",
    "verify_due",
]

Frequency = Literal["daily", "weekly"]
SchedulerKind = Literal["systemd", "launchd", "schtasks"]

SETTINGS_FILE = "schedule.json"
STATE_FILE = "schedule-state.json"
TASK_XML_NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task"
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def parse_time(text: str) -> tuple[int, int]:
    """``HH:MM`` (24-hour, local time) as (hour, minute); ``ValueError`` otherwise."""
    match = _TIME.match(text.strip())
    if not match:
        raise ValueError(f"not a time of day (HH:MM): {text!r}")
    return int(match.group(1)), int(match.group(2))


@dataclass(frozen=True)
class ScheduleSettings:
    """What ``schedule install`` was asked for (stored 0600 as ``schedule.json``)."""

    frequency: Frequency = "daily"
    #: Local time of day of the run, ``HH:MM``.
    at: str = "12:00"
    #: Run ``keyvault verify`` when the last verify is at least this many days old.
    verify_every_days: int = 7
    #: Alert when no backup succeeded for longer than this; None: 2 days daily, 8 weekly.
    max_age_days: int | None = None
    #: A shell command run on every alert, with secrets removed from its environment.
    on_failure: str | None = None

    def __post_init__(self) -> None:
        if self.frequency not in ("daily", "weekly"):
            raise ValueError(f"frequency must be daily or weekly, not {self.frequency!r}")
        parse_time(self.at)
        if not isinstance(self.verify_every_days, int) or not 1 <= self.verify_every_days <= 366:
            raise ValueError("verify_every_days must be a whole number from 1 to 366")
        if self.max_age_days is not None and (
            not isinstance(self.max_age_days, int) or not 1 <= self.max_age_days <= 3660
        ):
            raise ValueError("max_age_days must be a whole number from 1 to 3660")
        if self.on_failure is not None and not self.on_failure.strip():
            raise ValueError("the on-failure command is empty")

    @property
    def max_backup_age(self) -> timedelta:
        """How long without a successful backup before the stale-backup alert."""
        if self.max_age_days is not None:
            return timedelta(days=self.max_age_days)
        return timedelta(days=2 if self.frequency == "daily" else 8)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


def _from_dict(cls: type[Any], data: Any, path: Path) -> Any:
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a json object")
    known = {f.name for f in fields(cls)}
    try:
        return cls(**{k: v for k, v in data.items() if k in known})
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{path} is invalid: {exc}") from None


def _load_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from None


def load_settings(home: Path) -> ScheduleSettings | None:
    """The installed schedule's settings, or None when no schedule was installed."""
    path = home / SETTINGS_FILE
    data = _load_json(path)
    return None if data is None else _from_dict(ScheduleSettings, data, path)


def _save_json(home: Path, name: str, document: dict[str, Any]) -> None:
    home.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = json.dumps(document, indent=2).encode() + b"\n"
    atomic_write(home / name, data, mode=0o600)


def save_settings(home: Path, settings: ScheduleSettings) -> None:
    """Write ``schedule.json`` atomically, mode 0600."""
    _save_json(home, SETTINGS_FILE, settings.to_dict())


def remove_settings(home: Path) -> bool:
    """Delete ``schedule.json``; True if it existed."""
    try:
        (home / SETTINGS_FILE).unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass
class RunState:
    """What the scheduled runs did (``schedule-state.json``); times are ISO 8601 UTC."""

    #: When ``schedule install`` last ran (the stale-backup clock starts here).
    installed: str | None = None
    last_run: str | None = None
    last_backup_exit: int | None = None
    #: The last time the timer's ``keyvault backup`` finished with exit code 0 or 3. Only a
    #: fallback: :func:`last_backup_success` prefers the engine's record of every backup.
    last_backup_success: str | None = None
    last_verify: str | None = None
    last_verify_exit: int | None = None
    consecutive_failures: int = 0
    #: The alerts of the last run or status check (for the GUI's tray icon).
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready mapping."""
        return asdict(self)


def load_state(home: Path) -> RunState:
    """The run record, or an empty one."""
    path = home / STATE_FILE
    data = _load_json(path)
    return RunState() if data is None else _from_dict(RunState, data, path)


def save_state(home: Path, state: RunState) -> None:
    """Write ``schedule-state.json`` atomically, mode 0600."""
    _save_json(home, STATE_FILE, state.to_dict())


def parse_when(text: str | None) -> datetime | None:
    """An ISO 8601 time from the state file (naive times are taken as UTC)."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def verify_due(state: RunState, settings: ScheduleSettings, now: datetime) -> bool:
    """True when no verify ran yet, or the last one is ``verify_every_days`` old or older.

    A small slack (one hour) keeps a daily timer with a randomized delay from skipping
    a verify that is due "tomorrow at the same time".
    """
    last = parse_when(state.last_verify)
    if last is None:
        return True
    return now - last >= timedelta(days=settings.verify_every_days) - timedelta(hours=1)


def last_backup_success(home: Path, state: RunState) -> tuple[datetime | None, str | None]:
    """When a backup last succeeded, and the record that says so (``engine`` or ``timer``).

    The engine's local state (``state.db``) is the source of truth: it records every
    backup run, whether the timer, ``keyvault backup`` or the GUI started it, and one
    that ended ``ok`` (nothing failed; the 3-2-1 policy aside) counts. Only when it holds
    no such run (or cannot be read) does the timer's own ``last_backup_success`` count.
    Never creates ``state.db``. Returns ``(None, None)`` when neither knows of a success.
    """
    path = home / engine_state.STATE_FILE
    if path.exists():
        try:
            with engine_state.open_state(home) as db:
                run = db.last_run("backup", result="ok")
        except (KeyvaultError, OSError):
            # An unreadable state must not silence the alert: fall back to the timer.
            run = None
        if run is not None:
            return run[1], "engine"
    timer = parse_when(state.last_backup_success)
    return (timer, "timer") if timer is not None else (None, None)


# --- what the scheduler runs ------------------------------------------------------------


def keyvault_command(*, frozen: bool | None = None, executable: str | None = None) -> list[str]:
    """The argv prefix that starts this keyvault's CLI.

    In a PyInstaller bundle (``sys.frozen``) it is the ``keyvault`` executable beside the
    running one (the GUI may be the one installing the schedule); otherwise this Python
    with ``-m keyvault_cli``, so a venv or pipx install keeps using its own interpreter.
    """
    frozen = bool(getattr(sys, "frozen", False)) if frozen is None else frozen
    executable = executable or sys.executable
    if frozen:
        name = "keyvault.exe" if executable.lower().endswith(".exe") else "keyvault"
        return [str(Path(executable).with_name(name))]
    return [executable, "-m", "keyvault_cli"]


def run_argv(command: Sequence[str], home: Path) -> list[str]:
    """The full command line the timer runs."""
    return [*command, "--config-dir", str(home), "schedule", "run"]


def task_name(home: Path, default_home: Path) -> str:
    """``keyvault-backup`` for the default config dir, else with a short hash of ``home``,
    so two vaults on one account get two timers."""
    if Path(home).absolute() == Path(default_home).absolute():
        return "keyvault-backup"
    digest = hashlib.sha256(str(Path(home).absolute()).encode()).hexdigest()[:8]
    return f"keyvault-backup-{digest}"


# --- systemd ----------------------------------------------------------------------------


def systemd_quote(arg: str) -> str:
    """One ExecStart= word: specifiers (``%``) and variables (``$``) doubled, quoted if needed."""
    if "\n" in arg or "\x00" in arg:
        raise ValueError("a command-line word cannot contain a newline or NUL")
    escaped = arg.replace("%", "%%").replace("$", "$$")
    if escaped and not re.search(r"[\s\"'\\;]", escaped):
        return escaped
    return '"' + escaped.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _on_calendar(settings: ScheduleSettings) -> str:
    hour, minute = parse_time(settings.at)
    day = "Mon " if settings.frequency == "weekly" else ""
    return f"{day}*-*-* {hour:02d}:{minute:02d}:00"


def systemd_units(name: str, argv: Sequence[str], settings: ScheduleSettings) -> dict[str, str]:
    """``{"<name>.service": text, "<name>.timer": text}`` for a systemd user instance."""
    if not argv or not Path(argv[0]).is_absolute():
        raise ValueError("the command must start with an absolute path")
    exec_start = " ".join(systemd_quote(a) for a in argv)
    service = (
        "[Unit]\n"
        "Description=keyvault scheduled backup and verify\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        f"ExecStart={exec_start}\n"
        "Nice=10\n"
        "IOSchedulingClass=idle\n"
        "NoNewPrivileges=yes\n"
        "TimeoutStartSec=4h\n"
    )
    timer = (
        "[Unit]\n"
        f"Description=keyvault {settings.frequency} backup\n"
        "\n"
        "[Timer]\n"
        f"OnCalendar={_on_calendar(settings)}\n"
        "Persistent=true\n"
        "RandomizedDelaySec=10min\n"
        f"Unit={name}.service\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )
    return {f"{name}.service": service, f"{name}.timer": timer}


# --- launchd ----------------------------------------------------------------------------


def launchd_label(name: str) -> str:
    """The launchd job label for ``name``."""
    return f"org.keyvault.{name}"


def launchd_plist(
    name: str, argv: Sequence[str], settings: ScheduleSettings, log_file: Path
) -> bytes:
    """A launchd agent (``~/Library/LaunchAgents``) as an XML plist."""
    hour, minute = parse_time(settings.at)
    interval: dict[str, int] = {"Hour": hour, "Minute": minute}
    if settings.frequency == "weekly":
        interval["Weekday"] = 1  # Monday, as on the other platforms
    document = {
        "Label": launchd_label(name),
        "ProgramArguments": list(argv),
        "StartCalendarInterval": interval,
        "RunAtLoad": False,
        "ProcessType": "Background",
        "LowPriorityIO": True,
        "Nice": 10,
        "StandardOutPath": str(log_file),
        "StandardErrorPath": str(log_file),
    }
    return plistlib.dumps(document, fmt=plistlib.FMT_XML, sort_keys=True)


# --- Windows Task Scheduler -------------------------------------------------------------


def task_scheduler_xml(name: str, argv: Sequence[str], settings: ScheduleSettings) -> bytes:
    """A Task Scheduler 1.2 task definition (UTF-16 with BOM, as ``schtasks /XML`` wants)."""
    if not argv:
        raise ValueError("the command is empty")
    hour, minute = parse_time(settings.at)
    ns = TASK_XML_NAMESPACE
    ET.register_namespace("", ns)

    def sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ns}}}{tag}")
        if text is not None:
            element.text = text
        return element

    task = ET.Element(f"{{{ns}}}Task", {"version": "1.2"})
    info = sub(task, "RegistrationInfo")
    sub(info, "Description", "keyvault scheduled backup and verify")
    sub(info, "URI", "\\" + name)
    trigger = sub(sub(task, "Triggers"), "CalendarTrigger")
    sub(trigger, "StartBoundary", f"2020-01-06T{hour:02d}:{minute:02d}:00")
    sub(trigger, "Enabled", "true")
    if settings.frequency == "daily":
        sub(sub(trigger, "ScheduleByDay"), "DaysInterval", "1")
    else:
        weekly = sub(trigger, "ScheduleByWeek")
        sub(weekly, "WeeksInterval", "1")
        sub(sub(weekly, "DaysOfWeek"), "Monday")
    principal = sub(sub(task, "Principals"), "Principal")
    principal.set("id", "Author")
    sub(principal, "LogonType", "InteractiveToken")
    sub(principal, "RunLevel", "LeastPrivilege")
    options = sub(task, "Settings")
    for tag, value in (
        ("MultipleInstancesPolicy", "IgnoreNew"),
        ("DisallowStartIfOnBatteries", "false"),
        ("StopIfGoingOnBatteries", "false"),
        ("StartWhenAvailable", "true"),
        ("RunOnlyIfNetworkAvailable", "false"),
        ("ExecutionTimeLimit", "PT4H"),
        ("Priority", "7"),
        ("Enabled", "true"),
    ):
        sub(options, tag, value)
    actions = sub(task, "Actions")
    actions.set("Context", "Author")
    exe = sub(actions, "Exec")
    sub(exe, "Command", argv[0])
    if len(argv) > 1:
        sub(exe, "Arguments", subprocess.list2cmdline(list(argv[1:])))
    ET.indent(task)
    text = '<?xml version="1.0" encoding="UTF-16"?>\n' + ET.tostring(task, encoding="unicode")
    return (text + "\n").encode("utf-16")


# --- the install plan -------------------------------------------------------------------


@dataclass(frozen=True)
class UnitFile:
    """A file the scheduler needs, with its content and mode."""

    path: Path
    content: bytes
    mode: int = 0o644


@dataclass(frozen=True)
class InstallPlan:
    """Files to write and commands to run to enable or remove the schedule."""

    scheduler: SchedulerKind
    name: str
    files: tuple[UnitFile, ...]
    #: Run after writing the files.
    enable: tuple[tuple[str, ...], ...]
    #: Run before deleting the files (failures are reported, not fatal).
    disable: tuple[tuple[str, ...], ...]
    #: Run after deleting the files.
    after_remove: tuple[tuple[str, ...], ...] = ()


def plan_install(
    platform: str,
    *,
    home: Path,
    default_home: Path,
    settings: ScheduleSettings,
    command: Sequence[str],
    user_home: Path,
    env: Mapping[str, str],
    uid: int = 0,
) -> InstallPlan:
    """What installing the schedule means on ``platform`` (``linux``, ``darwin``, ``windows``).

    ``command`` is the argv prefix from :func:`keyvault_command`; ``user_home`` and ``env``
    (``XDG_CONFIG_HOME``) locate the user's unit folder; ``uid`` names the launchd domain.
    """
    name = task_name(home, default_home)
    argv = run_argv(command, home)
    if platform == "linux":
        config = Path(env.get("XDG_CONFIG_HOME") or user_home / ".config")
        unit_dir = config / "systemd" / "user"
        units = systemd_units(name, argv, settings)
        reload = ("systemctl", "--user", "daemon-reload")
        return InstallPlan(
            scheduler="systemd",
            name=name,
            files=tuple(UnitFile(unit_dir / n, t.encode()) for n, t in units.items()),
            enable=(reload, ("systemctl", "--user", "enable", "--now", f"{name}.timer")),
            disable=(("systemctl", "--user", "disable", "--now", f"{name}.timer"),),
            after_remove=(reload,),
        )
    if platform == "darwin":
        label = launchd_label(name)
        plist = user_home / "Library" / "LaunchAgents" / f"{label}.plist"
        content = launchd_plist(name, argv, settings, home / "logs" / "schedule.log")
        return InstallPlan(
            scheduler="launchd",
            name=name,
            files=(UnitFile(plist, content),),
            enable=(("launchctl", "bootstrap", f"gui/{uid}", str(plist)),),
            disable=(("launchctl", "bootout", f"gui/{uid}/{label}"),),
        )
    if platform == "windows":
        xml_path = home / "schedule" / f"{name}.xml"
        return InstallPlan(
            scheduler="schtasks",
            name=name,
            files=(UnitFile(xml_path, task_scheduler_xml(name, argv, settings), 0o600),),
            enable=(("schtasks", "/Create", "/TN", name, "/XML", str(xml_path), "/F"),),
            disable=(("schtasks", "/Delete", "/TN", name, "/F"),),
        )
    raise ValueError(f"unknown platform {platform!r}")
