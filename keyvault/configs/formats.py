"""Reading wallet configuration files: descriptor text, BSMS, Coldcard, Specter, Electrum.

:func:`read_configuration` takes the bytes of a file from an untrusted source, finds out
which format it is, and returns an :class:`Imported`: the checked and normalised
:class:`~keyvault.configs.descriptor.WalletConfig` plus what the file said about it
(its label, birth block height). Every error is a
:class:`~keyvault.errors.WalletConfigError` naming the line it is about.

Formats (``Imported.format``):

- ``descriptor``: one descriptor per line, ``#`` comment lines allowed (Sparrow's and
  Bitcoin Core's exports); a receive ``/0/*`` and change ``/1/*`` pair becomes one
  ``/<0;1>/*`` descriptor.
- ``bsms``: a BIP-129 descriptor record (``BSMS 1.0``, descriptor or ``/**`` template,
  path restrictions, first address). The first address is checked.
- ``coldcard``: a Coldcard multisig setup file (``Name:``, ``Policy: M of N``,
  ``Format:``, ``Derivation:``, then ``XFP: xpub`` lines).
- ``specter``: a JSON object with ``descriptor`` (and optional ``label``,
  ``blockheight``), as Specter and Sparrow write.
- ``electrum``: an unencrypted Electrum wallet file of a multisig (``wallet_type`` ``MofN``)
  or single-key (``standard``) wallet with an xpub keystore.
"""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from typing import Any

from keyvault.errors import WalletConfigError

from .descriptor import Network, WalletConfig, find_private_key, parse_descriptor

__all__ = ["FORMATS", "MAX_FILE", "Imported", "read_configuration"]

#: The largest configuration file read (a 15-key Coldcard file is about 2 KB).
MAX_FILE = 256 * 1024
FORMATS = ("descriptor", "bsms", "coldcard", "specter", "electrum")
_MAX_LABEL = 200
_COLDCARD_FORMATS = {"P2WSH": "wsh", "P2SH-P2WSH": "sh-wsh", "P2WSH-P2SH": "sh-wsh", "P2SH": "sh"}
_WRAP = {"wsh": ("wsh(", ")"), "sh-wsh": ("sh(wsh(", "))"), "sh": ("sh(", ")")}
_SINGLE_WRAP = {"wpkh": ("wpkh(", ")"), "sh-wpkh": ("sh(wpkh(", "))"), "pkh": ("pkh(", ")")}
_HEX8 = re.compile(r"^[0-9A-Fa-f]{8}$")
_PATH = re.compile(r"^m(/[0-9]{1,10}['hH]?)*$")


@dataclass(frozen=True)
class Imported:
    """A configuration read from a file, and what the file said about it."""

    config: WalletConfig
    format: str
    label: str | None = None
    blockheight: int | None = None


def _text(data: bytes) -> str:
    if len(data) > MAX_FILE:
        raise WalletConfigError(f"a wallet configuration file has at most {MAX_FILE} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise WalletConfigError(f"line {line} is not UTF-8 text", line=line) from None
    return text.removeprefix("\ufeff")


def _lines(text: str) -> list[tuple[int, str]]:
    """Numbered, stripped lines that are not blank."""
    return [(n, s.strip()) for n, s in enumerate(text.splitlines(), start=1) if s.strip()]


def _at_line(line: int, exc: WalletConfigError) -> WalletConfigError:
    """``exc`` again, its message prefixed with ``line N: `` (same type, same hint)."""
    if exc.line is not None:
        return exc
    exc.args = (f"line {line}: {exc.message}",)
    exc.message = f"line {line}: {exc.message}"
    exc.line = line
    return exc


def _descriptor_at(line: int, text: str, network: Network | None) -> WalletConfig:
    try:
        return parse_descriptor(text, network=network)
    except WalletConfigError as exc:
        raise _at_line(line, exc) from None


def _join_pair(receive: str, change: str) -> str | None:
    """``.../0/*...`` and ``.../1/*...`` as one ``/<0;1>/*`` body, if they are a pair."""
    receive, change = receive.split("#")[0], change.split("#")[0]
    if receive.replace("/0/*", "/1/*") != change or "/0/*" not in receive:
        return None
    return receive.replace("/0/*", "/<0;1>/*")


def _read_descriptor_lines(text: str, network: Network | None) -> Imported:
    lines = [(n, s) for n, s in _lines(text) if not s.startswith("#")]
    if not lines:
        raise WalletConfigError("there is no descriptor in this file")
    if len(lines) == 1:
        return Imported(_descriptor_at(lines[0][0], lines[0][1], network), "descriptor")
    configs = [_descriptor_at(n, s, network) for n, s in lines]
    distinct = {c.descriptor for c in configs}
    if len(distinct) == 1:  # Sparrow: the multipath one and the expanded pair agree
        return Imported(configs[0], "descriptor")
    if len(lines) == 2:
        joined = _join_pair(lines[0][1], lines[1][1])
        if joined is not None:
            return Imported(_descriptor_at(lines[0][0], joined, network), "descriptor")
    if len(lines) == 3:  # Sparrow: the BIP-389 descriptor, then Core's receive/change pair
        joined = _join_pair(lines[1][1], lines[2][1])
        if joined is not None and _descriptor_at(lines[1][0], joined, network) == configs[0]:
            return Imported(configs[0], "descriptor")
    raise WalletConfigError(
        f"line {lines[1][0]}: this file holds more than one wallet's descriptor",
        line=lines[1][0],
    )


def _address_network(address: str) -> Network | None:
    lowered = address.lower()
    if lowered.startswith("bcrt1"):
        return "regtest"
    if lowered.startswith("bc1") or address[:1] in ("1", "3"):
        return "mainnet"
    if lowered.startswith("tb1") or address[:1] in ("m", "n", "2"):
        return "testnet"
    return None


def _read_bsms(text: str, network: Network | None) -> Imported:
    raw = text.split("\n")
    lines = [s.rstrip("\r").strip() for s in raw]
    while lines and not lines[-1]:
        lines.pop()
    names = ("the version 'BSMS 1.0'", "the descriptor", "the path restrictions", "the address")
    if lines[0] != "BSMS 1.0":
        raise WalletConfigError("line 1: a BSMS record starts with 'BSMS 1.0'", line=1)
    for number in range(2, 5):
        if len(lines) < number or not lines[number - 1]:
            raise WalletConfigError(
                f"line {number}: the BSMS record is cut short: {names[number - 1]} is missing",
                line=number,
            )
    if len(lines) > 4:
        raise WalletConfigError(
            "line 5: a BSMS descriptor record has 4 lines; this looks like a key record "
            "or more than one record",
            line=5,
        )
    descriptor, restrictions, address = lines[1], lines[2], lines[3]
    wanted = network or _address_network(address)
    if "/**" in descriptor:
        paths = [p.strip() for p in restrictions.split(",")]
        if paths == ["/0/*", "/1/*"]:
            descriptor = descriptor.replace("/**", "/<0;1>/*")
        elif paths == ["/0/*"]:
            descriptor = descriptor.replace("/**", "/0/*")
        else:
            raise WalletConfigError(
                "line 3: keyvault reads the path restrictions '/0/*,/1/*' or '/0/*' only",
                line=3,
            )
    elif restrictions != "No path restrictions":
        raise WalletConfigError(
            "line 3: path restrictions go with a '/**' descriptor template; "
            "without one the line says 'No path restrictions'",
            line=3,
        )
    config = _descriptor_at(2, descriptor, wanted)
    if not config.receive or config.receive[0] != address:
        raise WalletConfigError(
            f"line 4: the record's first address is not the descriptor's first address "
            f"({config.receive[0] if config.receive else 'none'})",
            hint="the record was changed or made for another wallet: do not use it",
            line=4,
        )
    return Imported(config, "bsms")


def _key_with_origin(xfp: str, path: str, key: str, where: str, line: int | None = None) -> str:
    if not _HEX8.match(xfp):
        raise WalletConfigError(f"{where}: the fingerprint is not 8 hex digits", line=line)
    if not _PATH.match(path):
        raise WalletConfigError(f"{where}: the derivation path is not m/.../...", line=line)
    steps = path[1:].replace("'", "h").replace("H", "h")
    return f"[{xfp.lower()}{steps}]{key}"


def _read_coldcard(text: str, network: Network | None) -> Imported:
    name: str | None = None
    policy: tuple[int, int] | None = None
    script = "sh"
    derivation: str | None = None
    keys: list[str] = []
    last_line = 1
    for number, line in _lines(text):
        last_line = number
        if line.startswith("#"):
            continue
        field, sep, value = line.partition(":")
        if not sep:
            raise WalletConfigError(f"line {number}: expected 'Field: value'", line=number)
        field, value = field.strip(), value.strip()
        lowered = field.lower()
        if lowered == "name":
            name = value[:_MAX_LABEL]
        elif lowered == "policy":
            match = re.fullmatch(r"(\d{1,2})\s*(?:of|/)\s*(\d{1,2})", value, re.IGNORECASE)
            if match is None:
                raise WalletConfigError(f"line {number}: the policy is not 'M of N'", line=number)
            policy = (int(match[1]), int(match[2]))
        elif lowered == "format":
            if value.upper() not in _COLDCARD_FORMATS:
                raise WalletConfigError(
                    f"line {number}: unknown address format {value[:20]!r}; "
                    f"known: {', '.join(_COLDCARD_FORMATS)}",
                    line=number,
                )
            script = _COLDCARD_FORMATS[value.upper()]
        elif lowered == "derivation":
            derivation = value
        elif _HEX8.match(field):
            if derivation is None:
                raise WalletConfigError(
                    f"line {number}: a key before any 'Derivation:' line", line=number
                )
            keys.append(
                _key_with_origin(field, derivation, value, f"line {number}", number) + "/<0;1>/*"
            )
        else:
            raise WalletConfigError(f"line {number}: unknown field {field[:20]!r}", line=number)
    if policy is None:
        raise WalletConfigError(
            f"line {last_line}: the file has no 'Policy: M of N' line", line=last_line
        )
    m, n = policy
    if n != len(keys) or not 1 <= m <= n:
        raise WalletConfigError(
            f"line {last_line}: the policy says {m} of {n} but the file lists {len(keys)} keys",
            line=last_line,
        )
    opening, closing = _WRAP[script]
    body = f"{opening}sortedmulti({m},{','.join(keys)}){closing}"
    try:
        config = parse_descriptor(body, network=network)
    except WalletConfigError as exc:
        raise _at_line(last_line, exc) from None
    return Imported(config, "coldcard", label=name)


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise WalletConfigError(
            f"line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})",
            line=exc.lineno,
            position=exc.colno - 1,
        ) from None
    except RecursionError:
        raise WalletConfigError("the JSON is nested too deeply") from None


def _read_specter(document: dict[str, Any], network: Network | None) -> Imported:
    descriptor = document.get("descriptor")
    if not isinstance(descriptor, str):
        raise WalletConfigError("the JSON's 'descriptor' is not text")
    label = document.get("label")
    height = document.get("blockheight")
    if label is not None and not isinstance(label, str):
        raise WalletConfigError("the JSON's 'label' is not text")
    if height is not None and (
        not isinstance(height, int) or isinstance(height, bool) or height < 0
    ):
        raise WalletConfigError("the JSON's 'blockheight' is not a block height")
    try:
        config = parse_descriptor(descriptor, network=network)
    except WalletConfigError as exc:
        exc.message = f"'descriptor': {exc.message}"
        exc.args = (exc.message,)
        raise
    return Imported(
        config, "specter", label=label[:_MAX_LABEL] if label else None, blockheight=height
    )


def _electrum_key(keystore: Any, where: str) -> tuple[str, str]:
    """(key expression with origin, script type) of an Electrum xpub keystore."""
    from embit import bip32
    from embit.networks import NETWORKS as EMBIT

    if not isinstance(keystore, dict) or not isinstance(keystore.get("xpub"), str):
        raise WalletConfigError(f"{where}: no xpub (only xpub keystores can be read)")
    if any(keystore.get(field) for field in ("xprv", "seed", "keypairs", "passphrase")):
        raise WalletConfigError(
            f"{where}: the wallet file holds a seed or private keys; a wallet configuration "
            "keeps public keys only",
            hint="protect the wallet file itself with 'keyvault add', or export a watch-only copy",
        )
    try:
        key = bip32.HDKey.from_string(keystore["xpub"])
    except Exception:
        raise WalletConfigError(f"{where}: the xpub is not a valid extended key") from None
    if key.is_private:
        raise WalletConfigError(f"{where}: a private key: keep public keys only")
    script = None
    for net in ("main", "test"):
        versions = EMBIT[net]
        for name, kind in (
            ("xpub", "legacy"),
            ("ypub", "sh-wpkh"),
            ("zpub", "wpkh"),
            ("Ypub", "sh-wsh"),
            ("Zpub", "wsh"),
        ):
            if key.version == versions[name]:
                script = kind
    if script is None:
        raise WalletConfigError(f"{where}: an extended key version keyvault does not know")
    text = key.to_base58(EMBIT["main" if key.version in EMBIT["main"].values() else "test"]["xpub"])
    fingerprint = keystore.get("root_fingerprint")
    xfp = keystore.get("ckcc_xfp")
    if not isinstance(fingerprint, str) and isinstance(xfp, int) and 0 <= xfp < 2**32:
        fingerprint = struct.pack("<I", xfp).hex()
    path = keystore.get("derivation")
    if isinstance(fingerprint, str) and isinstance(path, str):
        return _key_with_origin(fingerprint, path, text, where), script
    return text, script


def _read_electrum(document: dict[str, Any], network: Network | None) -> Imported:
    wallet_type = document.get("wallet_type")
    if wallet_type == "standard":
        key, kind = _electrum_key(document.get("keystore"), "'keystore'")
        script = {"legacy": "pkh", "sh-wpkh": "sh-wpkh", "wpkh": "wpkh"}.get(kind)
        if script is None:
            raise WalletConfigError("'keystore': a multisig key in a single-key wallet")
        opening, closing = _SINGLE_WRAP[script]
        return Imported(
            parse_descriptor(f"{opening}{key}/<0;1>/*{closing}", network=network), "electrum"
        )
    match = re.fullmatch(
        r"(\d{1,2})of(\d{1,2})", wallet_type if isinstance(wallet_type, str) else ""
    )
    if match is None:
        raise WalletConfigError(
            "'wallet_type': keyvault reads Electrum 'standard' and 'MofN' multisig wallets"
        )
    m, n = int(match[1]), int(match[2])
    keys, kinds = [], set()
    for index in range(1, n + 1):
        key, kind = _electrum_key(document.get(f"x{index}/"), f"'x{index}/'")
        keys.append(key + "/<0;1>/*")
        kinds.add(kind)
    if len(kinds) != 1:
        raise WalletConfigError("the cosigners' keys are for different script types")
    script = {"legacy": "sh", "sh-wsh": "sh-wsh", "wsh": "wsh"}.get(kinds.pop())
    if script is None:
        raise WalletConfigError("the cosigners' keys are single-key (ypub/zpub) keys")
    opening, closing = _WRAP[script]
    config = parse_descriptor(
        f"{opening}sortedmulti({m},{','.join(keys)}){closing}", network=network
    )
    return Imported(config, "electrum")


def read_configuration(data: bytes, *, network: Network | None = None) -> Imported:
    """Read a wallet configuration file in any of :data:`FORMATS` (detected).

    ``network`` is the network the caller expects (None: what the keys say).
    Raises :class:`~keyvault.errors.WalletConfigError` (or a subclass: a wrong
    checksum, an unknown script, a key of the wrong network) naming the line.
    """
    text = _text(data)
    stripped = text.strip()
    if not stripped:
        raise WalletConfigError("the file is empty")
    secret_at = find_private_key(text)
    if secret_at is not None:
        line = text.count("\n", 0, secret_at) + 1
        raise WalletConfigError(
            f"line {line}: a private key: a wallet configuration keeps public keys only",
            hint="export the watch-only (public) configuration from the wallet",
            line=line,
        )
    if stripped.startswith("{"):
        document = _json(stripped)
        if not isinstance(document, dict):
            raise WalletConfigError("line 1: the JSON is not an object", line=1)
        if "descriptor" in document:
            return _read_specter(document, network)
        if "wallet_type" in document:
            return _read_electrum(document, network)
        raise WalletConfigError(
            "this JSON has neither a 'descriptor' nor an Electrum 'wallet_type'"
        )
    if stripped.startswith(("BIE1", "BIE2")):
        raise WalletConfigError(
            "this is an encrypted Electrum wallet", hint="open it in Electrum and export its xpubs"
        )
    first = stripped.split("\n", 1)[0].strip()
    if first.startswith("BSMS"):
        return _read_bsms(stripped, network)
    if re.search(r"^\s*(Policy|Format|Derivation)\s*:", stripped, re.IGNORECASE | re.MULTILINE):
        return _read_coldcard(text, network)
    return _read_descriptor_lines(text, network)
