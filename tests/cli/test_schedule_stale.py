"""The stale-backup alert counts every successful backup the engine recorded (timer,
``keyvault backup``, GUI), not only the timer's own runs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from keyvault.vault.state import open_state

from .helpers import run_cli
from .test_backup_support import init_vault


def _linux_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config")}


def _age_timer_state(kv_home: Path, days: int) -> None:
    """Pretend the schedule was installed, and last succeeded, ``days`` ago."""
    long_ago = (datetime.now(timezone.utc) - timedelta(days=days)).isoformat()
    state_file = kv_home / "schedule-state.json"
    state = json.loads(state_file.read_text())
    state.update(installed=long_ago, last_backup_success=long_ago, last_verify=long_ago)
    state_file.write_text(json.dumps(state))


def _stale(document: dict[str, object]) -> list[dict[str, str]]:
    alerts = document["alerts"]
    assert isinstance(alerts, list)
    return [a for a in alerts if a["kind"] == "backup-stale"]


def test_a_manual_backup_resets_the_staleness(tmp_path: Path, kv_home: Path) -> None:
    env = _linux_env(tmp_path)
    init_vault(kv_home, tmp_path)
    item = tmp_path / "wallet.json"
    item.write_text('{"use_encryption": false}')
    (tmp_path / "drive").mkdir()
    for args in (
        ("add", str(item)),
        ("dest", "add", "local", "usb", str(tmp_path / "drive")),
        ("schedule", "install", "--no-enable"),
    ):
        done = run_cli(*args, home=kv_home, env=env)
        assert done.code == 0, (args, done.stderr)
    _age_timer_state(kv_home, 10)

    before = run_cli("--json", "schedule", "status", home=kv_home, env=env).json()
    (alert,) = _stale(before)
    assert alert["message"] == "no successful backup for 10 days (the policy allows 2 days)"
    assert before["last_backup_success_source"] == "timer"

    manual = run_cli("backup", home=kv_home, env=env)
    assert manual.code in (0, 3), manual.stderr

    after = run_cli("--json", "schedule", "status", home=kv_home, env=env)
    assert after.code == 0
    document = after.json()
    assert _stale(document) == []
    assert document["last_backup_success_source"] == "engine"
    last = datetime.fromisoformat(document["last_backup_success"])
    assert datetime.now(timezone.utc) - last < timedelta(hours=1)
    human = run_cli("schedule", "status", home=kv_home, env=env).stdout
    assert "(engine record)" in human and "no successful backup" not in human


def test_an_old_engine_success_raises_the_alert_through_schedule_run(
    tmp_path: Path, kv_home: Path
) -> None:
    env = _linux_env(tmp_path)
    assert run_cli("schedule", "install", "--no-enable", home=kv_home, env=env).code == 0
    now = datetime.now(timezone.utc)
    # The engine's record: an ok backup 9 days ago, a failed one since (does not count).
    with open_state(kv_home) as state:
        state.record_run("backup", now - timedelta(days=9), now - timedelta(days=9), "ok")
        state.record_run("backup", now - timedelta(days=1), now - timedelta(days=1), "failed")
    # The timer's own record claims a recent success: the engine's state wins.
    state_file = kv_home / "schedule-state.json"
    timer = json.loads(state_file.read_text())
    timer["last_backup_success"] = (now - timedelta(hours=2)).isoformat()
    state_file.write_text(json.dumps(timer))

    # No vault here, so the run's own backup step fails and cannot reset the clock.
    run = run_cli("--json", "schedule", "run", home=kv_home, env=env)
    assert run.code == 1, run.stdout + run.stderr
    (alert,) = _stale(run.json())
    assert alert["message"] == "no successful backup for 9 days (the policy allows 2 days)"
    status = run_cli("--json", "schedule", "status", home=kv_home, env=env).json()
    assert [a["message"] for a in _stale(status)] == [alert["message"]]
    assert status["last_backup_success_source"] == "engine"
