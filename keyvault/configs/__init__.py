"""Wallet configurations: descriptors, multisig setup files, labels and BBQr (no I/O).

A seed phrase alone does not recover a multisig or any non-default wallet: the heir
also needs its output descriptor. This package reads every common form of it
(:mod:`.formats`), checks and normalises it and computes its identity
(:mod:`.descriptor`), writes it back in each form (:mod:`.exports`), checks BIP-329
labels (:mod:`.labels`), splits payloads over QR codes (:mod:`.bbqr`) and defines the
record keyvault stores (:mod:`.record`). Pure functions over bytes and text: storing,
encrypting and printing are the vault's and the paper's.
"""

from __future__ import annotations

from .descriptor import Cosigner, Network, WalletConfig, addresses, parse_descriptor
from .exports import EXPORT_FORMATS, export
from .formats import FORMATS, Imported, read_configuration
from .labels import labels_text, parse_labels
from .record import (
    ConfigRecord,
    CosignerEntry,
    cosigner_map,
    holding_summary,
    parse_record,
    record_bytes,
)

__all__ = [
    "EXPORT_FORMATS",
    "FORMATS",
    "ConfigRecord",
    "Cosigner",
    "CosignerEntry",
    "Imported",
    "Network",
    "WalletConfig",
    "addresses",
    "cosigner_map",
    "export",
    "holding_summary",
    "labels_text",
    "parse_descriptor",
    "parse_labels",
    "parse_record",
    "read_configuration",
    "record_bytes",
]
