"""Alert decisions (pure) and delivery: the hook runs for real, with secrets scrubbed."""

from __future__ import annotations

import json
import os
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from keyvault.schedule.alerts import (
    Alert,
    StepOutcome,
    evaluate,
    exit_code_for,
    hook_argv,
    notification_command,
    notify,
    run_hook,
)
from tests.unit.test_childproc import SECRETS

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=timezone.utc)
DAY = timedelta(days=1)
HARMLESS = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": "/home/u",
    "KEYVAULT_HOME": "/home/u/.config/keyvault",
    "DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus",
    "SSH_AUTH_SOCK": "/run/user/1000/ssh",
    "LANG": "C.UTF-8",
}


def test_stale_backup_raises_an_alert() -> None:
    alerts = evaluate(now=NOW, last_success=NOW - 3 * DAY, since=NOW - 30 * DAY, max_age=2 * DAY)
    assert [a.kind for a in alerts] == ["backup-stale"]
    assert alerts[0].severity == "critical"
    assert "no successful backup for 3 days (the policy allows 2 days)" == alerts[0].message
    assert exit_code_for(alerts) == 1


def test_fresh_backup_raises_nothing() -> None:
    assert evaluate(now=NOW, last_success=NOW - DAY, since=None, max_age=2 * DAY) == []
    assert exit_code_for([]) == 0


def test_never_succeeded_counts_from_install() -> None:
    assert evaluate(now=NOW, last_success=None, since=NOW - DAY, max_age=2 * DAY) == []
    (alert,) = evaluate(now=NOW, last_success=None, since=NOW - 5 * DAY, max_age=2 * DAY)
    assert alert.kind == "backup-stale" and "yet" in alert.message
    # Nothing to measure from: no alert is invented.
    assert evaluate(now=NOW, last_success=None, since=None, max_age=2 * DAY) == []


def test_step_outcomes_map_to_alerts_and_exit_codes() -> None:
    failed = evaluate(
        now=NOW,
        last_success=NOW,
        since=None,
        max_age=2 * DAY,
        steps=[StepOutcome("backup", 1, "the backup destination is full")],
    )
    assert [(a.kind, a.severity) for a in failed] == [("run-failed", "critical")]
    assert "exit code 1" in failed[0].message and "is full" in failed[0].message
    missing = evaluate(
        now=NOW,
        last_success=NOW,
        since=None,
        max_age=2 * DAY,
        steps=[StepOutcome("backup", 0), StepOutcome("verify", 4)],
    )
    assert [a.kind for a in missing] == ["copy-missing"]
    assert exit_code_for(missing) == 4
    policy = evaluate(
        now=NOW, last_success=NOW, since=None, max_age=DAY, steps=[StepOutcome("backup", 3)]
    )
    assert [(a.kind, a.severity) for a in policy] == [("policy-not-met", "warning")]
    assert exit_code_for(policy) == 3
    usage = evaluate(
        now=NOW, last_success=NOW, since=None, max_age=DAY, steps=[StepOutcome("verify", 2)]
    )
    assert usage[0].kind == "run-failed"
    assert exit_code_for([*missing, *failed]) == 1
    assert StepOutcome("backup", 3).succeeded and not StepOutcome("backup", 1).succeeded


def test_an_unavailable_destination_is_not_sent_to_repair() -> None:
    unplugged = StepOutcome(
        "verify", 4, unavailable=(("usb", "the drive is not connected"),), problems=0
    )
    (alert,) = evaluate(now=NOW, last_success=NOW, since=None, max_age=DAY, steps=[unplugged])
    assert (alert.kind, alert.severity) == ("copy-missing", "critical")
    assert "destination 'usb' was not available (the drive is not connected)" in alert.message
    assert "connect the drive" in alert.message and "service is reachable" in alert.message
    assert "'keyvault dest set usb --offline'" in alert.message
    assert "repair" not in alert.message
    assert exit_code_for([alert]) == 4


def test_damaged_copies_at_a_reached_destination_still_advise_repair() -> None:
    both = StepOutcome("verify", 4, unavailable=(("b2", ""), ("usb", "gone")), problems=2)
    alerts = evaluate(now=NOW, last_success=NOW, since=None, max_age=DAY, steps=[both])
    assert [a.kind for a in alerts] == ["copy-missing"] * 3
    first, second, repair = (a.message for a in alerts)
    assert first.startswith("destination 'b2' was not available: its copies")
    assert second.startswith("destination 'usb' was not available (gone)")
    assert "repair" not in first + second
    assert repair == "2 stored copies are missing or damaged; run 'keyvault repair'"
    one = StepOutcome("verify", 4, "x", problems=1)
    (alert,) = evaluate(now=NOW, last_success=NOW, since=None, max_age=DAY, steps=[one])
    assert alert.message == "a stored copy is missing or damaged: x; run 'keyvault repair'"
    # A report that said nothing usable still alerts, with the general advice.
    for unknown in (StepOutcome("verify", 4), StepOutcome("verify", 4, problems=0)):
        (alert,) = evaluate(now=NOW, last_success=NOW, since=None, max_age=DAY, steps=[unknown])
        assert alert.message == "a stored copy is missing or damaged; run 'keyvault repair'"


def test_stale_alert_reaches_the_hook_without_secrets(tmp_path: Path) -> None:
    alerts = evaluate(now=NOW, last_success=NOW - 9 * DAY, since=None, max_age=8 * DAY)
    out = tmp_path / "hook-out"
    command = f'env > "{out}.env"; cat > "{out}.json"; exit 0'
    result = run_hook(command, alerts, platform="linux", env={**SECRETS, **HARMLESS})
    assert result.exit_code == 0 and result.error == ""
    seen = dict(
        line.split("=", 1)
        for line in (tmp_path / "hook-out.env").read_text().splitlines()
        if "=" in line
    )
    for name, value in SECRETS.items():
        assert name not in seen
        assert value not in (tmp_path / "hook-out.env").read_text()
    assert seen["KEYVAULT_ALERT_KINDS"] == "backup-stale"
    assert seen["KEYVAULT_ALERT_COUNT"] == "1"
    assert seen["KEYVAULT_ALERT_MESSAGE"] == alerts[0].message
    assert seen["KEYVAULT_HOME"] == HARMLESS["KEYVAULT_HOME"]
    document = json.loads((tmp_path / "hook-out.json").read_text())
    assert document == {"alerts": [alerts[0].to_dict()]}


def test_hook_failures_are_reported_not_raised(tmp_path: Path) -> None:
    alert = Alert("run-failed", "critical", "x")
    assert run_hook("exit 7", [alert], platform="linux").exit_code == 7
    slow = run_hook(
        f'"{sys.executable}" -c "import time; time.sleep(30)" & wait',
        [alert],
        platform="linux",
        timeout=0.5,
    )
    assert slow.exit_code is None and "did not finish" in slow.error
    with pytest.raises(ValueError, match="empty"):
        hook_argv("   ", "linux")
    assert hook_argv("mail me", "windows")[-4:] == ["/d", "/s", "/c", "mail me"]
    assert hook_argv("mail me", "linux") == ["/bin/sh", "-c", "mail me"]


def test_notification_commands_keep_text_as_data() -> None:
    hostile = '"; rm -rf ~; echo "\' $(reboot)'
    found = {
        "notify-send": "/usr/bin/notify-send",
        "osascript": "/usr/bin/osascript",
        "powershell": "C:/ps.exe",
    }.get

    linux = notification_command("linux", "keyvault", hostile, which=found)
    assert linux is not None and linux[0][-1] == hostile and linux[1] == {}
    mac = notification_command("darwin", "keyvault", hostile, which=found)
    assert mac is not None and mac[0][-2:] == ["keyvault", hostile]
    assert all(hostile not in part for part in mac[0][:-1])
    win = notification_command("windows", "keyvault", hostile, which=found)
    assert win is not None and hostile not in " ".join(win[0])
    assert win[1] == {"KEYVAULT_NOTIFY_TITLE": "keyvault", "KEYVAULT_NOTIFY_BODY": hostile}
    assert notification_command("linux", "t", "b", which=lambda _: None) is None
    assert notify("t", "b", platform="linux", which=lambda _: None) is False
    with pytest.raises(ValueError, match="unknown platform"):
        notification_command("amiga", "t", "b", which=found)


def test_failed_and_overdue_drills_are_alerts() -> None:
    alerts = evaluate(
        now=NOW,
        last_success=NOW,
        since=NOW - 30 * DAY,
        max_age=2 * DAY,
        drill_failed=[("ledger", "usb")],
        drill_overdue=[("notes", "b2")],
    )
    assert [(a.kind, a.severity) for a in alerts] == [
        ("drill-failed", "critical"),
        ("drill-overdue", "warning"),
    ]
    assert "'ledger' at 'usb' failed" in alerts[0].message
    assert "'notes' at 'b2'" in alerts[1].message and "keyvault drill" in alerts[1].message
    assert exit_code_for(alerts) == 4
    assert exit_code_for(alerts[1:]) == 3
