"""Writing a wallet configuration in the formats other wallets import.

Each function returns the file's text; :func:`export` picks one by name. Every export
reads back with :func:`keyvault.configs.formats.read_configuration` to the same
normalised descriptor (``keyvault descriptor check`` proves it for each item).

- ``text``: the normalised descriptor with its checksum (Bitcoin Core, BDK, Liana).
- ``bsms``: a BIP-129 descriptor record: a ``/**`` template with the restrictions
  ``/0/*,/1/*`` when every key ends ``/<0;1>/*``, and the first receive address.
- ``coldcard``: a Coldcard multisig setup file (sorted multisig in sh, wsh or sh-wsh
  with ``/<0;1>/*`` keys only: what the format can say).
- ``specter``: Specter's JSON (``label``, ``blockheight``, ``descriptor``), which
  Sparrow imports too.
- ``sparrow``: Sparrow's "Output Descriptor" text: the BIP-389 multipath descriptor,
  then Bitcoin Core's receive and change pair, each under a ``#`` comment.
"""

from __future__ import annotations

import json

from keyvault.errors import WalletConfigError

from .descriptor import WalletConfig, descriptor_checksum

__all__ = ["EXPORT_FORMATS", "export"]

EXPORT_FORMATS = ("text", "bsms", "coldcard", "specter", "sparrow")
_MULTIPATH = "/<0;1>/*"
_COLDCARD_FORMAT = {"wsh": "P2WSH", "sh-wsh": "P2SH-P2WSH", "sh": "P2SH"}
_COLDCARD_NAME = 20  # the longest wallet name a Coldcard keeps


def _is_multipath(config: WalletConfig) -> bool:
    return bool(config.cosigners) and all(c.path == _MULTIPATH for c in config.cosigners)


def _with_checksum(body: str) -> str:
    return f"{body}#{descriptor_checksum(body)}"


def _text(config: WalletConfig) -> str:
    return config.descriptor + "\n"


def _bsms(config: WalletConfig) -> str:
    if _is_multipath(config):
        template = config.body.replace(_MULTIPATH, "/**")
        return f"BSMS 1.0\n{template}\n/0/*,/1/*\n{config.receive[0]}\n"
    return f"BSMS 1.0\n{config.descriptor}\nNo path restrictions\n{config.receive[0]}\n"


def _coldcard(config: WalletConfig, name: str) -> str:
    if (
        config.policy != "sortedmulti"
        or config.script not in _COLDCARD_FORMAT
        or not _is_multipath(config)
        or any(c.fingerprint is None or c.derivation is None for c in config.cosigners)
    ):
        raise WalletConfigError(
            f"a Coldcard multisig file holds a sorted multisig with key origins; "
            f"this wallet is {config.summary}",
            hint="export it as text or bsms instead",
        )
    safe = "".join(ch for ch in name if ch.isascii() and ch.isprintable())[:_COLDCARD_NAME]
    lines = [
        "# Coldcard Multisig setup file (exported by keyvault)",
        "#",
        f"Name: {safe or 'keyvault'}",
        f"Policy: {config.threshold} of {len(config.cosigners)}",
        f"Format: {_COLDCARD_FORMAT[config.script]}",
        "",
    ]
    derivation = None
    for cosigner in config.cosigners:
        assert cosigner.derivation is not None and cosigner.fingerprint is not None
        if cosigner.derivation != derivation:
            derivation = cosigner.derivation
            lines.append(f"Derivation: {derivation.replace('h', chr(39))}")
        lines.append(f"{cosigner.fingerprint.upper()}: {cosigner.key}")
    return "\n".join(lines) + "\n"


def _specter(config: WalletConfig, name: str, blockheight: int | None) -> str:
    document = {"label": name, "blockheight": blockheight or 0, "descriptor": config.descriptor}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _sparrow(config: WalletConfig) -> str:
    parts = ["# Receive and change descriptor (BIP389):", config.descriptor, ""]
    if _is_multipath(config):
        receive = config.body.replace(_MULTIPATH, "/0/*")
        change = config.body.replace(_MULTIPATH, "/1/*")
        parts += [
            "# Receive descriptor (Bitcoin Core):",
            _with_checksum(receive),
            "",
            "# Change descriptor (Bitcoin Core):",
            _with_checksum(change),
            "",
        ]
    return "\n".join(parts)


def export(config: WalletConfig, fmt: str, *, name: str, blockheight: int | None = None) -> str:
    """``config`` as the text of a ``fmt`` file (one of :data:`EXPORT_FORMATS`).

    Raises :class:`~keyvault.errors.WalletConfigError` when the format cannot hold
    this wallet (a Coldcard file holds sorted multisig only).
    """
    if fmt == "text":
        return _text(config)
    if fmt == "bsms":
        return _bsms(config)
    if fmt == "coldcard":
        return _coldcard(config, name)
    if fmt == "specter":
        return _specter(config, name, blockheight)
    if fmt == "sparrow":
        return _sparrow(config)
    raise ValueError(f"unknown export format {fmt!r}; one of: {', '.join(EXPORT_FORMATS)}")
