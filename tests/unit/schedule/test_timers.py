"""Scheduler files: systemd units (checked by systemd-analyze where present), the launchd
plist (parsed by plistlib) and the Task Scheduler XML (parsed, namespaced)."""

from __future__ import annotations

import plistlib
import shutil
import stat
import subprocess
import sys
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from keyvault.errors import ConfigError
from keyvault.schedule.timers import (
    TASK_XML_NAMESPACE,
    RunState,
    ScheduleSettings,
    keyvault_command,
    last_backup_success,
    launchd_plist,
    load_settings,
    load_state,
    parse_time,
    plan_install,
    remove_settings,
    run_argv,
    save_settings,
    save_state,
    systemd_quote,
    systemd_units,
    task_name,
    task_scheduler_xml,
    verify_due,
)
from keyvault.vault.state import STATE_FILE, open_state

SYSTEMD_ANALYZE = shutil.which("systemd-analyze")
SECRET_MARKERS = ("PASSPHRASE", "B2_APPLICATION_KEY", "hooks.example", "curl")


def _argv(home: Path) -> list[str]:
    return run_argv([sys.executable, "-m", "keyvault_cli"], home)


def _verify_units(directory: Path, names: list[str]) -> subprocess.CompletedProcess[str]:
    assert SYSTEMD_ANALYZE is not None
    return subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *(str(directory / n) for n in names)],
        capture_output=True,
        text=True,
        check=False,
    )


def _parse_unit(text: str) -> dict[str, dict[str, str]]:
    sections: dict[str, dict[str, str]] = {}
    current = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("["):
            current = line.strip("[]")
            sections[current] = {}
            continue
        assert current is not None and "=" in line, line
        key, value = line.split("=", 1)
        sections[current][key] = value
    return sections


@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_systemd_units_are_valid(tmp_path: Path, frequency: str) -> None:
    home = tmp_path / 'odd home % $x "q"'
    settings = ScheduleSettings(
        frequency=frequency,  # type: ignore[arg-type]
        at="03:30",
        on_failure="curl -d @- https://hooks.example/KEYVAULT_PASSPHRASE",
    )
    units = systemd_units("keyvault-backup", _argv(home), settings)
    for name, text in units.items():
        (tmp_path / name).write_text(text)
        assert not any(marker in text for marker in SECRET_MARKERS)
    service = _parse_unit(units["keyvault-backup.service"])
    timer = _parse_unit(units["keyvault-backup.timer"])
    assert service["Service"]["Type"] == "oneshot"
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Timer"]["Unit"] == "keyvault-backup.service"
    expected_calendar = ("Mon " if frequency == "weekly" else "") + "*-*-* 03:30:00"
    assert timer["Timer"]["OnCalendar"] == expected_calendar
    assert timer["Install"]["WantedBy"] == "timers.target"
    if SYSTEMD_ANALYZE:
        result = _verify_units(tmp_path, list(units))
        assert result.returncode == 0, result.stderr
        calendar = subprocess.run(
            [SYSTEMD_ANALYZE, "calendar", expected_calendar], capture_output=True, check=False
        )
        assert calendar.returncode == 0


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_catches_a_broken_unit(tmp_path: Path) -> None:
    """The check above can fail: a relative ExecStart is rejected by systemd itself."""
    units = systemd_units("kv", _argv(tmp_path), ScheduleSettings())
    broken = units["kv.service"].replace(
        f"ExecStart={systemd_quote(sys.executable)}", "ExecStart=relative/python"
    )
    (tmp_path / "kv.service").write_text(broken)
    (tmp_path / "kv.timer").write_text(units["kv.timer"])
    assert _verify_units(tmp_path, ["kv.service", "kv.timer"]).returncode != 0


def test_systemd_quote_round_trips_through_shlex_rules() -> None:
    assert systemd_quote("/usr/bin/python3") == "/usr/bin/python3"
    assert systemd_quote("/a b/c") == '"/a b/c"'
    assert systemd_quote("50%") == "50%%"
    assert systemd_quote("$HOME") == "$$HOME"
    assert systemd_quote('say "hi"\\') == '"say \\"hi\\"\\\\"'
    assert systemd_quote("") == '""'
    with pytest.raises(ValueError, match="newline"):
        systemd_quote("a\nb")
    with pytest.raises(ValueError, match="absolute"):
        systemd_units("kv", ["python", "-m", "keyvault_cli"], ScheduleSettings())


@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_launchd_plist(tmp_path: Path, frequency: str) -> None:
    settings = ScheduleSettings(frequency=frequency, at="7:05")  # type: ignore[arg-type]
    argv = _argv(tmp_path / "home")
    data = launchd_plist("keyvault-backup", argv, settings, tmp_path / "log")
    document = plistlib.loads(data)
    assert document["Label"] == "org.keyvault.keyvault-backup"
    assert document["ProgramArguments"] == argv
    interval = {"Hour": 7, "Minute": 5} | ({"Weekday": 1} if frequency == "weekly" else {})
    assert document["StartCalendarInterval"] == interval
    assert document["RunAtLoad"] is False
    if shutil.which("plutil"):
        path = tmp_path / "x.plist"
        path.write_bytes(data)
        assert subprocess.run(["plutil", "-lint", str(path)], check=False).returncode == 0


@pytest.mark.parametrize("frequency", ["daily", "weekly"])
def test_task_scheduler_xml(tmp_path: Path, frequency: str) -> None:
    home = tmp_path / "my home"
    argv = [
        "C:\\Program Files\\keyvault\\keyvault.exe",
        "--config-dir",
        str(home),
        "schedule",
        "run",
    ]
    settings = ScheduleSettings(frequency=frequency, at="21:15")  # type: ignore[arg-type]
    data = task_scheduler_xml("keyvault-backup", argv, settings)
    assert data[:2] == b"\xff\xfe"  # UTF-16 little-endian BOM, as schtasks /XML expects
    text = data.decode("utf-16")
    assert text.startswith('<?xml version="1.0" encoding="UTF-16"?>')
    root = ET.fromstring(text.split("\n", 1)[1])
    ns = {"t": TASK_XML_NAMESPACE}
    assert root.tag == f"{{{TASK_XML_NAMESPACE}}}Task" and root.get("version") == "1.2"
    assert root.findtext("t:RegistrationInfo/t:URI", namespaces=ns) == "\\keyvault-backup"
    trigger = root.find("t:Triggers/t:CalendarTrigger", ns)
    assert trigger is not None
    assert trigger.findtext("t:StartBoundary", namespaces=ns).endswith("T21:15:00")  # type: ignore[union-attr]
    if frequency == "daily":
        assert trigger.findtext("t:ScheduleByDay/t:DaysInterval", namespaces=ns) == "1"
    else:
        assert trigger.find("t:ScheduleByWeek/t:DaysOfWeek/t:Monday", ns) is not None
    assert root.findtext("t:Settings/t:StartWhenAvailable", namespaces=ns) == "true"
    assert root.findtext("t:Actions/t:Exec/t:Command", namespaces=ns) == argv[0]
    arguments = root.findtext("t:Actions/t:Exec/t:Arguments", namespaces=ns)
    assert arguments == f'--config-dir "{home}" schedule run'
    assert root.findtext("t:Principals/t:Principal/t:RunLevel", namespaces=ns) == "LeastPrivilege"


def test_settings_validation() -> None:
    with pytest.raises(ValueError, match="frequency"):
        ScheduleSettings(frequency="hourly")  # type: ignore[arg-type]
    for bad in ("24:00", "12:60", "noon", "1200", ""):
        with pytest.raises(ValueError, match="time of day"):
            ScheduleSettings(at=bad)
    for days in (0, 367, -1):
        with pytest.raises(ValueError, match="verify_every_days"):
            ScheduleSettings(verify_every_days=days)
    with pytest.raises(ValueError, match="max_age_days"):
        ScheduleSettings(max_age_days=0)
    with pytest.raises(ValueError, match="empty"):
        ScheduleSettings(on_failure="  ")
    assert parse_time(" 9:07 ") == (9, 7)
    assert ScheduleSettings().max_backup_age == timedelta(days=2)
    assert ScheduleSettings(frequency="weekly").max_backup_age == timedelta(days=8)
    assert ScheduleSettings(max_age_days=5).max_backup_age == timedelta(days=5)


def test_settings_and_state_files_are_private_and_round_trip(tmp_path: Path) -> None:
    assert load_settings(tmp_path) is None
    settings = ScheduleSettings(frequency="weekly", verify_every_days=30, on_failure="true")
    save_settings(tmp_path, settings)
    assert load_settings(tmp_path) == settings
    assert stat.S_IMODE((tmp_path / "schedule.json").stat().st_mode) == 0o600
    state = RunState(last_run="2026-01-01T00:00:00+00:00", consecutive_failures=2)
    save_state(tmp_path, state)
    assert load_state(tmp_path) == state
    assert stat.S_IMODE((tmp_path / "schedule-state.json").stat().st_mode) == 0o600
    assert remove_settings(tmp_path) is True
    assert remove_settings(tmp_path) is False


def test_damaged_settings_are_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "schedule.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(tmp_path)
    (tmp_path / "schedule.json").write_text('{"frequency": "hourly"}')
    with pytest.raises(ConfigError, match="invalid"):
        load_settings(tmp_path)
    (tmp_path / "schedule-state.json").write_text("[]")
    with pytest.raises(ConfigError, match="not a json object"):
        load_state(tmp_path)


def test_verify_due() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
    settings = ScheduleSettings(verify_every_days=7)
    assert verify_due(RunState(), settings, now)
    recent = RunState(last_verify=(now - timedelta(days=3)).isoformat())
    assert not verify_due(recent, settings, now)
    old = RunState(last_verify=(now - timedelta(days=7)).isoformat())
    assert verify_due(old, settings, now)
    # A timer's randomized delay may start the run a little early: still due.
    nearly = RunState(last_verify=(now - timedelta(days=7) + timedelta(minutes=20)).isoformat())
    assert verify_due(nearly, settings, now)


def test_names_and_commands(tmp_path: Path) -> None:
    default = tmp_path / "default"
    assert task_name(default, default) == "keyvault-backup"
    other = task_name(tmp_path / "other", default)
    assert other.startswith("keyvault-backup-") and len(other) == len("keyvault-backup-") + 8
    assert keyvault_command(frozen=False, executable="/venv/bin/python") == [
        "/venv/bin/python",
        "-m",
        "keyvault_cli",
    ]
    assert keyvault_command(frozen=True, executable="/opt/kv/keyvault-gui") == ["/opt/kv/keyvault"]
    assert keyvault_command(frozen=True, executable="C:/kv/keyvault-gui.exe") == [
        "C:/kv/keyvault.exe"
    ]


def test_plan_install_per_platform(tmp_path: Path) -> None:
    home, user = tmp_path / "kvhome", tmp_path / "user"
    settings = ScheduleSettings()
    command = [sys.executable, "-m", "keyvault_cli"]
    common: dict[str, Any] = {
        "home": home,
        "default_home": home,
        "settings": settings,
        "command": command,
        "user_home": user,
    }
    linux = plan_install("linux", env={"XDG_CONFIG_HOME": str(tmp_path / "xdg")}, **common)
    assert [f.path for f in linux.files] == [
        tmp_path / "xdg" / "systemd" / "user" / "keyvault-backup.service",
        tmp_path / "xdg" / "systemd" / "user" / "keyvault-backup.timer",
    ]
    assert ("systemctl", "--user", "enable", "--now", "keyvault-backup.timer") in linux.enable
    assert plan_install("linux", env={}, **common).files[0].path.parent == (
        user / ".config" / "systemd" / "user"
    )
    mac = plan_install("darwin", env={}, uid=501, **common)
    assert mac.files[0].path == user / "Library/LaunchAgents/org.keyvault.keyvault-backup.plist"
    assert mac.enable[0][:3] == ("launchctl", "bootstrap", "gui/501")
    win = plan_install("windows", env={}, **common)
    assert win.files[0].path == home / "schedule" / "keyvault-backup.xml"
    assert win.files[0].mode == 0o600
    assert win.enable[0][:4] == ("schtasks", "/Create", "/TN", "keyvault-backup")
    with pytest.raises(ValueError, match="unknown platform"):
        plan_install("beos", env={}, **common)


def test_last_backup_success_prefers_the_engine_state(tmp_path: Path) -> None:
    day = datetime(2026, 3, 1, tzinfo=timezone.utc)
    timer = RunState(last_backup_success=(day + timedelta(days=5)).isoformat())
    # No state.db: the timer's record counts, and none is created by asking.
    assert last_backup_success(tmp_path, timer) == (day + timedelta(days=5), "timer")
    assert last_backup_success(tmp_path, RunState()) == (None, None)
    assert not (tmp_path / STATE_FILE).exists()
    with open_state(tmp_path) as state:
        state.record_run("backup", day, day + timedelta(minutes=1), "ok")
        state.record_run("backup", day + timedelta(days=1), day + timedelta(days=1), "failed")
        state.record_run("verify", day + timedelta(days=2), day + timedelta(days=2), "ok")
    # The engine's newest ok backup wins over the timer's own (newer) record; a failed
    # backup and a verify do not count.
    assert last_backup_success(tmp_path, timer) == (day + timedelta(minutes=1), "engine")


def test_last_backup_success_without_engine_runs_or_with_an_unreadable_state(
    tmp_path: Path,
) -> None:
    day = datetime(2026, 3, 1, tzinfo=timezone.utc)
    timer = RunState(last_backup_success=day.isoformat())
    with open_state(tmp_path) as state:
        state.record_run("backup", day, day, "failed")
    assert last_backup_success(tmp_path, timer) == (day, "timer")
    (tmp_path / STATE_FILE).write_bytes(b"not a database at all" * 100)
    for suffix in ("-wal", "-shm"):
        (tmp_path / (STATE_FILE + suffix)).unlink(missing_ok=True)
    assert last_backup_success(tmp_path, timer) == (day, "timer")
