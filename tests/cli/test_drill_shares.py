"""``keyvault drill --shares-file``: the printed shares of a split kit are drilled too,
every T-of-N combination SLIP-39 allows (across groups as well); one bad printed share
fails the combinations that include it (exit 4), named by group and member only."""

from __future__ import annotations

from pathlib import Path

from keyvault.seedphrase import slip39

from .helpers import run_cli
from .test_backup_support import PASSPHRASE, PHRASE, add_local_dest, init_vault, vault_identity

ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}


def _write(path: Path, groups: list[list[object]]) -> Path:
    path.write_text(
        "\n".join(share.reveal_text() for group in groups for share in group) + "\n"  # type: ignore[attr-defined]
    )
    return path


def test_every_combination_of_a_split_kit_is_drilled(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    assert run_cli("add-phrase", "--name", "ledger", input=PHRASE).code == 0
    add_local_dest(kv_home, "usb", tmp_path / "usb")
    assert run_cli("backup").code in (0, 3)
    key = vault_identity(kv_home).secret_bytes()

    two_of_three = slip39.split(key, threshold=2, shares=3)
    good = _write(tmp_path / "shares.txt", two_of_three)  # type: ignore[arg-type]
    done = run_cli("drill", "--shares-file", str(good), "--json", env=ENV)
    assert done.code == 0, done.stdout + done.stderr
    assert done.json()["shares"] == {
        "shares": 3, "combinations": 3, "failed": [], "truncated": False, "ok": True
    }  # fmt: skip
    text = run_cli("drill", "--shares-file", str(good), env=ENV)
    assert "3 combination(s) of its 3 shares tried; 0 failed" in text.stdout

    # Two groups (2 of 3, 1 of 1), both needed: 3 combinations.
    grouped = slip39.split(key, groups=[(2, 3), (1, 1)], group_threshold=2)
    done = run_cli(
        "drill", "--shares-file", str(_write(tmp_path / "g.txt", grouped)), "--json", env=ENV
    )  # type: ignore[arg-type]
    assert done.code == 0 and done.json()["shares"]["combinations"] == 3, done.stdout

    # The third printed share belongs to another split of the same key.
    other = slip39.split(key, threshold=2, shares=3)
    mixed = _write(tmp_path / "mixed.txt", [two_of_three[0][:2], other[0][2:]])  # type: ignore[list-item]
    done = run_cli("drill", "--shares-file", str(mixed), "--json", env=ENV)
    assert done.code == 4, done.stdout
    report = done.json()["shares"]
    assert report["shares"] == 3 and not report["ok"]
    assert report["combinations"] == 3, report
    assert [f["shares"] for f in report["failed"]] == [
        "group 1 share 1 + group 1 share 3",
        "group 1 share 2 + group 1 share 3",
    ]
    text = run_cli("drill", "--shares-file", str(mixed), env=ENV)
    assert text.code == 4 and "2 failed" in text.stdout
    assert "FAILED group 1 share 1 + group 1 share 3: the shares do not belong" in text.stdout
