"""Wallet configurations through the real CLI: add each format, back up, recover on a
fresh home with the 24 words, export to every format and import again, the cosigner
map, and bad input (typed errors naming the line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from keyvault.configs import parse_record
from keyvault.secret import Secret
from keyvault.seedphrase import bip39, wallet

from .helpers import run_cli
from .test_backup_support import PASSPHRASE, PHRASE, add_local_dest, init_vault

VECTORS = Path(__file__).parents[1] / "vectors"
ENV = {"KEYVAULT_PASSPHRASE": PASSPHRASE}
LABELS = VECTORS / "bip329" / "labels.jsonl"
FILES = {
    "bsms": VECTORS / "bsms" / "descriptor-record-2.bsms",
    "coldcard": VECTORS / "coldcard" / "export-p2wsh-myself.txt",
    "descriptor": VECTORS / "coldcard" / "desc-p2sh-p2wsh-myself.txt",
    "electrum": VECTORS / "coldcard" / "el-p2sh-myself.json",
}
OTHER_KEYS = [
    "[1cf0bf7e/48h/0h/0h/2h]xpub6FL8FhxNNUVnG64YurPd16AfGyvFLhh7S2uSsDqR3Qfcm6o9jtcMYwh6Dvmc"
    "BF9qozxNQmTCVvWtxLpKTnhVLN3Pgnu2D3pAoXYFgVyd8Yz",
    "[4fc1dd4a/48h/0h/0h/2h]xpub6EebMbEps7ZcV3FYEnddRsvrFWDrt2tiPmCeM7pPXQEmphvq9ZfJ1LWFUDjf"
    "3vxCeBuPrfyGrMazWUsYsetrnHatQZVLJH7LsgCjtMqdzgj",
]


def _our_key() -> tuple[str, str]:
    """The fingerprint and [origin]xpub at m/48'/0'/0'/2' of the test phrase."""
    seed = bip39.to_seed(Secret(PHRASE))
    try:
        fingerprint = wallet.master_fingerprint(seed)
        xpub = wallet.extended_public_key(seed, "m/48h/0h/0h/2h")
    finally:
        seed.wipe()
    return fingerprint, f"[{fingerprint}/48h/0h/0h/2h]{xpub}"


def _specter(tmp_path: Path) -> Path:
    descriptor = (VECTORS / "coldcard" / "desc-p2wsh-myself.txt").read_text().strip()
    path = tmp_path / "specter.json"
    path.write_text(
        json.dumps({"label": "Vault", "blockheight": 2400000, "descriptor": descriptor})
    )
    return path


def _add(name: str, path: Path, *extra: str) -> dict[str, object]:
    done = run_cli("add-descriptor", "--name", name, str(path), *extra, "--json")
    assert done.code == 0, done.stdout + done.stderr
    result: dict[str, object] = done.json()
    return result


def test_add_back_up_recover_export_reimport(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    files = {**FILES, "specter": _specter(tmp_path)}
    added = {fmt: _add(f"w-{fmt}", path, "--labels", str(LABELS)) for fmt, path in files.items()}
    assert {a["source_format"] for a in added.values()} == set(files)
    listing = run_cli("list")
    assert "wallet configuration" in listing.stdout

    dest = tmp_path / "usb"
    add_local_dest(kv_home, "usb", dest)
    done = run_cli("backup", "--json")
    assert done.code in (0, 3), done.stderr
    for path in dest.rglob("*"):
        if path.is_file():
            assert b"sortedmulti" not in path.read_bytes()  # never plaintext at a destination
    assert run_cli("verify").code == 0

    words = tmp_path / "words.txt"
    assert run_cli("key", "export", "--format", "words", "-o", str(words), env=ENV).code == 0
    out = tmp_path / "recovered"
    fresh = tmp_path / "fresh"
    recovered = run_cli(
        "recover", str(dest), "-o", str(out), "--phrase-file", str(words), home=fresh
    )
    assert recovered.code == 0, recovered.stderr
    labels = LABELS.read_text()
    for fmt, result in added.items():
        record = parse_record((out / f"w-{fmt}.phrase.json").read_bytes())
        assert record.config.descriptor == result["descriptor"]
        assert [json.loads(x) for x in (record.labels or "").splitlines()] == [
            json.loads(x) for x in labels.splitlines()
        ]

    for fmt, result in added.items():
        for export in ("text", "bsms", "coldcard", "specter", "sparrow"):
            target = tmp_path / f"{fmt}.{export}"
            written = run_cli(
                "descriptor", "export", f"w-{fmt}", "--format", export, "-o", str(target), env=ENV
            )
            if written.code != 0:  # a Coldcard file holds sorted multisig with origins only
                assert export == "coldcard" and "Coldcard" in written.stderr
                continue
            again = _add(f"again-{fmt}-{export}", target)
            assert again["first_receive"] == result["first_receive"]
            assert again["first_change"] == result["first_change"]
            assert again["descriptor"] == result["descriptor"]
        checked = run_cli("descriptor", "check", f"w-{fmt}", "--json", env=ENV)
        assert checked.code == 0, checked.stdout + checked.stderr
        report = checked.json()
        assert report["ok"] is True
        assert all(r["independent"]["ok"] for r in report["formats"] if r["applicable"])


def test_cosigner_map_and_locations(kv_home: Path, tmp_path: Path) -> None:
    init_vault(kv_home, tmp_path)
    assert run_cli("add-phrase", "--name", "my ledger", input=PHRASE).code == 0
    fingerprint, ours = _our_key()
    source = tmp_path / "family.txt"
    keys = [k + "/<0;1>/*" for k in (ours, *OTHER_KEYS)]
    source.write_text(f"wsh(sortedmulti(2,{','.join(keys)}))\n")
    _add("family", source)
    moved = run_cli("descriptor", "set-location", "family", "1cf0bf7e", "with the lawyer", env=ENV)
    assert moved.code == 0, moved.stderr
    shown = run_cli("descriptor", "show", "family", "--json", env=ENV)
    assert shown.code == 0, shown.stderr
    document = shown.json()
    by_fp = {c["fingerprint"]: c for c in document["cosigners"]}
    assert by_fp[fingerprint]["held_by"] == "my ledger"
    assert (
        by_fp["1cf0bf7e"]["held_by"] is None and by_fp["1cf0bf7e"]["location"] == "with the lawyer"
    )
    assert document["held_here"] == 1 and document["threshold"] == 2
    assert "you hold 1 of the 3 keys here (2 are needed)" in document["holding"]
    assert "'with the lawyer'" in document["holding"]
    human = run_cli("descriptor", "show", "family", env=ENV)
    assert "held here: phrase 'my ledger'" in human.stdout
    assert "not in this vault: with the lawyer" in human.stdout
    missing = run_cli("descriptor", "set-location", "family", "Z", "x", env=ENV)
    assert missing.code == 1
    wrong = run_cli("descriptor", "show", "family", env={"KEYVAULT_PASSPHRASE": "nope"})
    assert wrong.code == 1 and "Traceback" not in wrong.stderr


def _error(result: object) -> dict[str, str]:
    document = json.loads(result.stdout or result.stderr)  # type: ignore[attr-defined]
    return dict(document["error"])


@pytest.mark.parametrize(
    ("case", "error", "text"),
    [
        ("checksum", "DescriptorChecksumError", "line 1"),
        ("script", "UnknownScriptError", "line 2"),
        ("network", "WrongNetworkError", "not mainnet keys"),
        ("bsms", "WalletConfigError", "line 4: the BSMS record is cut short"),
        ("labels", "LabelsError", "line 2"),
    ],
)
def test_bad_input_names_the_line(
    kv_home: Path, tmp_path: Path, case: str, error: str, text: str
) -> None:
    init_vault(kv_home, tmp_path)
    descriptor = (VECTORS / "coldcard" / "desc-p2wsh-myself.txt").read_text().strip()
    source = tmp_path / "input.txt"
    extra: list[str] = []
    if case == "checksum":
        source.write_text(descriptor[:-1] + ("q" if descriptor[-1] != "q" else "p"))
    elif case == "script":
        source.write_text("# exported\nwshx(sortedmulti(1,02aa))\n")
    elif case == "network":
        source.write_text(descriptor)
        extra = ["--network", "mainnet"]
    elif case == "bsms":
        source.write_text("\n".join(FILES["bsms"].read_text().splitlines()[:3]))
    else:
        source.write_text(descriptor)
        labels = tmp_path / "labels.jsonl"
        labels.write_text('{"type": "addr", "ref": "bc1q"}\n{"type": tx}\n')
        extra = ["--labels", str(labels)]
    done = run_cli("add-descriptor", "--name", "w", str(source), *extra, "--json")
    assert done.code == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    found = _error(done)
    assert found["type"] == error and text in found["message"], found
    if case == "checksum":
        assert "#" in found["hint"]
    assert run_cli("list", "--json").json()["items"] == []  # nothing half-added


def test_stdin_and_a_fifo(kv_home: Path, tmp_path: Path) -> None:
    import os

    init_vault(kv_home, tmp_path)
    data = FILES["bsms"].read_text()
    done = run_cli("add-descriptor", "--name", "piped", "-", "--json", input=data)
    assert done.code == 0, done.stderr
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    refused = run_cli("add-descriptor", "--name", "fifo", str(fifo), timeout=30)
    assert refused.code == 2 and "not a regular file" in refused.stderr


def test_input_over_the_limit_or_never_ending_is_refused(kv_home: Path, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from keyvault.configs.formats import MAX_FILE

    init_vault(kv_home, tmp_path)
    big = tmp_path / "big.txt"
    big.write_bytes(b" " * (MAX_FILE + 1))
    for done in (
        run_cli("add-descriptor", "--name", "big", str(big), "--json"),
        run_cli("add-descriptor", "--name", "big", "-", "--json", input=big.read_bytes()),
    ):
        assert done.code == 1, done.stderr
        found = _error(done)
        assert found["type"] == "WalletConfigError", found
        assert f"larger than {MAX_FILE} bytes" in found["message"], found
    # A pipe that never ends: the command gives up at KEYVAULT_INPUT_TIMEOUT, not hangs.
    with subprocess.Popen(
        [sys.executable, "-m", "keyvault_cli", "add-descriptor", "--name", "open", "-"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "KEYVAULT_HOME": str(kv_home), "KEYVAULT_INPUT_TIMEOUT": "2"},
    ) as child:
        assert child.stdin is not None and child.stderr is not None
        try:  # stdin stays open (nothing written, never closed) until the child exits
            code = child.wait(timeout=60)
            err = child.stderr.read()
        finally:
            child.stdin.close()
    assert code == 1 and b"did not end in time" in err, err
    assert run_cli("list", "--json").json()["items"] == []


def test_a_configuration_survives_a_key_rotation(kv_home: Path, tmp_path: Path) -> None:
    passphrase_file = init_vault(kv_home, tmp_path)
    _add("family", FILES["coldcard"])
    rotated = run_cli(
        "key", "rotate", "--passphrase-file", str(passphrase_file), "--work-factor", "16"
    )
    assert rotated.code == 0, rotated.stderr
    shown = run_cli("descriptor", "show", "family", "--json", env=ENV)
    assert shown.code == 0, shown.stderr
    assert shown.json()["summary"] == "2-of-4 wsh sortedmulti"
