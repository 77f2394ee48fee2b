"""BIP-329 wallet labels: JSON lines, checked line by line.

Each line is one JSON object with ``type`` (``tx``, ``addr``, ``pubkey``, ``input``,
``output``, ``xpub``) and ``ref`` (what it labels), and optionally ``label``,
``origin`` and, for outputs, ``spendable``. :func:`parse_labels` checks every line
and returns the records; :func:`labels_text` writes them back one per line (blank
lines dropped) so that parsing it again gives the same records.
"""

from __future__ import annotations

import json
import re
from typing import Any

from keyvault.errors import LabelsError

__all__ = ["LABEL_TYPES", "MAX_LABELS_FILE", "labels_text", "parse_labels"]

LABEL_TYPES = ("tx", "addr", "pubkey", "input", "output", "xpub", "spscan")
#: The largest labels file read, and the longest line in it.
MAX_LABELS_FILE = 16 * 1024 * 1024
MAX_LINE = 64 * 1024
_TXID = re.compile(r"^[0-9a-fA-F]{64}$")
_OUTPOINT = re.compile(r"^[0-9a-fA-F]{64}:[0-9]{1,10}$")


def _check_record(record: Any, line: int) -> dict[str, Any]:
    if not isinstance(record, dict):
        raise LabelsError(f"line {line}: a label record is a JSON object", line=line)
    kind, ref = record.get("type"), record.get("ref")
    if kind not in LABEL_TYPES:
        raise LabelsError(f"line {line}: 'type' is not one of {', '.join(LABEL_TYPES)}", line=line)
    if not isinstance(ref, str) or not ref:
        raise LabelsError(f"line {line}: 'ref' is missing or not text", line=line)
    if kind == "tx" and not _TXID.match(ref):
        raise LabelsError(f"line {line}: a tx 'ref' is a 64-digit hex txid", line=line)
    if kind in ("input", "output") and not _OUTPOINT.match(ref):
        raise LabelsError(f"line {line}: an {kind} 'ref' is 'txid:index'", line=line)
    for field in ("label", "origin"):
        if field in record and not isinstance(record[field], str):
            raise LabelsError(f"line {line}: {field!r} is not text", line=line)
    if "spendable" in record and not isinstance(record["spendable"], bool):
        raise LabelsError(f"line {line}: 'spendable' is not true or false", line=line)
    return record


def parse_labels(data: bytes) -> list[dict[str, Any]]:
    """Every record of a BIP-329 labels file; :class:`LabelsError` naming the bad line."""
    if len(data) > MAX_LABELS_FILE:
        raise LabelsError(f"a labels file has at most {MAX_LABELS_FILE} bytes")
    records = []
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if len(raw) > MAX_LINE:
            raise LabelsError(f"line {number}: longer than {MAX_LINE} bytes", line=number)
        try:
            text = raw.decode("utf-8").strip()
        except UnicodeDecodeError:
            raise LabelsError(f"line {number}: not UTF-8 text", line=number) from None
        if not text:
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LabelsError(
                f"line {number}, column {exc.colno}: not a JSON object ({exc.msg})",
                line=number,
                position=exc.colno - 1,
            ) from None
        except RecursionError:
            raise LabelsError(f"line {number}: nested too deeply", line=number) from None
        records.append(_check_record(record, number))
    if not records:
        raise LabelsError("the labels file has no records")
    return records


def labels_text(records: list[dict[str, Any]]) -> str:
    """The records as BIP-329 JSON lines."""
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
