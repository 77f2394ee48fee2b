"""``keyvault discover`` and ``keyvault schedule`` end to end, as a user or a timer runs them."""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.unit.wallets.test_discover import build_wallets, linux_places, make_sqlite_wallet

from .helpers import run_cli

SECRETS = {
    "KEYVAULT_PASSPHRASE": "hunter2 hunter2 hunter2",
    "B2_APPLICATION_KEY": "K005topsecretapplicationkey",
    "B2_APPLICATION_KEY_ID": "0050123456789ab0000000001",
}


def _linux_env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    return {
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "ELECTRUMDIR": "",
    }


def test_discover_json_lists_every_wallet(tmp_path: Path, kv_home: Path) -> None:
    env = _linux_env(tmp_path)
    home = Path(env["HOME"])
    expected = build_wallets(home, linux_places(home))
    result = run_cli("discover", "--json", home=kv_home, env=env)
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["schema"] == 1
    found = {Path(w["path"]): (w["wallet"], w["encryption"]) for w in document["wallets"]}
    assert found == {path: (wallet, enc.value) for path, (wallet, enc) in expected.items()}
    geth = next(w for w in document["wallets"] if w["wallet"] == "geth")
    assert geth["live_copy_safe"] is True and geth["encrypted"] is True


def test_discover_human_output_and_custom_dir(tmp_path: Path, kv_home: Path) -> None:
    env = _linux_env(tmp_path)
    custom = tmp_path / "bitcoin-on-usb"
    wallet = make_sqlite_wallet(custom / "wallets" / "hot" / "wallet.dat", encrypted=False)
    result = run_cli("discover", "--data-dir", str(custom), home=kv_home, env=env)
    assert result.code == 0, result.stderr
    assert f"Bitcoin Core: {wallet}" in result.stdout
    assert "NOT encrypted" in result.stdout
    assert "1 wallet file(s) found" in result.stdout
    empty = run_cli("discover", home=kv_home, env=env)
    assert empty.code == 0 and "no wallet files found" in empty.stdout


def test_discover_rejects_a_missing_data_dir(tmp_path: Path, kv_home: Path) -> None:
    result = run_cli(
        "--json",
        "discover",
        "--data-dir",
        str(tmp_path / "nope"),
        home=kv_home,
        env=_linux_env(tmp_path),
    )
    assert result.code == 2
    assert result.json()["error"]["type"] == "UsageError"


def test_schedule_install_status_remove(tmp_path: Path, kv_home: Path) -> None:
    env = _linux_env(tmp_path)
    hook = "curl -fsS -d @- https://hooks.example/T0KEN"
    result = run_cli(
        "--json",
        "schedule",
        "install",
        "--weekly",
        "--at",
        "04:15",
        "--verify-every",
        "14",
        "--on-failure",
        hook,
        "--no-enable",
        home=kv_home,
        env=env,
    )
    assert result.code == 0, result.stderr
    document = result.json()
    assert document["scheduler"] == "systemd" and document["enabled"] is False
    assert hook not in result.stdout
    assert document["settings"]["on_failure_hook"] is True
    files = [Path(p) for p in document["files"]]
    unit_dir = Path(env["XDG_CONFIG_HOME"]) / "systemd" / "user"
    assert [p.parent for p in files] == [unit_dir, unit_dir]
    for path in files:
        text = path.read_text()
        assert "T0KEN" not in text and "PASSPHRASE" not in text
        assert str(kv_home) in text or path.suffix == ".timer"
    timer = next(p for p in files if p.suffix == ".timer").read_text()
    assert "OnCalendar=Mon *-*-* 04:15:00" in timer
    if shutil.which("systemd-analyze"):
        check = subprocess.run(
            ["systemd-analyze", "verify", *map(str, files)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert check.returncode == 0, check.stderr
    settings_file = kv_home / "schedule.json"
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    assert json.loads(settings_file.read_text())["on_failure"] == hook

    status = run_cli("--json", "schedule", "status", home=kv_home, env=env)
    assert status.code == 0, status.stderr
    report = status.json()
    assert report["installed"] is True and all(report["files"].values())
    assert report["verify_due"] is True and report["alerts"] == []
    assert report["settings"]["frequency"] == "weekly"

    removed = run_cli("--json", "schedule", "remove", home=kv_home, env=env)
    assert removed.code == 0, removed.stderr
    assert sorted(removed.json()["removed"]) == sorted(map(str, files))
    assert not any(p.exists() for p in files) and not settings_file.exists()
    again = run_cli("schedule", "remove", home=kv_home, env=env)
    assert again.code == 0 and "no schedule was installed" in again.stdout


@pytest.mark.parametrize(
    "args",
    [
        ("--at", "25:00"),
        ("--verify-every", "0"),
        ("--max-age", "0"),
        ("--daily", "--on-failure", "   "),
    ],
)
def test_schedule_install_bad_input_is_a_usage_error(
    tmp_path: Path, kv_home: Path, args: tuple[str, ...]
) -> None:
    result = run_cli(
        "schedule", "install", "--no-enable", *args, home=kv_home, env=_linux_env(tmp_path)
    )
    assert result.code == 2, (result.stdout, result.stderr)
    assert not (kv_home / "schedule.json").exists()


def test_schedule_run_failure_alerts_and_hook_gets_no_secrets(
    tmp_path: Path, kv_home: Path
) -> None:
    env = _linux_env(tmp_path)
    out = tmp_path / "hook"
    hook = f'env > "{out}.env"; cat > "{out}.json"'
    assert (
        run_cli(
            "schedule", "install", "--no-enable", "--on-failure", hook, home=kv_home, env=env
        ).code
        == 0
    )
    # No vault here: the backup step fails, which must alert.
    result = run_cli("--json", "schedule", "run", home=kv_home, env={**env, **SECRETS})
    assert result.code == 1, result.stderr
    document = result.json()
    backup = document["steps"][0]
    assert backup["step"] == "backup" and backup["exit_code"] not in (0, 3)
    assert [s["step"] for s in document["steps"]] == ["backup", "verify"]
    assert "run-failed" in [a["kind"] for a in document["alerts"]]
    assert document["hook"] == {"exit_code": 0, "error": ""}
    hook_env = (tmp_path / "hook.env").read_text()
    for name, value in SECRETS.items():
        assert f"{name}=" not in hook_env and value not in hook_env
    assert "KEYVAULT_ALERT_KINDS=run-failed" in hook_env
    assert json.loads((tmp_path / "hook.json").read_text())["alerts"] == document["alerts"]
    state = json.loads((kv_home / "schedule-state.json").read_text())
    assert state["last_backup_exit"] == backup["exit_code"]
    assert state["last_backup_success"] is None and state["consecutive_failures"] == 1


def test_stale_backup_shows_in_status_and_run(tmp_path: Path, kv_home: Path) -> None:
    env = _linux_env(tmp_path)
    assert run_cli("schedule", "install", "--no-enable", home=kv_home, env=env).code == 0
    long_ago = (datetime.now(timezone.utc) - timedelta(days=10)).isoformat()
    state_file = kv_home / "schedule-state.json"
    state = json.loads(state_file.read_text())
    state.update(installed=long_ago, last_backup_success=long_ago, last_verify=long_ago)
    state_file.write_text(json.dumps(state))
    status = run_cli("--json", "schedule", "status", home=kv_home, env=env)
    assert status.code == 0
    (alert,) = status.json()["alerts"]
    assert alert["kind"] == "backup-stale"
    assert "no successful backup for 10 days (the policy allows 2 days)" == alert["message"]
    run = run_cli("--json", "schedule", "run", home=kv_home, env=env)
    assert run.code == 1
    assert "backup-stale" in [a["kind"] for a in run.json()["alerts"]]
    human = run_cli("schedule", "status", home=kv_home, env=env)
    assert "alert (critical): no successful backup" in human.stdout


def test_schedule_run_with_a_real_vault_then_a_missing_copy(tmp_path: Path, kv_home: Path) -> None:
    """The timer's job over the real engine: a good run, then a deleted object is caught."""
    env = _linux_env(tmp_path)
    passphrase = tmp_path / "pp"
    passphrase.write_text("a long test passphrase for the schedule\n")
    item = tmp_path / "wallet.json"
    item.write_text('{"use_encryption": false}')
    drive = tmp_path / "drive"
    drive.mkdir()
    for args in (
        ("init", "--passphrase-file", str(passphrase), "--work-factor", "16"),
        ("add", str(item)),
        ("dest", "add", "local", "usb", str(drive)),
        ("schedule", "install", "--no-enable"),
    ):
        result = run_cli(*args, home=kv_home, env=env)
        assert result.code == 0, (args, result.stderr)

    good = run_cli("--json", "schedule", "run", home=kv_home, env=env)
    document = good.json()
    assert [(s["step"], s["exit_code"] in (0, 3)) for s in document["steps"]] == [
        ("backup", True),
        ("verify", True),
    ]
    # One local copy cannot meet 3-2-1: at most a warning, nothing critical.
    assert {a["kind"] for a in document["alerts"]} <= {"policy-not-met"}
    assert good.code in (0, 3)
    state_file = kv_home / "schedule-state.json"
    state = json.loads(state_file.read_text())
    assert state["last_backup_success"] is not None and state["consecutive_failures"] == 0

    objects = list(drive.glob("keyvault/*/objects/*"))
    assert objects
    for path in objects:
        path.unlink()
    state["last_verify"] = (datetime.now(timezone.utc) - timedelta(days=8)).isoformat()
    state_file.write_text(json.dumps(state))
    bad = run_cli("--json", "schedule", "run", home=kv_home, env=env)
    assert bad.code == 4, bad.stdout
    messages = [a["message"] for a in bad.json()["alerts"] if a["kind"] == "copy-missing"]
    assert len(messages) == 1 and messages[0].endswith("run 'keyvault repair'")
