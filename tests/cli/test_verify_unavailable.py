"""``keyvault verify`` and destinations that are away, through the real CLI.

A destination that should be connected and is not (a drive that disappeared, a service
that is down) makes verify exit 4: a cron job must hear about it. One marked ``offline``
(a drive kept in a drawer) is reported as not checked and changes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .helpers import run_cli
from .test_backup_support import can_mount, init_vault, tmpfs


def _vault_with_item(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    wallet = tmp_path / "wallet.dat"
    wallet.write_bytes(b"WALLET" * 500)
    assert run_cli("add", str(wallet)).code == 0


def _add_dest(name: str, path: Path, *flags: str) -> None:
    path.mkdir(parents=True, exist_ok=True)
    done = run_cli("dest", "add", "local", name, str(path), "--media", "external", *flags)
    assert done.code == 0, done.stderr


def _outcomes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["dest"]: d for d in document["destinations"]}


def _verdicts() -> tuple[int, list[tuple[str, str, int]]]:
    status = run_cli("status", "--json")
    items = status.json()["items"]
    return status.code, [(i["item"], i["state"], i["copies"]) for i in items]


def test_a_missing_connected_destination_fails_verify_an_offline_one_does_not(
    kv_home: Path, tmp_path: Path
) -> None:
    _vault_with_item(kv_home, tmp_path)
    _add_dest("usb", tmp_path / "usb")
    _add_dest("drawer", tmp_path / "drawer", "--offline")
    _add_dest("home-nas", tmp_path / "nas")
    assert run_cli("backup").code in (0, 3)
    all_there = run_cli("verify", "--json")
    assert all_there.code == 0, all_there.stdout
    assert {n: d["outcome"] for n, d in _outcomes(all_there.json()).items()} == {
        "usb": "ok",
        "drawer": "ok",
        "home-nas": "ok",
    }
    before = _verdicts()

    # The drawer drive is put away: reported, not checked, no problem.
    (tmp_path / "drawer").rename(tmp_path / "drawer-away")
    drawer_away = run_cli("verify", "--json")
    assert drawer_away.code == 0, drawer_away.stdout
    document = drawer_away.json()
    drawer = _outcomes(document)["drawer"]
    assert drawer["outcome"] == "offline" and drawer["offline"] is True
    assert drawer["copies_missing"] is False and drawer["checked"] == 0
    assert "is not there" in drawer["message"]
    assert document["copies_missing"] is False and document["unavailable"] == []
    assert [o["dest"] for o in document["offline"]] == ["drawer"]
    human = run_cli("verify")
    assert human.code == 0
    assert "-> drawer: offline, not checked (" in human.stdout
    assert "NOT AVAILABLE" not in human.stdout

    # The usb drive, normally connected, disappears too: verify exits 4 and says why.
    (tmp_path / "usb").rename(tmp_path / "usb-gone")
    gone = run_cli("verify", "--json")
    assert gone.code == 4, gone.stdout
    document = gone.json()
    outcomes = _outcomes(document)
    assert list(outcomes) == ["usb", "drawer", "home-nas"]
    usb = outcomes["usb"]
    assert usb["outcome"] == "unavailable" and usb["offline"] is False
    assert usb["copies_missing"] is True and usb["checked"] == 0
    assert str(tmp_path / "usb") in usb["message"] and "is not there" in usb["message"]
    assert outcomes["drawer"]["outcome"] == "offline"
    assert outcomes["home-nas"]["outcome"] == "ok" and outcomes["home-nas"]["checked"] > 0
    assert document["copies_missing"] is True and document["problems"] == 0
    assert document["unavailable"] == [{"dest": "usb", "message": usb["message"]}]
    human = run_cli("verify")
    assert human.code == 4
    assert f"-> usb: NOT AVAILABLE, its copies count as missing ({usb['message']})" in (
        human.stdout
    )
    assert "1 destination(s) not available" in human.stdout
    assert "-> drawer: offline, not checked" in human.stdout

    # Asked for by name, an absent destination is still an error of its own.
    named = run_cli("verify", "--dest", "usb")
    assert named.code == 1 and "not available" in named.stderr

    # Status's policy evaluation does not change with these verify runs.
    assert _verdicts() == before
    # Repair has nothing to re-copy and reports both as not checked.
    repair = run_cli("repair", "--json")
    assert repair.code == 0, repair.stdout
    assert [u["dest"] for u in repair.json()["unavailable"]] == ["usb"]
    assert [u["dest"] for u in repair.json()["offline"]] == ["drawer"]

    (tmp_path / "usb-gone").rename(tmp_path / "usb")
    assert run_cli("verify").code == 0


def test_the_timer_alerts_when_a_connected_drive_disappears(kv_home: Path, tmp_path: Path) -> None:
    _vault_with_item(kv_home, tmp_path)
    _add_dest("usb", tmp_path / "usb")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / ".config")}
    assert run_cli("schedule", "install", "--no-enable", env=env).code == 0
    first = run_cli("--json", "schedule", "run", env=env)
    assert first.code in (0, 3), first.stdout
    (tmp_path / "usb").rename(tmp_path / "usb-gone")
    state_file = kv_home / "schedule-state.json"
    state = json.loads(state_file.read_text())
    state["last_verify"] = None
    state_file.write_text(json.dumps(state))
    run = run_cli("--json", "schedule", "run", env=env)
    assert run.code == 4, run.stdout
    steps = {s["step"]: s["exit_code"] for s in run.json()["steps"]}
    assert steps["verify"] == 4 and steps["backup"] in (0, 3)
    messages = [a["message"] for a in run.json()["alerts"] if a["kind"] == "copy-missing"]
    assert len(messages) == 1 and messages[0].startswith("destination 'usb' was not available")
    assert "connect the drive" in messages[0] and "dest set usb --offline" in messages[0]
    assert "repair" not in messages[0]


@pytest.mark.skipif(not can_mount(), reason="mounting a tmpfs was refused (needs root)")
def test_an_unmounted_drive_fails_verify_unless_marked_offline(
    kv_home: Path, tmp_path: Path
) -> None:
    _vault_with_item(kv_home, tmp_path)
    stick, spare = tmp_path / "stick", tmp_path / "spare"
    with tmpfs(stick, "4m"), tmpfs(spare, "4m"):
        _add_dest("stick", stick)
        _add_dest("spare", spare, "--offline")
        assert run_cli("backup").code in (0, 3)
        assert run_cli("verify").code == 0
    # Both unmounted: the mount points are empty folders on the internal disk.
    assert list(stick.iterdir()) == [] and list(spare.iterdir()) == []
    verify = run_cli("verify", "--json")
    assert verify.code == 4, verify.stdout
    outcomes = _outcomes(verify.json())
    assert outcomes["stick"]["outcome"] == "unavailable"
    assert outcomes["spare"]["outcome"] == "offline"
    assert outcomes["stick"]["message"] and outcomes["spare"]["message"]
    assert list(stick.iterdir()) == [] and list(spare.iterdir()) == []
